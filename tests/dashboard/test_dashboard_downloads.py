"""Downloads neutralise spreadsheet formulas and keep numbers as numbers."""

from __future__ import annotations

import io

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


def test_definitions_are_read_from_the_dbt_project(tmp_path) -> None:
    models = tmp_path / "models" / "marts"
    models.mkdir(parents=True)
    (models / "defs.md").write_text(
        "# Rekruttering\n\n| indicator | definition |\n|---|---|\n| `starts` | courses with startdato in the period |\n"
        "| `register_<indicator>_12m` | the flag 12 months after start |\n\n"
        "{% docs indicator_active_end %}\nCourses active at the period's end.\n{% enddocs %}\n",
        encoding="utf-8",
    )
    (models / "_m.yml").write_text(
        "version: 2\nmodels:\n  - name: indicators\n    description: The indicator table.\n"
        "    config:\n      meta:\n        indicators:\n          - {code: completion_rate, definition: completed / ended}\n",
        encoding="utf-8",
    )
    frame = queries.parse_definitions(tmp_path)
    assert queries.definition_for("starts", frame)["definition"] == "courses with startdato in the period"
    assert queries.definition_for("active_end", frame)["definition"] == "Courses active at the period's end."
    assert queries.definition_for("completion_rate", frame)["definition"] == "completed / ended"
    assert queries.definition_for("register_beskaeftiget_12m", frame)["definition"].startswith("the flag 12")
    assert queries.definition_for("unknown_code", frame) is None
    assert "The indicator table." in frame[frame["indicator"].isna()]["definition"].tolist()
