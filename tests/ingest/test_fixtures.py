"""Every fixture: valid files pass per type; each invalid fixture fails with its own rule code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers import INVALID, VALID

from udbredelse.cpr import CPR_IN_TEXT_PATTERN
from udbredelse.ingest import validate_file

FILE_LEVEL = {
    "empty_file", "unreadable", "unknown_file_type", "missing_column", "unknown_indsats", "wrong_kommune",
    "duplicate_column", "cpr_forbidden",
}


def _kommune(path: Path) -> str | None:
    if path.name.split("__")[-1].startswith("register"):
        return None
    part = path.name.split("__")[-1].split("_")[0]
    return part if part.isdigit() else "101"


@pytest.mark.parametrize("path", sorted(VALID.iterdir()), ids=lambda p: p.name)
def test_valid_fixture_is_accepted(path: Path, settings) -> None:
    report = validate_file(path, settings, kommune=_kommune(path))
    assert report.errors == [], report.to_text()
    assert report.status == "accepted"
    assert report.rows_total > 0 and report.rows_accepted == report.rows_total
    if path.name.startswith("cpr_mod11_warning"):
        assert [w["code"] for w in report.warnings] == ["cpr_mod11"]
        assert report.warnings[0]["row"] == 3


@pytest.mark.parametrize("path", sorted(INVALID.iterdir()), ids=lambda p: p.name)
def test_invalid_fixture_fails_on_its_rule(path: Path, settings) -> None:
    rule = path.name.split("__")[0]
    expected = rule.replace("_referral", "").replace("_end", "") if rule.startswith("invalid_code") else rule
    report = validate_file(path, settings, kommune=_kommune(path))
    codes = {e["code"] for e in report.errors}
    assert expected in codes, report.to_text()
    assert report.rows_accepted + report.rows_rejected == report.rows_total
    for error in report.errors:
        assert error["message"] and error["code"]
    # whatever the file holds, its report never shows a CPR-shaped number in clear
    assert not re.search(CPR_IN_TEXT_PATTERN, json.dumps(report.to_json(), ensure_ascii=False) + report.to_text())
    if expected in FILE_LEVEL:
        assert report.status == "rejected"
        assert report.rows_accepted == 0
        assert any(e["row"] is None for e in report.errors if e["code"] == expected)
    else:
        # one good row (spreadsheet row 2) and one bad row (row 3): partial acceptance
        assert report.status == "partial", report.to_text()
        assert report.rows_accepted == 1 and report.rows_rejected == report.rows_total - 1
        assert {e["row"] for e in report.errors} == set(range(3, report.rows_total + 2))


def test_fictitious_cpr_rejected_in_production(home, monkeypatch) -> None:
    from udbredelse.settings import get_settings

    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    monkeypatch.setenv("UDBREDELSE_PSEUDONYM_KEY", "11" * 32)
    monkeypatch.setenv("UDBREDELSE_VAULT_KEY", "22" * 32)
    report = validate_file(VALID / "101_MOVE_forloeb_2026-03-31.csv", get_settings(), kommune="101")
    assert report.status == "rejected"
    assert {e["code"] for e in report.errors} == {"cpr_fictitious"}
    assert all(e["value"].endswith("-xxxx") for e in report.errors)


def test_messages_are_danish_with_hint(settings) -> None:
    report = validate_file(INVALID / "end_reason_required__101_MOVE_forloeb_2026-03-31.csv", settings, kommune="101")
    error = next(e for e in report.errors if e["code"] == "end_reason_required")
    assert error["row"] == 3 and error["column"] == "afslutningsaarsag"
    assert "Afslutningsårsag mangler" in error["message"]
    text = report.to_text()
    assert "række 3" in text and "Delvist godkendt" in text


def test_unknown_code_message_lists_catalog_codes(settings) -> None:
    report = validate_file(INVALID / "invalid_code_referral__101_MOVE_forloeb_2026-03-31.csv", settings, kommune="101")
    error = next(e for e in report.errors if e["code"] == "invalid_code")
    assert error["column"] == "henvisningsaarsag"
    for code in ("anden", "rusmiddel", "adfaerd"):
        assert code in error["message"]
    assert error["value"] == "ukendt_aarsag"
