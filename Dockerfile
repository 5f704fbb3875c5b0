# syntax=docker/dockerfile:1
# One image for every udbredelse service: the Airflow components, the Streamlit dashboard and the CLI.
# Dependencies come from the committed uv.lock (`uv sync --frozen --no-dev`): the image runs exactly
# the versions the tests ran.
FROM python:3.11-slim-bookworm

COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /bin/

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1

WORKDIR /opt/udbredelse

# Dependencies first (a layer that only changes with uv.lock).
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --group deploy --no-install-project

# The project itself, installed editable: settings.PROJECT_ROOT then points at /opt/udbredelse,
# where dbt/, dags/ and dashboard/ live. The DAGs are baked in here with the package they call
# (compose mounts no DAG folder): a DAG change is a new image, so the two never drift apart.
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --group deploy

# The `deploy` dependency group adds the PostgreSQL drivers for Airflow's metadata DB (psycopg2, asyncpg).

# Unprivileged user; the data home and AIRFLOW_HOME are volumes owned by it.
RUN useradd --uid 50000 --gid 0 --create-home --home-dir /home/udbredelse udbredelse \
    && mkdir -p /data /opt/airflow /home/udbredelse/.streamlit \
    && chown -R 50000:0 /data /opt/airflow /home/udbredelse
USER 50000

ENV UDBREDELSE_HOME=/data \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/udbredelse/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False

CMD ["udbredelse", "--help"]
