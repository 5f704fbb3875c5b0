"""The wheel holds every package the code imports, with the data it reads at run time.

(The full check — a fresh virtual environment, `pip install` of the wheel, `udbredelse demo` and
`udbredelse dashboard` from a folder outside the repository — takes minutes of downloads; it is
documented with its measured result in the README, "Layout".)
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _first_party_imports() -> set[str]:
    local = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}
    found: set[str] = set()
    for folder in ("udbredelse", "dashboard", "validation", "dbt/models"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
                found |= {n.split(".")[0] for n in names} & local
    return found


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not installed")
def test_the_wheel_holds_every_imported_package_and_its_data(tmp_path: Path) -> None:
    subprocess.run(["uv", "build", "--wheel", "-q", "-o", str(tmp_path)], cwd=ROOT, check=True, timeout=300)
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {n.split("/")[0] for n in names if n.endswith("/__init__.py") and n.count("/") == 1}
    imported = _first_party_imports()
    assert {"udbredelse", "dashboard", "validation"} <= imported
    assert imported <= packages, imported - packages
    # data read at run time: the catalog, the demo keys, the dashboard pages, the whole dbt project
    for folder in ("udbredelse/catalog", "udbredelse/export/demo_keys", "dashboard/pages"):
        tracked = [p for p in (ROOT / folder).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert tracked and all(p.relative_to(ROOT).as_posix() in names for p in tracked), folder
    dbt_files = [p for p in (ROOT / "dbt").rglob("*") if p.is_file() and not {"target", "logs"} & set(p.parts)]
    assert all(f"udbredelse/dbt_project/{p.relative_to(ROOT / 'dbt').as_posix()}" in names for p in dbt_files)
    assert not any(n.startswith(("tests/", "dags/", "dbt/")) for n in names)
