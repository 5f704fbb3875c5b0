"""The front door: handing in an upload (inbox + receipt), and who may call what (import rules)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from udbredelse import pipeline
from udbredelse.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CONTENT = b"kommunekode;indsats;milepael;status;dato\n101;MOVE;tovholder;i_gang;2026-03-01\n"


def test_submit_upload_writes_the_file_and_a_receipt_into_the_inbox(settings: Settings) -> None:
    receipt = pipeline.submit_upload(settings, "101", "101_MOVE_milepaele_2026-04-01.csv", CONTENT, submitted_by="demo")
    assert receipt["inbox_name"] == "101/101_MOVE_milepaele_2026-04-01.csv"
    assert (settings.inbox_dir / receipt["inbox_name"]).read_bytes() == CONTENT
    stored = json.loads((settings.receipts_dir / "101" / f"{receipt['receipt_id']}.json").read_text(encoding="utf-8"))
    assert stored == receipt and stored["status"] == "modtaget" and stored["bytes"] == len(CONTENT)
    assert pipeline.waiting_files(settings) == [receipt["inbox_name"]]
    assert pipeline.upload_receipts(settings, "101") == [receipt]
    assert not settings.warehouse_path.exists()  # nothing written to the warehouse
    leftovers = [p for p in settings.home_path.rglob(".*") if p.is_file()]
    assert leftovers == []  # the temp files were renamed into place


def test_same_name_twice_keeps_both_files(settings: Settings) -> None:
    first = pipeline.submit_upload(settings, "101", "101_MOVE_milepaele_2026-04-01.csv", CONTENT)
    second = pipeline.submit_upload(settings, "101", "101_MOVE_milepaele_2026-04-01.csv", CONTENT + b"\n")
    assert first["inbox_name"] != second["inbox_name"]
    assert sorted(pipeline.waiting_files(settings)) == sorted([first["inbox_name"], second["inbox_name"]])
    assert [r["receipt_id"] for r in pipeline.upload_receipts(settings, "101")] == [
        second["receipt_id"], first["receipt_id"]]


@pytest.mark.parametrize("name", ["611290-1234 MOVE forløb.csv", "611290–1234.csv", "6112901234_forloeb.xlsx",
                                  "611290 1234.csv"])
def test_a_cpr_in_the_file_name_never_reaches_the_inbox_or_the_receipt(settings: Settings, name: str) -> None:
    receipt = pipeline.submit_upload(settings, "101", name, CONTENT)
    written = "".join(p.name for p in settings.home_path.rglob("*")) + json.dumps(receipt, ensure_ascii=False)
    assert "1234" not in written
    assert "611290" in receipt["inbox_name"]  # the birth date part stays, the control digits are masked


def test_refuses_unknown_municipalities_and_oversized_files(settings: Settings) -> None:
    for kommune in ("999", "../101", "000"):
        with pytest.raises(ValueError, match="Ukendt kommunekode"):
            pipeline.submit_upload(settings, kommune, "x.csv", CONTENT)
    small = settings.model_copy(update={"max_upload_mb": 1})
    with pytest.raises(ValueError, match="større end 1 MB"):
        pipeline.submit_upload(small, "101", "x.csv", b"x" * (1024 * 1024 + 1))
    with pytest.raises(ValueError, match="CSV- og XLSX"):
        pipeline.submit_upload(settings, "101", "x.exe", CONTENT)
    assert not any(settings.inbox_dir.rglob("*.*"))


# ---- import rules: one door in, and the core never imports the dashboard -------------------------

STEP_FUNCTIONS = {"ingest_file", "ingest_inbox", "validate_file", "refresh_marts", "run_quality",
                  "export_indicators", "export_quality", "export_cohort", "export_management_report",
                  "write_catalog_tables", "writer_lock", "queue_overdue_reminders"}
STEP_MODULES = {"udbredelse.ingest", "udbredelse.transform", "udbredelse.export", "udbredelse.quality"}
THROUGH_THE_DOOR = {"pipeline", "actions"}  # udbredelse.pipeline, and the dashboard's actions (checked here too)


def _python_files(*parts: str) -> list[Path]:
    found: list[Path] = []
    for part in parts:
        path = ROOT / part
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _step_calls_around_the_door(path: Path) -> list[str]:
    """Imports or attribute uses of a pipeline step that do not go through udbredelse.pipeline."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("udbredelse"):
            if node.module == "udbredelse.pipeline":
                continue
            names = {alias.name for alias in node.names}
            if node.module == "udbredelse":
                names = {f"udbredelse.{n}" for n in names} & STEP_MODULES
            found += [f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{n}" for n in names & (STEP_FUNCTIONS | STEP_MODULES)]
        elif isinstance(node, ast.Attribute) and node.attr in STEP_FUNCTIONS and not (
                isinstance(node.value, ast.Name) and node.value.id in THROUGH_THE_DOOR):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.attr}")
    return found


def test_dags_dashboard_cli_and_bench_go_through_the_pipeline() -> None:
    callers = _python_files("dags", "dashboard", "udbredelse/bench.py", "udbredelse/cli.py", "udbredelse/demo.py")
    assert len(callers) > 10
    around = [hit for path in callers for hit in _step_calls_around_the_door(path)]
    assert around == []


def test_the_core_package_never_imports_the_dashboard() -> None:
    hits = []
    for path in _python_files("udbredelse"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            hits += [f"{path.relative_to(ROOT)}:{node.lineno}" for m in modules if m.split(".")[0] == "dashboard"]
    assert hits == []
