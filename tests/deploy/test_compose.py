"""docker-compose.yml without a Docker engine: schema-valid, and everything it refers to exists."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SCHEMA = REPO / ".." / "shared" / "schemas" / "compose-spec.json"
COMPOSE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
REALM = REPO / "deploy" / "keycloak" / "realm-udbredelse.json"
IMAGE_ROOT = "/opt/udbredelse"  # WORKDIR of the image: the repository is copied there
AIRFLOW_SERVICES = ("airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
LONG_RUNNING = ("postgres", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                "dashboard", "keycloak")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


def test_compose_file_is_valid_against_the_compose_spec(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(compose), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


def test_schema_check_catches_a_broken_file(compose: dict) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = {**compose, "services": {**compose["services"], "postgres": {**compose["services"]["postgres"],
                                                                           "ports": "5432"}}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_all_services_of_the_deployment_are_there(services: dict) -> None:
    assert set(LONG_RUNNING) | set(AIRFLOW_SERVICES) <= set(services)
    for name in LONG_RUNNING:
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no health check"


def test_airflow_services_share_executor_metadata_db_and_one_jwt_secret(services: dict) -> None:
    envs = [services[name]["environment"] for name in AIRFLOW_SERVICES]
    for key in ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", "AIRFLOW__CORE__FERNET_KEY",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", "AIRFLOW__CORE__DAGS_FOLDER", "UDBREDELSE_HOME"):
        values = {env.get(key) for env in envs}
        assert len(values) == 1 and None not in values, key
    env = envs[0]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080/")
    assert re.fullmatch(r"\$\{AIRFLOW_JWT_SECRET:\?.+\}", env["AIRFLOW__API_AUTH__JWT_SECRET"]), "no default secret"
    for name in AIRFLOW_SERVICES[1:]:
        assert services[name]["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"


def _airflow_commands(command: list[str]) -> list[list[str]]:
    """A service command as Airflow command lines: itself, or the `&&` steps of `bash -c "..."`."""
    if command[:2] == ["bash", "-c"]:
        return [shlex.split(step.replace("$${", "${")) for step in command[2].split("&&")]
    return [command]


def test_airflow_commands_exist_in_the_installed_airflow(services: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # the `users` commands come with the FAB auth manager the deployment configures
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", services["airflow-init"]["environment"]["AIRFLOW__CORE__AUTH_MANAGER"])
    from airflow.cli.cli_parser import get_parser

    parser = get_parser()
    commands = [c for name in AIRFLOW_SERVICES for c in _airflow_commands(services[name]["command"])]
    assert ["airflow", "db", "migrate"] in commands and any(c[1:3] == ["users", "create"] for c in commands)
    commands += [shlex.split(services[name]["healthcheck"]["test"][1].replace("$${HOSTNAME}", "h"))
                 for name in ("airflow-dag-processor", "airflow-triggerer")]
    assert {c[1] for c in commands} >= {"db", "api-server", "scheduler", "dag-processor", "triggerer", "jobs"}
    for command in commands:
        assert command[0] == "airflow"
        parser.parse_args(command[1:])  # SystemExit on an unknown command or option


def test_udbredelse_commands_exist(services: dict) -> None:
    from udbredelse.cli import build_parser

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["scripts"]["udbredelse"] == "udbredelse.cli:main"
    dashboard_cmd = services["dashboard"]["command"]
    assert dashboard_cmd[:2] == ["sh", "-c"]
    steps = [shlex.split(step.strip()) for step in dashboard_cmd[2].split("&&")]
    assert steps[0][0] == "python" and (REPO / steps[0][1]).is_file()
    assert steps[-1][:2] == ["exec", "udbredelse"]
    parser = build_parser()
    parser.parse_args(steps[-1][2:])
    parser.parse_args(services["demo-data"]["command"][1:])
    assert services["demo-data"]["command"][0] == "udbredelse"
    assert (REPO / "dashboard" / "app.py").is_file(), "udbredelse dashboard runs dashboard/app.py"


def test_bind_mounts_exist_and_named_volumes_are_declared(compose: dict, services: dict) -> None:
    declared = set(compose.get("volumes") or {})
    binds = 0
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith((".", "/")):
                binds += 1
                assert (REPO / source).resolve().exists(), f"{name}: {source} does not exist"
                assert not Path(source).is_absolute(), f"{name}: absolute host path {source}"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
    assert binds >= 1
    for name in ("airflow-scheduler", "airflow-dag-processor", "airflow-apiserver", "dashboard"):
        assert "udbredelse-data:/data" in services[name]["volumes"], f"{name} does not share the data home"


def test_dags_are_baked_into_the_image_not_mounted(services: dict) -> None:
    """DAGs and the package they call ship in one image: no bind mount can make them drift apart."""
    folder = services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__DAGS_FOLDER"]
    for name in AIRFLOW_SERVICES:
        for volume in services[name].get("volumes", []):
            assert not volume.startswith(("./dags", "dags")), f"{name}: {volume}"
            assert volume.split(":")[1] != folder and not folder.startswith(volume.split(":")[1] + "/"), name
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "COPY . ." in text and f"WORKDIR {IMAGE_ROOT}" in text
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()]
    assert not [line for line in ignored if line.rstrip("/") in ("dags", "udbredelse")]


def test_published_ports_listen_on_localhost_only(services: dict) -> None:
    published = [(name, port) for name, service in services.items() for port in service.get("ports", [])]
    assert {name for name, _ in published} >= {"airflow-apiserver", "dashboard", "keycloak"}
    for name, port in published:
        assert isinstance(port, str) and port.startswith("127.0.0.1:"), f"{name}: {port}"


def test_airflow_has_a_real_auth_manager_and_an_smtp_connection(services: dict) -> None:
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__AUTH_MANAGER"] == "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
    assert not [k for k in env if "SIMPLE_AUTH_MANAGER" in k]
    import importlib

    module, _, cls = env["AIRFLOW__CORE__AUTH_MANAGER"].rpartition(".")
    assert getattr(importlib.import_module(module), cls)  # installed from the lock (deploy group)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("apache-airflow-providers-fab") for d in pyproject["dependency-groups"]["deploy"])
    for key in ("AIRFLOW_CONN_SMTP_DEFAULT", "UDBREDELSE_OPERATOR_EMAILS", "AIRFLOW__API__SECRET_KEY"):
        assert re.fullmatch(r"\$\{[A-Z_]+:\?.+\}", env[key]), f"{key} must be required, without a default"


def test_env_template_names_every_required_variable() -> None:
    required = set(re.findall(r"\$\{([A-Z_]+):\?", COMPOSE.read_text(encoding="utf-8")))
    template = {line.split("=", 1)[0] for line in (REPO / "deploy" / "compose.env.example").read_text(
        encoding="utf-8").splitlines() if "=" in line and not line.startswith("#")}
    assert required >= {"AIRFLOW_CONN_SMTP_DEFAULT", "AIRFLOW_ADMIN_PASSWORD", "AIRFLOW_JWT_SECRET"}
    assert required <= template, required - template


def test_container_paths_point_into_the_repository(services: dict) -> None:
    """Paths inside the image under IMAGE_ROOT must exist in the repository (it is copied there)."""
    env = services["airflow-scheduler"]["environment"]
    dags = Path(env["AIRFLOW__CORE__DAGS_FOLDER"]).relative_to(IMAGE_ROOT)
    assert sorted(p.name for p in (REPO / dags).glob("udbredelse_*.py"))


def test_dockerfile_installs_the_locked_dependencies() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "uv sync --frozen --no-dev --group deploy" in text
    assert f"WORKDIR {IMAGE_ROOT}" in text
    assert "uv pip install" not in text  # everything comes from the lock
    # the Postgres metadata DB needs its drivers: they are locked in the `deploy` group
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    deploy = " ".join(pyproject["dependency-groups"]["deploy"])
    assert "psycopg2-binary" in deploy and "asyncpg" in deploy
    lock = (REPO / "uv.lock").read_text(encoding="utf-8")
    assert 'name = "psycopg2-binary"' in lock and 'name = "asyncpg"' in lock
    for line in text.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            for source in line.split()[1:-1]:
                assert source == "." or (REPO / source).exists(), source
    assert re.search(r"^USER (?!root|0\b)", text, re.M), "the image runs unprivileged"
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for entry in (".env", "data/", "*.duckdb", ".venv"):
        assert entry in ignored


def test_realm_matches_the_dashboard_client_and_roles(services: dict) -> None:
    realm = json.loads(REALM.read_text(encoding="utf-8"))
    env = services["dashboard"]["environment"]
    client = next(c for c in realm["clients"] if c["clientId"] == env["OIDC_CLIENT_ID"])
    assert env["OIDC_REDIRECT_URI"] in client["redirectUris"]
    assert env["OIDC_CLIENT_SECRET"].endswith(":-" + client["secret"] + "}")
    assert env["OIDC_SERVER_METADATA_URL"] == (
        f"http://keycloak:8080/realms/{realm['realm']}/.well-known/openid-configuration")
    claims = {m["config"]["claim.name"] for m in client["protocolMappers"] if m["config"].get("id.token.claim") == "true"}
    assert claims == {"udbredelse_role", "kommunekode"}

    import csv

    from udbredelse.settings import PACKAGE_ROOT

    with (PACKAGE_ROOT / "catalog" / "kommuner.csv").open(encoding="utf-8") as handle:
        sample = handle.read(2048)
        handle.seek(0)
        rows = list(csv.DictReader(handle, dialect=csv.Sniffer().sniff(sample, delimiters=",;")))
    codes = {str(next(v for k, v in row.items() if "kode" in k.lower())).zfill(3) for row in rows}
    groups = {g["path"]: g["attributes"] for g in realm["groups"]}
    for user in realm["users"]:  # a user without a group has no role: the dashboard refuses it (tests/auth/)
        for path in user["groups"]:
            attrs = groups[path]
            assert attrs["udbredelse_role"][0] in {"kommune", "analyst", "admin"}
            if attrs["udbredelse_role"][0] == "kommune":
                assert attrs["kommunekode"][0] in codes


def test_render_streamlit_secrets(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("render_secrets", REPO / "deploy" / "streamlit" / "render_secrets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    env = {"OIDC_SERVER_METADATA_URL": "http://keycloak:8080/realms/udbredelse/.well-known/openid-configuration",
           "OIDC_CLIENT_ID": "udbredelse-dashboard", "OIDC_CLIENT_SECRET": 'sec"ret\\æ',
           "OIDC_REDIRECT_URI": "http://localhost:8501/oauth2callback", "OIDC_COOKIE_SECRET": "c" * 32}
    parsed = tomllib.loads(module.render(env))
    assert parsed["auth"]["client_secret"] == 'sec"ret\\æ'
    assert parsed["auth"]["redirect_uri"] == env["OIDC_REDIRECT_URI"]
    assert module.render({}) is None
    with pytest.raises(SystemExit, match="OIDC_COOKIE_SECRET"):
        module.render({k: v for k, v in env.items() if k != "OIDC_COOKIE_SECRET"})


def test_empty_compose_secrets_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """compose passes `${UDBREDELSE_PSEUDONYM_KEY:-}`: empty must mean 'not set' (demo keys in demo mode)."""
    from udbredelse.settings import get_settings

    for name in ("UDBREDELSE_PSEUDONYM_KEY", "UDBREDELSE_VAULT_KEY", "UDBREDELSE_COHORT_RECIPIENT"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("UDBREDELSE_MODE", "demo")
    settings = get_settings()
    assert settings.pseudonym_key is None and settings.cohort_recipient is None
    settings.check()
