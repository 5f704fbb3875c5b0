"""AppTest smoke tests per page and role, and isolation through widgets, query params and session state."""

from __future__ import annotations

import json
import time

import pytest
from dashboard_fixture import (
    APP,
    OTHER,
    OTHER_ACTIVE_END,
    OTHER_SECRET_COURSE,
    OWN,
    login,
    page,
    rendered_text,
    table_with,
)
from streamlit.testing.v1 import AppTest

from dashboard import auth
from dashboard.viewer import Viewer
from udbredelse.settings import Settings

PAGES_BY_ROLE = {
    "kommune": ["overblik", "opmaerksomhed", "upload", "datakvalitet", "implementering", "om_indikatorerne"],
    "analyst": ["overblik", "opmaerksomhed", "datakvalitet", "implementering", "nationalt", "eksport",
                "om_indikatorerne"],
    "admin": ["overblik", "nationalt", "eksport", "revisionslog"],
}


def test_login_page_is_marked_demo(published: Settings) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert any("DEMO-login" in w.value for w in at.warning)
    assert at.title[0].value == "Log ind"


@pytest.mark.parametrize("role", list(PAGES_BY_ROLE))
def test_every_page_renders_for_each_role(published: Settings, role: str) -> None:
    at = login(role, OWN if role == "kommune" else None)
    for name in PAGES_BY_ROLE[role]:
        page(at, name)
        assert at.title, name
        assert not at.error, (name, [e.value for e in at.error])


def test_overview_shows_kpis_for_own_municipality(published: Settings) -> None:
    at = login("kommune", OWN)
    page(at, "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.button_group(key="overblik_periode").set_value("month").run()  # the year is the default view
    metrics = {m.label: m for m in at.metric}
    assert metrics["Aktive forløb ved periodens slutning"].value == "40"
    assert metrics["Aktive forløb ved periodens slutning"].delta == "+1"
    assert metrics["Fidelitetsindeks"].value == "75 %"
    assert metrics["Datakvalitet"].value.endswith("God")
    assert len(at.get("vega_lite_chart")) >= 2  # recruitment and funnel
    assert any("Dosis" in e.label for e in at.expander)  # failing rule with guidance


def test_role_pages_are_not_reachable(published: Settings) -> None:
    at = login("kommune", OWN)
    for forbidden in ("nationalt", "eksport", "revisionslog"):
        with pytest.raises(ValueError):
            at.switch_page(f"pages/{forbidden}.py")
    at = login("analyst")
    with pytest.raises(ValueError):
        at.switch_page("pages/upload.py")


def test_municipality_cannot_reach_other_rows_through_params_or_state(published: Settings) -> None:
    at = login("kommune", OWN)
    at.query_params["kommune"] = OTHER
    at.query_params["indsats"] = "MOVE"
    at.session_state["overblik_kommune"] = OTHER
    at.session_state["opm_indsats"] = "MOVE"
    for name in ("overblik", "opmaerksomhed", "datakvalitet", "implementering", "upload"):
        page(at, name)
        text = rendered_text(at)
        assert OTHER_SECRET_COURSE not in text, name
        assert f"{OTHER_ACTIVE_END:,}".replace(",", ".") not in text and str(OTHER_ACTIVE_END) not in text, name
        assert "Frederiksberg" not in text, name
        assert f"{OTHER}_MOVE_forloeb" not in text, name  # the other municipality's submissions
    assert "København" in rendered_text(page(at, "overblik"))
    assert f"{OWN}_MOVE_forloeb" in rendered_text(page(at, "upload"))  # own history is there


def test_forged_session_viewer_is_ignored(published: Settings) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state[auth.SESSION_KEY] = {"role": "analyst"}  # not a Viewer: treated as logged out
    at.run()
    assert at.title[0].value == "Log ind"


def test_analyst_sees_pseudonyms_and_suppression(published: Settings) -> None:
    at = login("analyst")
    at.query_params["indsats"] = "MOVE"
    page(at, "opmaerksomhed")
    table = table_with(at, "Forløb (pseudonym)")
    assert "Forløb (pseudonym)" in table.columns and "Forløb-id" not in table.columns
    assert OTHER_SECRET_COURSE not in table.to_string() and "KBH-0001" not in table.to_string()
    page(at, "nationalt")
    at.selectbox(key="nat_indicator").set_value("starts").run()
    at.button_group(key="nat_periode").set_value("month").run()  # the year is the default view
    matrix = table_with(at, "kommunenavn")
    frb = matrix[matrix["kommunekode"] == OTHER]
    assert set(frb["MOVE (2026-03)"]) == {"3 (<5)"}  # the number, marked: it may not be published
    assert "CTI (2026-03)" in matrix.columns
    assert any("må ikke offentliggøres" in c.value and "så et lille tal ikke kan regnes ud" in c.value
               for c in at.caption)
    page(at, "datakvalitet")
    feedback = table_with(at, "Hvor")
    assert OTHER_SECRET_COURSE not in feedback.to_string() and "FRB-0002" not in feedback.to_string()
    assert feedback["Hvor"].str.contains("samme borger som forløb F-").any()


def test_municipality_sees_the_legend_and_own_numbers_in_full(published: Settings) -> None:
    at = page(login("kommune", OWN), "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.button_group(key="overblik_periode").set_value("month").run()
    assert not at.exception, at.exception
    assert any("skjult»: skjult, så et lille tal ikke kan regnes ud" in c.value for c in at.caption)
    text = rendered_text(at)
    assert "(<5)" not in text and "(skjult)" not in text  # own numbers in full, unmarked; no analyst marks


def test_views_and_downloads_are_audited(published: Settings) -> None:
    at = login("kommune", OWN)
    at.query_params["indsats"] = "MOVE"
    page(at, "opmaerksomhed")
    at.download_button(key="opm_download_csv").click().run()
    lines = (published.logs_dir / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    events = [r["event"] for r in records]
    assert "dashboard_login" in events and "dashboard_view" in events and "dashboard_export" in events
    export = next(r for r in records if r["event"] == "dashboard_export")
    assert export["kommunekode"] == OWN and export["detail"]["format"] == "csv"
    from dashboard import audit

    assert audit.verify(published) == (True, len(records))


def test_oidc_claims_map_to_viewer(published: Settings) -> None:
    viewer = auth.viewer_from_claims({"email": "a@k.dk", "udbredelse_role": "kommune", "kommunekode": "101"})
    assert viewer == Viewer(role="kommune", kommunekode=OWN, subject="a@k.dk", login="oidc")
    config = published.home_path / "config"
    config.mkdir()
    (config / "dashboard_users.yaml").write_text("users:\n  ana@sm.dk: {role: analyst}\n", encoding="utf-8")
    assert auth.viewer_from_claims({"email": "ana@sm.dk"}).role == "analyst"
    with pytest.raises(PermissionError):
        auth.viewer_from_claims({"email": "ukendt@x.dk"})


def test_oidc_login_uses_st_user(published: Settings) -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}
    at.user = {"is_logged_in": True, "email": "k@kbh.dk", "udbredelse_role": "kommune", "kommunekode": OWN,
               "exp": time.time() + 3600}  # the identity token's expiry (real tokens always carry one)
    at.run()
    assert not at.exception, at.exception
    assert not any("DEMO-login" in w.value for w in at.warning)
    assert at.title[0].value == "Overblik"


def test_export_page_produces_indicator_files_and_audits(published: Settings) -> None:
    at = page(login("analyst"), "eksport")
    assert "exp_cohort" not in [b.key for b in at.button]  # the cohort is for administrators only
    at.radio(key="exp_audience").set_value("public").run()
    at.button(key="exp_indicators").click().run()
    assert not at.exception, at.exception
    assert at.download_button(key="exp_indicators_dl").label == "Hent indikatorer_offentlig.csv"
    records = [json.loads(line) for line in (published.logs_dir / "audit.jsonl").read_text().splitlines()]
    exported = [r for r in records if r["event"] == "dashboard_export"]
    assert exported and exported[-1]["detail"] == {**exported[-1]["detail"], "what": "indicators",
                                                   "audience": "public"}


def test_export_page_offers_only_the_selected_audiences_file(published: Settings) -> None:
    at = page(login("analyst"), "eksport")
    at.radio(key="exp_audience").set_value("analyst").run()
    assert any("indikatorer_analytiker.csv" in m.value and "intet skjult" in m.value for m in at.markdown)
    at.button(key="exp_indicators").click().run()
    assert not at.exception, at.exception
    assert at.download_button(key="exp_indicators_dl").label == "Hent indikatorer_analytiker.csv"
    at.radio(key="exp_audience").set_value("public").run()  # switching audience: the analyst file is gone
    assert "exp_indicators_dl" not in [b.key for b in at.get("download_button")]
    assert not any("indikatorer_analytiker" in b.proto.label for b in at.get("download_button"))
    assert any("indikatorer_offentlig.csv" in m.value and "Offentlig" in m.value for m in at.markdown)
    at.button(key="exp_indicators").click().run()
    assert at.download_button(key="exp_indicators_dl").label == "Hent indikatorer_offentlig.csv"


def test_export_actions_refuse_municipality_users(published: Settings) -> None:
    from dashboard import actions

    with pytest.raises(PermissionError):
        actions.export_indicators(Viewer(role="kommune", kommunekode=OWN), published, "public")
    with pytest.raises(PermissionError):
        actions.export_cohort(Viewer(role="analyst"), published)


def test_every_published_indicator_has_a_definition_from_dbt(published: Settings) -> None:
    at = page(login("kommune", OWN), "om_indikatorerne")
    text = "\n".join(m.value for m in at.markdown)
    for label in ("Opstartede forløb", "Gennemførelsesrate", "Måltalsopfyldelse år til dato", "Fidelitetsindeks"):
        assert f"**{label}**" in text, label
    assert "Mangler – kontakt" not in text
    assert "models/" not in text and "completion_rate" not in text  # no file paths, no codes


@pytest.mark.parametrize("period_type", ["quarter", "year"])
def test_overview_for_other_period_types_and_the_national_total(published: Settings, period_type: str) -> None:
    at = page(login("analyst"), "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.button_group(key="overblik_periode").set_value(period_type).run()
    assert not at.exception, at.exception
    at.selectbox(key="overblik_kommune").set_value(OWN).run()
    assert not at.exception, at.exception
    # the fixture has month and year rows only: a quarter view says so instead of failing
    shown = [s.value for s in at.subheader] + [i.value for i in at.info]
    assert any("København" in text for text in shown), shown
    if period_type == "year":
        assert any(s.value.startswith("København · ") and s.value.endswith(" · 2026") for s in at.subheader)


def test_production_without_oidc_lets_nobody_in(published: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Log ind"
    assert any("OIDC" in e.value for e in at.error)
    assert "login_submit" not in [b.key for b in at.button]
    assert not any("DEMO-login" in w.value for w in at.warning)
    at.session_state[auth.SESSION_KEY] = Viewer(role="admin")  # a forged demo login is ignored in production
    at.run()
    assert at.title[0].value == "Log ind"


def test_analyst_overview_of_a_small_municipality_is_marked(published: Settings) -> None:
    at = page(login("analyst"), "overblik")
    at.selectbox(key="overblik_indsats").set_value("MOVE").run()
    at.selectbox(key="overblik_kommune").set_value(OTHER).run()
    at.button_group(key="overblik_periode").set_value("month").run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Aktive forløb ved periodens slutning"] == "4.321"  # large count: shown
    assert metrics["Gennemførelsesrate"] == "67 % (skjult)"  # analysts: the rate, marked as not for publication
    assert metrics["Fidelitetsindeks"].endswith("(skjult)")  # 3 courses checked: shown to analysts, marked
