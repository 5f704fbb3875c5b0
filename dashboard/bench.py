"""Page render times for `udbredelse bench`: each page rendered through Streamlit's AppTest, as a user would.

The first render of each page warms the caches; the timings are the renders after it (a user
moving between pages on a published copy that has not changed).
"""

from __future__ import annotations

import time
from pathlib import Path

from udbredelse.settings import Settings

APP = Path(__file__).resolve().parent / "app.py"
KOMMUNE_PAGES = ["overblik", "opmaerksomhed", "upload", "datakvalitet", "implementering", "om_indikatorerne"]
ANALYST_PAGES = ["overblik", "nationalt", "datakvalitet", "opmaerksomhed", "implementering", "eksport"]


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


def page_render_times_ms(settings: Settings, runs: int = 5) -> dict[str, list[float]]:
    """{'kommune/overblik': [ms, ...], 'analyst/nationalt': [...], ...} for the published copy of `settings`."""
    kommune = _busiest_municipality(settings)
    if kommune is None:
        return {}
    timings: dict[str, list[float]] = {}
    for role, code, pages in (("kommune", kommune, KOMMUNE_PAGES), ("analyst", None, ANALYST_PAGES)):
        at = _login(role, code)
        for page in pages:
            at.switch_page(f"pages/{page}.py").run()  # warm-up
            values = []
            for _ in range(runs):
                started = time.perf_counter()
                at.run()
                values.append((time.perf_counter() - started) * 1000)
                if at.exception:
                    raise RuntimeError(f"{role}/{page}: {at.exception[0].message}")
            timings[f"{role}/{page}"] = values
    return timings
