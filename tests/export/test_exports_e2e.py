"""End to end on generated demo data: real ingest, real dbt build, published copy, then every export.

Done-when of the exports: the cohort delivery verifies against its manifest, no clear CPR appears
in any exported byte outside the encrypted file, and the public indicator export shows no count
between 1 and threshold-1. (The GX suites are left out: they are the quality part's concern, and
the exports read only dbt's models.)
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyrage
import pytest

from tests.export.conftest import CPR_SHAPED, exported_bytes
from udbredelse import pipeline, warehouse
from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.disclosure import DisclosurePolicy
from udbredelse.export import (
    export_cohort,
    export_indicators,
    export_management_report,
    export_quality,
    verify_audit,
    verify_cohort,
)
from udbredelse.export.cohort import demo_identity
from udbredelse.export.indicators import read_indicator_csv
from udbredelse.settings import Settings, get_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from udbredelse.generate import generate
    from udbredelse.transform import run_dbt_build

    settings = get_settings(home=tmp_path_factory.mktemp("export_e2e") / "home", mode="demo")
    settings.ensure_dirs()
    generate(scale="S", out=settings.inbox_dir, seed=11, settings=settings)
    pipeline.ingest(settings)
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        try:
            write_catalog_tables(con, load_catalog(settings.catalog_path), settings.suppression_threshold)
        finally:
            con.close()
        run_dbt_build(settings)
        warehouse.publish(settings)
    return settings


def test_exports_on_demo_data(built: Settings, tmp_path: Path) -> None:
    settings = built
    cohort = export_cohort(settings, tmp_path / "kohorte")
    public = export_indicators(settings, tmp_path / "indikatorer_offentlig.csv", audience="public")
    export_indicators(settings, tmp_path / "indikatorer_analytiker.csv", audience="analyst")
    export_quality(settings, tmp_path / "datakvalitet.csv")
    report = export_management_report(settings, tmp_path, kommune="101")

    # the delivery verifies against its manifest, also after decryption
    assert cohort["rows"] > 0 and cohort["source"] == "intermediate.int_courses_current"
    assert verify_cohort(tmp_path / "kohorte", identity=demo_identity())
    (data_file,) = (tmp_path / "kohorte").glob("*.csv.age")
    plain = pyrage.decrypt(data_file.read_bytes(), [pyrage.x25519.Identity.from_str(demo_identity())])
    cprs = {row["cpr"] for row in csv.DictReader(io.StringIO(plain.decode("utf-8"), newline=""))}
    assert cprs and all(len(c) == 10 and c.isdigit() and int(c[:2]) > 60 for c in cprs)  # fictitious (day+60)

    # no clear CPR anywhere else: every exported file (XLSX unzipped) and the audit log
    scanned = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.endswith(".age")]
    assert len(scanned) == 7 and Path(report["path"]) in scanned
    for path in [*scanned, settings.logs_dir / "audit.jsonl"]:
        data = exported_bytes(path)
        assert CPR_SHAPED.findall(data) == [], path.name
        assert not any(c.encode() in data or f"{c[:6]}-{c[6:]}".encode() in data for c in cprs), path.name
    assert verify_audit(settings)

    # the public indicator table shows no count between 1 and threshold-1
    first_line, rows = read_indicator_csv((tmp_path / "indikatorer_offentlig.csv").read_bytes())
    assert first_line.startswith("Målgruppe: offentlig.")
    assert rows and public["suppressed_rows"] > 0
    threshold = settings.suppression_threshold
    policy = DisclosurePolicy()  # counts that are not people (milestones, the target) are exempt by the policy
    for row in rows:
        if policy.is_exempt(row["indicator"]):
            continue
        for column in ("numerator", "denominator"):
            if row[column] != "":
                assert not 1 <= float(row[column].replace(",", ".")) < threshold, row
        if row["denominator"] == "" and row["value"] != "":
            assert not 1 <= float(row["value"].replace(",", ".")) < threshold, row
        if row["suppressed"] == "true":
            assert (row["numerator"], row["denominator"], row["value"]) == ("", "", "")

    # provisional periods (marts.period_coverage): every row says whether its period is provisional, and the
    # national rows how many of the municipalities reporting the intervention they cover
    assert {r["provisional"] for r in rows} <= {"true", "false"}
    national = [r for r in rows if r["kommunekode"] == "000" and r["kommuner_reporting"] != ""]
    assert national and all(0 <= int(r["kommuner_delivered"]) <= int(r["kommuner_reporting"]) for r in national)
    assert all(r["kommuner_delivered"] == r["kommuner_reporting"] == "" for r in rows if r["kommunekode"] != "000")
    starts = [r for r in national if r["indicator"] == "starts" and r["period_type"] == "month"]
    assert starts and max(int(r["kommuner_reporting"]) for r in starts) == 5  # the five municipalities of S
