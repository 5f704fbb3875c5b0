"""Page render times for `udbredelse bench`: each page rendered through Streamlit's AppTest, as a user would.

The first render of each page warms the caches; the timings are the renders after it (a user
moving between pages on a published copy that has not changed); the warm-up itself, with every
cache emptied before it, is reported as the page's first render after a publish. As in the Streamlit server, the
scripts' bytecode is compiled once per process (`_server_script_cache`): AppTest alone parses,
rewrites and compiles app.py and the page again on every run (20–60 ms a render at M, more under
load), which no user waits for. `recompile=True` times AppTest's own way.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

from udbredelse.settings import Settings

APP = Path(__file__).resolve().parent / "app.py"
KOMMUNE_PAGES = ["overblik", "opmaerksomhed", "upload", "datakvalitet", "implementering", "fidelitet", "resultater",
                 "om_indikatorerne"]
ANALYST_PAGES = ["overblik", "nationalt", "datakvalitet", "opmaerksomhed", "implementering", "fidelitet", "resultater",
                 "eksport"]


def _login(role: str, kommune: str | None):  # noqa: ANN202 - AppTest
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120).run()
    at.selectbox(key="login_role").set_value(role).run()
    if kommune:
        at.selectbox(key="login_kommune").set_value(kommune).run()
    at.button(key="login_submit").click().run()
    return at


def _busiest_municipality(settings: Settings) -> str | None:
    from udbredelse import warehouse

    if not settings.published_path.exists():
        return None
    con = warehouse.connect_published(settings)
    try:
        row = con.execute(
            "select kommunekode from marts.indicators where kommunekode <> '000' "
            "group by kommunekode order by count(*) desc limit 1"
        ).fetchone()
    finally:
        con.close()
    return row[0] if row else None


@contextlib.contextmanager
def _server_script_cache() -> Iterator[None]:
    """One `ScriptCache` for every AppTest run, as the server's Runtime keeps one for the process (the
    bytecode of a script is compiled on first use and reused by every rerun). AppTest makes a new one per
    run; where this Streamlit version names it differently, AppTest's own way is kept."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    modules = [m for m in (app_test, local_script_runner) if getattr(m, "ScriptCache", None) is ScriptCache]
    shared = ScriptCache()
    for module in modules:
        module.ScriptCache = lambda: shared  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for module in modules:
            module.ScriptCache = ScriptCache  # type: ignore[attr-defined]


FIRST = "first/"  # key prefix of the first render of a page with every cache empty (as after a publish)
CPU = "cpu/"  # key prefix of the same renders' CPU time (the process's: the script runs in AppTest's thread)


def page_render_times_ms(settings: Settings, runs: int = 5, recompile: bool = False) -> dict[str, list[float]]:
    """{'kommune/overblik': [ms, ...], 'analyst/nationalt': [...], ...} for the published copy of `settings`,
    under 'first/kommune/overblik' etc. the one render of the page with every cache empty before it, and under
    'cpu/kommune/overblik' etc. the CPU time of the timed renders (on a shared machine the wall time waits for
    the other processes; the CPU time is what the render itself costs)."""
    from dashboard import store

    kommune = _busiest_municipality(settings)
    if kommune is None:
        return {}
    timings: dict[str, list[float]] = {}
    with contextlib.nullcontext() if recompile else _server_script_cache():
        for role, code, pages in (("kommune", kommune, KOMMUNE_PAGES), ("analyst", None, ANALYST_PAGES)):
            at = _login(role, code)
            for page in pages:
                store.clear_caches()  # the first render after a publish: nothing cached yet
                started = time.perf_counter()
                at.switch_page(f"pages/{page}.py").run()  # warm-up
                timings[f"{FIRST}{role}/{page}"] = [(time.perf_counter() - started) * 1000]
                values, cpu = [], []
                for _ in range(runs):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    at.run()
                    values.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                    if at.exception:
                        raise RuntimeError(f"{role}/{page}: {at.exception[0].message}")
                timings[f"{role}/{page}"] = values
                timings[f"{CPU}{role}/{page}"] = cpu
    return timings
