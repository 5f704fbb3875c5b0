"""The `udbredelse export ...` commands call the exports and fail in Danish on bad configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.export.conftest import Published
from udbredelse.cli import main
from udbredelse.export.cohort import verify_cohort


def test_cli_exports(pub: Published, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "indicators", "--out", str(out / "i.csv"), "--audience", "public"]) == 0
    assert json.loads(capsys.readouterr().out)["audience"] == "public"
    assert main(["export", "quality", "--out", str(out / "q.csv")]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 3
    assert main(["export", "report", "--out", str(out), "--kommune", "101"]) == 0
    assert (out / "ledelsesrapport_101.xlsx").exists()
    capsys.readouterr()
    assert main(["export", "cohort", "--out", str(out / "kohorte")]) == 0
    printed = capsys.readouterr().out
    assert json.loads(printed)["verified"] is True and verify_cohort(out / "kohorte")
    for cpr in pub.cprs.values():
        assert cpr not in printed


def test_cli_cohort_refuses_in_production_without_recipient(
    pub: Published, out: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    assert main(["export", "cohort", "--out", str(out / "kohorte")]) == 2
    assert "UDBREDELSE_COHORT_RECIPIENT er ikke sat" in capsys.readouterr().err
    assert not (out / "kohorte").exists()
