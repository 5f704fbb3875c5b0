"""Danish formats and labels for every indicator family (dashboard/formatting.py)."""

from dashboard import formatting


def test_values_in_danish_formats_for_every_family() -> None:
    assert formatting.format_value(0.62, "milestones_done_share_ledelse") == "62 %"
    assert formatting.format_value(0.25, "register_beskaeftiget_12m") == "25 %"
    assert formatting.format_value(0.8, "fidelity_rule_caseload") == "80 %"
    assert formatting.format_value(1234, "starts_age_0_14") == "1.234"
    assert formatting.format_value(14, "waiting_days_median") == "14 dage"
    assert formatting.format_value(2.25, "instrument_mean_change") == "2,2"
    assert formatting.format_number(1234.5, 1) == "1.234,5" and formatting.format_percent(0.583) == "58 %"
    assert formatting.format_date("2026-03-01") == "01-03-2026"
    assert formatting.period_label("2026-03") == "marts 2026" and formatting.period_label("2026-Q2") == "2. kvartal 2026"


def test_templated_codes_get_catalog_labels_never_the_code() -> None:
    labels = {"referral_reason": {"adfaerd": "Adfærdsproblemer"}, "end_reason": {"udeblevet": "Mistet kontakt"},
              "fidelity_rule": {"caseload": "Sagsstamme højst 15"}, "register": {"beskaeftiget": "I beskæftigelse"},
              "milestone_phase": {"forberede": "Forberede"}}
    assert formatting.indicator_label("starts_age_0_14", labels) == "Opstartede forløb, 0–14 år"
    assert formatting.indicator_label("starts_age_65_plus", labels) == "Opstartede forløb, 65 år og derover"
    assert formatting.indicator_label("starts_sex_k", labels) == "Opstartede forløb, kvinder"
    assert formatting.indicator_label("starts_reason_adfaerd", labels) == "Opstartede forløb, henvist for: adfærdsproblemer"
    assert formatting.indicator_label("ended_reason_udeblevet", labels) == "Afsluttede forløb, årsag: mistet kontakt"
    assert formatting.indicator_label("fidelity_rule_caseload", labels) == "Fidelitet: Sagsstamme højst 15"
    assert formatting.indicator_label("register_beskaeftiget_12m", labels) == "I beskæftigelse, 12 måneder efter start"
    assert formatting.indicator_label("milestones_done_share_forberede", labels) == "Opfyldte milepæle: Forberede"
    assert formatting.indicator_label("milestones_done_share_ledelse", labels) == "Opfyldte milepæle: Ledelse"
