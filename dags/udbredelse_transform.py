"""
### udbredelse_transform — dbt build, quality suites, publish

Scheduled on the asset `udbredelse://warehouse/raw` (emitted by `udbredelse_ingest` when new
data was loaded). One task runs `udbredelse.pipeline.build`, the same function as
`udbredelse build`: under the warehouse writer lock it writes the catalog tables, runs
`dbt build`, runs the Great Expectations suites and swaps in the read-only published copy
(`published/udbredelse.duckdb`) that the dashboard and exports read. A critical data-quality
failure stops the build before publishing and fails the task without retry.

One writer at a time: `max_active_runs=1`, `max_active_tasks=1` and the writer lock (which
also serialises against `udbredelse_ingest` and the CLI). Re-running rebuilds the same marts
from the same raw tables. On success it emits `udbredelse://warehouse/marts`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import Asset, dag, task
from dag_defaults import default_args

RAW = Asset("udbredelse://warehouse/raw")
MARTS = Asset("udbredelse://warehouse/marts")


def _scalars(summary: Any) -> dict[str, Any]:
    """Keep the top-level scalar fields of a summary: small and JSON-safe for XCom."""
    if not isinstance(summary, dict):
        return {"summary": str(summary)}
    return {k: v for k, v in summary.items() if isinstance(v, str | int | float | bool) or v is None}


DEFAULT_ARGS = default_args(
    "Opbygning af datavarehuset",
    "Den publicerede kopi er uændret, så dashboard og eksport viser fortsat de seneste gode tal.",
    retries=1, execution_timeout=timedelta(hours=1),
)


@dag(
    dag_id="udbredelse_transform",
    schedule=[RAW],
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    max_active_tasks=1,
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    tags=["udbredelse", "dbt", "transform"],
    doc_md=__doc__,
)
def udbredelse_transform() -> None:
    @task(outlets=[MARTS])
    def build_and_publish() -> dict[str, Any]:
        """Catalog tables + dbt build + quality suites + publish, under the single writer lock."""
        from airflow.sdk.exceptions import AirflowFailException

        from udbredelse import pipeline
        from udbredelse.quality import QualityCheckFailed
        from udbredelse.settings import get_settings

        try:
            summary = pipeline.build(get_settings())
        except QualityCheckFailed as exc:  # deterministic: a retry would rebuild the same marts
            raise AirflowFailException(
                "Kritiske datakvalitetstjek fejlede; den publicerede kopi er ikke opdateret. Se Data Docs."
            ) from exc
        quality = summary.get("quality") or {}
        return {
            "dbt": _scalars(summary.get("dbt")),
            "quality": {"summary": quality.get("summary"), "critical_failed": quality.get("critical_failed")},
        }

    build_and_publish()


udbredelse_transform()
