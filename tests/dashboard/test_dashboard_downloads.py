"""Downloads neutralise spreadsheet formulas and keep numbers as numbers."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd

from dashboard import queries, tables


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"forloeb_id": ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "KBH-1"], "vaerdi": [-3.0, 0.5, None],
                         "blandet": ["@cmd", 7, None]})


def test_csv_download_neutralises_formulas() -> None:
    text = tables.to_csv_bytes(_frame()).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+SUM(A1)" in text and "'@cmd" in text
    assert ";-3;" in text  # a negative number stays a number


def test_xlsx_download_has_no_formulas() -> None:
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(_frame())))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'=HYPERLINK(\"http://x\")" in values and -3 in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)


def test_definitions_table_holds_every_models_meta_indicators() -> None:
    """marts.indicator_definitions, built by the real dbt model, holds each model's meta.indicators in order."""
    import duckdb
    import yaml
    from dashboard_fixture import _definitions_warehouse

    models = []
    project = Path(__file__).resolve().parents[2] / "dbt"
    for path in sorted((project / "models").rglob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            meta = (model.get("config") or {}).get("meta") or {}
            if meta.get("indicators"):
                models.append((meta["indicator_order"], model["name"], meta["indicators"], path.relative_to(project).as_posix()))
    expected = [(item["code"], item["label"], item["definition"], item.get("periods", ""), name, source)
                for _, name, items, source in sorted(models) for item in items]
    assert len(expected) >= 37  # 22 activity + 15 outcome/implementation codes and templates today
    con = duckdb.connect(str(_definitions_warehouse()), read_only=True)
    try:
        rows = con.execute("select indicator, label, definition, periods, model, source "
                           "from marts.indicator_definitions order by sort_order").fetchall()
    finally:
        con.close()
    assert [r for r in rows if r[0] is not None] == expected
    assert [r[4] for r in rows if r[0] is None] == [name for _, name, _, _ in sorted(models)]  # one row per model


def test_templates_match_concrete_codes() -> None:
    definitions = pd.DataFrame([
        {"sort_order": 1, "indicator": "starts", "label": "Opstartede forløb", "definition": "startdato i perioden"},
        {"sort_order": 2, "indicator": "register_<indicator>_12m", "label": "Register 12 mdr.", "definition": "12 mdr."},
        {"sort_order": 3, "indicator": "starts_sex_<m|k|ukendt>", "label": "Opstartede efter køn", "definition": "køn"},
    ])
    assert queries.definition_for("starts", definitions)["definition"] == "startdato i perioden"
    assert queries.definition_for("register_beskaeftiget_12m", definitions)["definition"] == "12 mdr."
    assert queries.definition_for("register_beskaeftiget_24m", definitions) is None
    assert queries.indicator_label("register_beskaeftiget_12m", definitions) == "Register 12 mdr.: beskaeftiget"
    assert queries.indicator_label("starts_sex_k", definitions) == "Opstartede efter køn: k"
    assert queries.indicator_label("unknown_code", definitions) == "unknown_code"
