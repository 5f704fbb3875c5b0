"""`udbredelse bench --only pages`: every page timed through AppTest for a municipality and an analyst."""

from __future__ import annotations

import pytest
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import app_test, local_script_runner

from dashboard.bench import ANALYST_PAGES, KOMMUNE_PAGES
from udbredelse.bench import run_pages_bench
from udbredelse.cli import main
from udbredelse.settings import Settings


@pytest.mark.slow
def test_pages_only_bench_times_every_page_for_both_roles(published: Settings) -> None:
    result = run_pages_bench(published.home_path, runs=2)
    expected = {f"kommune/{p}" for p in KOMMUNE_PAGES} | {f"analyst/{p}" for p in ANALYST_PAGES}
    assert set(result["dashboard_pages"]) == expected
    assert set(result["dashboard_pages_p95"]) == expected
    assert set(result["dashboard_first_render_ms"]) == expected
    assert set(result["dashboard_pages_cpu"]) == expected
    assert all(ms > 0 for ms in result["dashboard_pages"].values())
    assert result["dashboard_cpu_p95_ms"] >= result["dashboard_cpu_p50_ms"] > 0
    assert result["dashboard_p95_ms"] >= result["dashboard_p50_ms"] > 0
    assert result["indicator_rows"] > 0 and result["home"] == str(published.home_path)
    # the shared script cache is AppTest's own again afterwards
    assert app_test.ScriptCache is ScriptCache and local_script_runner.ScriptCache is ScriptCache


def test_pages_only_bench_needs_a_home(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--only", "pages"]) == 2
    assert "--home" in capsys.readouterr().err


def test_pages_only_bench_says_when_there_is_nothing_published(settings: Settings) -> None:
    result = run_pages_bench(settings.home_path, runs=1)
    assert str(result["dashboard_pages"]).startswith("ikke målt")
