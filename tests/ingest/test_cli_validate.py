"""`udbredelse validate FILE [--kommune K] [--json]` through cli.main: the report's JSON object and exit status."""

from __future__ import annotations

import json

from helpers import CPRS, INVALID, VALID

from udbredelse.cli import main


def test_validate_json_accepted(settings, capsys) -> None:
    code = main(["validate", str(VALID / "101_MOVE_forloeb_2026-03-31.csv"), "--kommune", "101", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["status"] == "accepted"
    assert (out["rows_total"], out["rows_accepted"], out["rows_rejected"]) == (4, 4, 0)
    assert out["errors"] == [] and out["warnings"] == []
    # a dry run stores nothing
    assert not settings.warehouse_path.exists() and not any(settings.reports_dir.iterdir())
    assert not settings.vault_path.exists()


def test_validate_json_partial_exits_nonzero(settings, capsys) -> None:
    code = main(["validate", str(INVALID / "cpr_format__101_MOVE_forloeb_2026-03-31.csv"), "--kommune", "101",
                 "--json"])
    raw = capsys.readouterr().out
    out = json.loads(raw)
    assert code == 1
    assert out["status"] == "partial" and out["rows_rejected"] == 1
    error = out["errors"][0]
    assert set(error) >= {"row", "column", "code", "message"}
    assert (error["row"], error["column"], error["code"]) == (3, "cpr", "cpr_format")
    for cpr10 in CPRS:
        assert cpr10 not in raw and f"{cpr10[:6]}-{cpr10[6:]}" not in raw


def test_validate_text_and_file_level(settings, capsys) -> None:
    code = main(["validate", str(INVALID / "empty_file__101_MOVE_forloeb_2026-03-31.csv"), "--kommune", "101"])
    text = capsys.readouterr().out
    assert code == 1
    assert "Afvist" in text and "hele filen" in text and "Filen er tom" in text
    code = main(["validate", str(INVALID / "wrong_kommune__101_MOVE_forloeb_2026-03-31.csv"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["status"] == "accepted"  # without --kommune the file's own code is used
