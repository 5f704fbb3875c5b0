"""No clear CPR at rest: after the demo and the exports, nothing under the data home outside the inbox holds one.

Scans raw bytes of every file (warehouse, published copy, vault, archive, quarantine, reports,
logs, dbt target, Data Docs, exports) and every text column of every DuckDB file, for every
CPR number the generated demo files contained. The encrypted cohort file is the one exception
by design; the test also checks that it really is encrypted.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.reliability.leakscan import known_cprs_in, scan_home
from udbredelse.settings import get_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("leaks") / "home"
    mp.setenv("UDBREDELSE_HOME", str(home))
    mp.setenv("UDBREDELSE_MODE", "demo")
    try:
        from udbredelse import pipeline
        from udbredelse.export import export_cohort, export_indicators, export_management_report, export_quality
        from udbredelse.generate import generate

        settings = get_settings()
        settings.ensure_dirs()
        generate(scale="S", out=settings.inbox_dir, seed=7, settings=settings)
        cprs = known_cprs_in(settings.inbox_dir)
        keep = home.parent / "inbox_copy"
        shutil.copytree(settings.inbox_dir, keep)  # the generated files, for the CPR list only
        pipeline.ingest(settings)
        pipeline.build(settings)
        exports = settings.exports_dir
        export_indicators(settings, exports / "indikatorer.csv", audience="analyst")
        export_indicators(settings, exports / "offentlig.csv", audience="public")
        export_quality(settings, exports / "kvalitet.csv")
        export_cohort(settings, exports / "kohorte")
        kommune = sorted(p.name for p in keep.iterdir() if p.name.isdigit())[0]
        export_management_report(settings, exports / "rapport.xlsx", kommune=kommune)
        yield home, cprs
    finally:
        mp.undo()


def test_the_demo_really_had_cpr_numbers(demo_home: tuple[Path, set[str]]) -> None:
    _home, cprs = demo_home
    assert len(cprs) > 50  # otherwise the scan below proves nothing


def test_no_clear_cpr_anywhere_under_the_home_outside_the_inbox(demo_home: tuple[Path, set[str]]) -> None:
    home, cprs = demo_home
    encrypted = list((home / "exports" / "kohorte").glob("*.age"))
    assert encrypted, "the cohort delivery should hold an encrypted data file"
    leaks = scan_home(home, cprs, skip=encrypted)
    assert leaks == {}


def test_the_cohort_file_is_ciphertext(demo_home: tuple[Path, set[str]]) -> None:
    home, cprs = demo_home
    (data_file,) = (home / "exports" / "kohorte").glob("*.age")
    raw = data_file.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1")
    assert not any(cpr.encode() in raw for cpr in cprs)


def test_archive_and_quarantine_hold_no_readable_csv(demo_home: tuple[Path, set[str]]) -> None:
    home, _ = demo_home
    stored = [p for p in (home / "archive").rglob("*") if p.is_file()]
    stored += [p for p in (home / "quarantine").rglob("*") if p.is_file() and p.suffix != ".json"]
    assert stored
    for path in stored:
        head = path.read_bytes()[:200]
        assert b"forloeb_id" not in head.lower() and b"kommunekode" not in head.lower(), path.name
