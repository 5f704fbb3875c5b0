"""The data-access layer enforces isolation: a municipality never gets another municipality's rows."""

from __future__ import annotations

import pandas as pd
import pytest
from dashboard_fixture import OTHER, OTHER_ACTIVE_END, OTHER_SECRET_COURSE, OWN, SECONDARY_NATIONAL_COMPLETED

from dashboard import formatting, queries, store
from dashboard.viewer import AccessDenied, Viewer
from udbredelse import warehouse
from udbredelse.settings import Settings

KOMMUNE = Viewer(role="kommune", kommunekode=OWN)
ANALYST = Viewer(role="analyst")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    store.clear_caches()


def test_viewer_binding_is_validated() -> None:
    with pytest.raises(AccessDenied):
        Viewer(role="kommune")
    with pytest.raises(AccessDenied):
        Viewer(role="kommune", kommunekode="000")
    with pytest.raises(AccessDenied):
        Viewer(role="analyst", kommunekode=OWN)
    with pytest.raises(AccessDenied):
        Viewer(role="superuser")  # type: ignore[arg-type]


def test_municipality_gets_own_and_national_rows_only(published: Settings) -> None:
    frame = queries.indicators(KOMMUNE, "MOVE", "month")
    assert set(frame["kommunekode"]) == {OWN, "000"}
    assert OTHER_ACTIVE_END not in frame["value"].tolist()


@pytest.mark.parametrize("call", [
    lambda: queries.indicators(KOMMUNE, "MOVE", "month", kommunekode=OTHER),
    lambda: queries.kpis(KOMMUNE, "MOVE", "month", OTHER),
    lambda: queries.recruitment(KOMMUNE, "MOVE", OTHER),
    lambda: queries.funnel(KOMMUNE, "MOVE", OTHER),
    lambda: queries.national_comparison(KOMMUNE, "MOVE", "month", OTHER),
    lambda: queries.fidelity_rules(KOMMUNE, "MOVE", "month", OTHER),
    lambda: queries.course_attention(KOMMUNE, "MOVE", kommunekode=OTHER),
    lambda: queries.course_attention(KOMMUNE, "MOVE", kommunekode="000"),
    lambda: queries.dq_scorecard(KOMMUNE, kommunekode=OTHER),
    lambda: queries.dq_feedback(KOMMUNE, kommunekode=OTHER),
    lambda: queries.milestones(KOMMUNE, "MOVE", kommunekode=OTHER),
    lambda: queries.submissions(KOMMUNE, kommunekode=OTHER),
    lambda: queries.quality_badge(KOMMUNE, "MOVE", OTHER),
    lambda: queries.national_matrix(KOMMUNE, "starts", "month"),
    lambda: queries.national_trends(KOMMUNE, "starts", "month"),
])
def test_municipality_cannot_ask_for_another_municipality(published: Settings, call) -> None:
    with pytest.raises(AccessDenied):
        call()


def test_course_and_file_level_data_is_own_only(published: Settings) -> None:
    attention = queries.course_attention(KOMMUNE)
    assert set(attention["kommunekode"]) == {OWN}
    assert OTHER_SECRET_COURSE not in attention.to_string()
    assert set(queries.dq_scorecard(KOMMUNE)["kommunekode"]) == {OWN}
    assert set(queries.dq_feedback(KOMMUNE)["kommunekode"]) == {OWN}
    assert set(queries.milestones(KOMMUNE)["kommunekode"]) == {OWN}
    assert set(queries.submissions(KOMMUNE)["kommunekode"]) == {OWN}
    assert set(queries.municipalities(KOMMUNE)["kommunekode"]) == {"000", OWN}


def test_suppressed_cells_are_blanked_outside_the_own_view(published: Settings) -> None:
    frame = queries.indicators(KOMMUNE, "MOVE", "month", codes=["ended_interrupted"])
    national = frame[frame["kommunekode"] == "000"]
    own = frame[frame["kommunekode"] == OWN]
    assert national["suppressed"].all() and national["value"].isna().all() and national["is_hidden"].all()
    assert own["suppressed"].all() and (own["value"] == 2).all() and not own["is_hidden"].any()
    shown = formatting.displayed(national)
    assert set(shown["vist"]) == {"<5"}


def test_analyst_sees_every_aggregate_unsuppressed_with_the_public_mark(published: Settings) -> None:
    frame = queries.indicators(ANALYST, "MOVE", "month", codes=["starts", "active_end"])
    assert {OWN, OTHER, "000"} <= set(frame["kommunekode"])
    small = frame[(frame["kommunekode"] == OTHER) & (frame["indicator"] == "starts")]
    assert (small["value"] == 3).all() and not small["is_hidden"].any() and (small["mark"] == "primary").all()
    assert set(formatting.displayed(small)["vist"]) == {"3 (<5)"}
    big = frame[(frame["kommunekode"] == OTHER) & (frame["indicator"] == "active_end")]
    assert (big["value"] == OTHER_ACTIVE_END).all() and big["mark"].isna().all()
    national = queries.indicators(ANALYST, "MOVE", "month", "000", codes=["ended_completed"])
    assert set(formatting.displayed(national)["vist"]) == {f"{SECONDARY_NATIONAL_COMPLETED} (skjult)"}
    rules = queries.fidelity_rules(ANALYST, "MOVE", "month", OTHER)
    assert not rules["is_hidden"].any() and rules["adherence"].notna().all()  # 3 courses checked: marked only
    assert (rules["mark"] == "secondary").all()


def test_municipality_sees_marks_by_reason_outside_its_own_view(published: Settings) -> None:
    national = queries.indicators(KOMMUNE, "MOVE", "month", "000", codes=["ended_completed", "ended_interrupted"])
    assert national["value"].isna().all() and national["is_hidden"].all()
    shown = formatting.displayed(national).set_index("indicator")["vist"]
    assert set(shown["ended_interrupted"]) == {"<5"}  # 3: a primary-suppressed count
    assert set(shown["ended_completed"]) == {"skjult"}  # 10: hidden as a complement, never "<5"
    own = formatting.displayed(queries.indicators(KOMMUNE, "MOVE", "month", OWN, codes=["ended_interrupted"]))
    assert set(own["vist"]) == {"2"} and own["mark"].isna().all()  # own numbers in full, unmarked


def test_analyst_sees_courses_only_under_pseudonym(published: Settings) -> None:
    frame = queries.course_attention(ANALYST, "MOVE")
    assert "forloeb_id" not in frame.columns and "details" not in frame.columns
    assert frame["forloeb_pseudonym"].str.match(r"^F-[0-9a-f]{12}$").all()
    assert OTHER_SECRET_COURSE not in frame.to_string()
    assert frame["forloeb_pseudonym"].nunique() == len(frame)


def test_analyst_sees_feedback_course_lists_under_pseudonym(published: Settings) -> None:
    from udbredelse.pseudonym import course_pseudonym

    key = store.settings().pseudonym_key_bytes
    frame = queries.dq_feedback(ANALYST, "MOVE")
    text = frame.to_string()
    assert OTHER_SECRET_COURSE not in text and "FRB-0002" not in text and "KBH-0001" not in text
    secret, other = (course_pseudonym(OTHER, "MOVE", c, key) for c in (OTHER_SECRET_COURSE, "FRB-0002"))
    pair = frame[frame["check_code"] == "inconsistent_overlapping_person"]["found_in"].iloc[0]
    assert pair == (f"Forløb: {secret} (samme borger som forløb {other}), "
                    f"{other} (samme borger som forløb {secret})")  # the same pseudonyms as the attention list
    assert "Forløb, fx: F-" in text
    own = queries.dq_feedback(KOMMUNE, "MOVE")  # the municipality keeps its own course ids
    assert "KBH-0001" in own.to_string()


def test_kpis_compare_latest_with_previous_period(published: Settings) -> None:
    latest, cards = queries.kpis(KOMMUNE, "MOVE", "month", OWN)
    assert latest == "2026-03"
    by_code = {card.code: card for card in cards}
    assert by_code["active_end"].value == 40 and by_code["active_end"].delta == 1
    assert by_code["target_attainment_ytd"].value == pytest.approx(33 / 120)
    # MOVE has no fidelity_index indicator: the rule summary's composite, (10 + 20) / (20 + 20)
    assert by_code["fidelity_index"].value == pytest.approx(0.75)
    _, cards = queries.kpis(KOMMUNE, "CTI", "month", OWN)
    assert {c.code: c for c in cards}["fidelity_index"].value == pytest.approx(0.9)
    _, national = queries.kpis(KOMMUNE, "MOVE", "month", "000")
    hidden = {c.code: c for c in national}
    assert hidden["active_end"].value is not None and not hidden["active_end"].hidden


def test_hidden_values_are_labelled_by_kind(published: Settings) -> None:
    assert formatting.format_value(None, "starts", hidden=True, mark="primary") == "<5"
    assert formatting.format_value(None, "starts", hidden=True, mark="secondary") == "skjult"
    assert formatting.format_value(None, "starts", hidden=True) == "skjult"  # no known reason: claims nothing
    assert formatting.format_value(None, "completion_rate", hidden=True, mark="primary") == "skjult"
    assert formatting.format_value(0.4, "completion_rate", mark="secondary") == "40 % (skjult)"
    # outside the public grain (another municipality's month): not published at that level, said so
    assert formatting.format_value(None, "starts", hidden=True, mark="not_public") == "ikke offentlig"
    assert formatting.format_value(4.0, "starts", mark="not_public") == "4 (ikke offentlig)"
    assert "«ikke offentlig»: tallet offentliggøres ikke på det niveau" in formatting.suppression_legend(False)
    assert formatting.format_value(0.139, "register_beskaeftiget_12m") == "14 %"  # a rate, never "0"
    assert formatting.format_value(0.456, "completion_rate") == "46 %"
    assert formatting.format_value(1234.0, "active_end") == "1.234"
    assert formatting.format_value(None, "active_end") == "–"


def test_new_publish_is_seen_without_restart(published: Settings) -> None:
    before = queries.kpis(KOMMUNE, "MOVE", "month", OWN)[1][1].value
    con = warehouse.connect(published)
    try:
        con.execute("update marts.indicators set value = 999 where kommunekode = ? and indicator = 'active_end'", [OWN])
    finally:
        con.close()
    assert queries.kpis(KOMMUNE, "MOVE", "month", OWN)[1][1].value == before  # not yet published
    warehouse.publish(published)
    assert queries.kpis(KOMMUNE, "MOVE", "month", OWN)[1][1].value == 999


def test_published_copy_is_opened_read_only(published: Settings) -> None:
    con = warehouse.connect_published(published)
    try:
        with pytest.raises(Exception, match="read-only"):
            con.execute("create table marts.x (a int)")
    finally:
        con.close()


def test_missing_published_copy_gives_empty_frames(settings: Settings) -> None:
    assert not store.published_available()
    assert queries.indicators(KOMMUNE, "MOVE", "month").empty
    assert isinstance(queries.course_attention(KOMMUNE), pd.DataFrame)


def test_cached_answers_are_never_shared_between_viewers(published: Settings) -> None:
    analyst = queries.indicators(ANALYST, "MOVE", "month", codes=["active_end"])
    assert OTHER in set(analyst["kommunekode"])
    own = queries.indicators(KOMMUNE, "MOVE", "month", codes=["active_end"])
    assert set(own["kommunekode"]) == {OWN, "000"}
    other_user = Viewer(role="kommune", kommunekode=OTHER)
    assert set(queries.course_attention(KOMMUNE)["forloeb_id"]) == {"KBH-0001", "KBH-0002"}
    assert set(queries.course_attention(other_user)["forloeb_id"]) == {OTHER_SECRET_COURSE}
    for _ in range(2):  # a cached path must still refuse
        with pytest.raises(AccessDenied):
            queries.course_attention(KOMMUNE, kommunekode=OTHER)


def test_milestone_summaries_follow_the_scope(published: Settings) -> None:
    own = queries.milestone_summary(KOMMUNE, "MOVE")
    assert own["kommunekode"].tolist() == [OWN]
    # fixture: milestones due by month 4 are done (5 of 16), due in months 5-6 are overdue (2)
    assert own["milepaele"].iloc[0] == 16 and own["opfyldt"].iloc[0] == pytest.approx(5 / 16)
    assert own["over_tid"].iloc[0] == 2
    assert set(queries.milestone_summary(ANALYST, "MOVE")["kommunekode"]) == {OWN, OTHER}
    cells = queries.milestone_cells(KOMMUNE, "MOVE")
    assert set(cells["factor_label"]) == {"Ledelse", "Kompetencer", "Organisering"}
    assert cells["done"].between(0, 1).all()


def test_suppression_fails_closed_without_the_flag(published: Settings) -> None:
    # the column is in the mart's enforced dbt contract; an empty flag still hides the cell
    con = warehouse.connect(published)
    try:
        con.execute("update marts.indicators set suppressed = null")
    finally:
        con.close()
    warehouse.publish(published)
    frame = queries.indicators(KOMMUNE, "MOVE", "month", codes=["active_end"])
    national = frame[frame["kommunekode"] == "000"]
    assert national["is_hidden"].all() and national["value"].isna().all()
    assert frame[frame["kommunekode"] == OWN]["value"].notna().all()


def test_rows_outside_the_public_grain_go_through_the_policy() -> None:
    """marts.indicators.public = false (the catalog's publication grain, e.g. a municipality's month): a
    municipality sees such a row for itself only; the nation's or another's is blanked; analysts see
    the number with the mark 'not_public'. A null flag fails closed."""
    from dashboard.scope import blank_suppressed

    def rows() -> pd.DataFrame:
        return pd.DataFrame({
            "kommunekode": [OWN, "000", "000"], "indicator": ["starts_age_ukendt"] * 3,
            "value": [12.0, 40.0, 41.0], "numerator": [12.0, 40.0, 41.0], "denominator": [None] * 3,
            "public": [False, False, None], "suppressed": [True, True, False],
            "suppression": ["not_public", "not_public", None]})

    own = blank_suppressed(KOMMUNE, rows())
    assert own["value"].tolist()[0] == 12.0 and own["value"].iloc[1:].isna().all()
    assert own["is_hidden"].tolist() == [False, True, True]
    analyst = blank_suppressed(ANALYST, rows())
    assert analyst["value"].tolist() == [12.0, 40.0, 41.0]
    assert analyst["mark"].tolist() == ["not_public", "not_public", "secondary"]
