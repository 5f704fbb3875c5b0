"""The synthetic data generator: deterministic, catalog-driven, inbox layout, fictitious CPR only."""

from __future__ import annotations

import io
import os
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from udbredelse.catalog import load_catalog
from udbredelse.generate import (
    COURSE_BASE_COLUMNS,
    MEASUREMENT_COLUMNS,
    MILESTONE_COLUMNS,
    REGISTRY_COLUMNS,
    SESSION_COLUMNS,
    TARGET_COLUMNS,
    ScaleSpec,
    generate,
    period_end_before,
    pick_interventions,
)
from udbredelse.pseudonym import pseudonymise
from udbredelse.settings import PACKAGE_ROOT, Settings

AS_OF = date(2026, 11, 22)
NAME = re.compile(r"^(\d{3})_([A-Z0-9_]+)_(forloeb|sessioner|maalinger|maaltal|milepaele)_(\d{4}-\d{2}-\d{2})\.(csv|xlsx)$")
HEADERS = {
    "sessioner": SESSION_COLUMNS, "maalinger": MEASUREMENT_COLUMNS, "maaltal": TARGET_COLUMNS,
    "milepaele": MILESTONE_COLUMNS,
}
CPR_TOKEN = re.compile(r"(?<![0-9A-Za-z])(\d{2})(\d{2})(\d{2})-?(\d{4})(?![0-9A-Za-z])")


def _settings(home: Path, **extra: object) -> Settings:
    return Settings(home=home, mode="demo", pseudonym_key=None, **extra)  # type: ignore[arg-type]


def _decode(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "cp1252"


def _read(path: Path) -> pl.DataFrame:
    if path.suffix == ".xlsx":
        df = pl.read_excel(path, engine="openpyxl", sheet_id=1)
        return df.with_columns(
            [pl.col(c).dt.strftime("%Y-%m-%d") if df[c].dtype in (pl.Date, pl.Datetime) else pl.col(c).cast(pl.String)
             for c in df.columns])
    text, _ = _decode(path)
    header = text.splitlines()[0]
    sep = ";" if header.count(";") >= header.count(",") else ","
    return pl.read_csv(io.StringIO(text), separator=sep, infer_schema=False)


def _text(path: Path) -> str:
    return _read(path).write_csv(separator=";") if path.suffix == ".xlsx" else _decode(path)[0]


def _parse_date(column: str) -> pl.Expr:
    formats = ["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]
    return pl.coalesce([pl.col(column).str.strptime(pl.Date, f, strict=False) for f in formats])


def _files(root: Path) -> list[tuple[Path, re.Match]]:
    out = []
    for path in sorted(root.glob("*/*.*")):
        if path.parent.name == "register":
            continue
        match = NAME.match(path.name)
        assert match, f"unexpected file name {path.name}"
        out.append((path, match))
    return out


def _latest_courses(root: Path) -> dict[tuple[str, str], tuple[Path, pl.DataFrame]]:
    latest: dict[tuple[str, str], tuple[Path, pl.DataFrame]] = {}
    for path, m in _files(root):
        if m.group(3) != "forloeb":
            continue
        key = (m.group(1), m.group(2))
        if key not in latest or latest[key][0].name < path.name:
            latest[key] = (path, _read(path))
    return latest


@pytest.fixture(scope="module")
def s_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Settings]:
    base = tmp_path_factory.mktemp("gen")
    settings = _settings(base / "home")
    summary = generate("S", base / "inbox", seed=7, settings=settings, as_of=AS_OF)
    return base / "inbox", summary, settings


def test_summary_and_scale_s_picks_cpr_and_non_cpr_interventions(s_run):
    root, summary, _ = s_run
    catalog = load_catalog()
    assert summary["scale"] == "S" and summary["as_of"] == AS_OF.isoformat()
    assert summary["municipalities"] == 5
    ivs = [catalog.interventions[c] for c in summary["interventions"]]
    assert len(ivs) == 2 and {iv.collects_cpr for iv in ivs} == {True, False}
    assert summary["files"] == len(list(root.rglob("*.*")))
    assert summary["courses"] > 200 and summary["sessions"] > summary["courses"]
    assert summary["measurements"] > 0 and summary["register_rows"] > 0
    kommuner = {p.name for p in root.iterdir() if p.is_dir()} - {"register"}
    assert len(kommuner) == 5 and kommuner <= set(catalog.municipalities)


def test_deterministic_for_seed_and_as_of(s_run, tmp_path):
    root, summary, settings = s_run
    again = generate("S", tmp_path / "again", seed=7, settings=settings, as_of=AS_OF)
    assert {k: v for k, v in again.items() if k != "out"} == {k: v for k, v in summary.items() if k != "out"}
    first = sorted(p.relative_to(root) for p in root.rglob("*.*"))
    second = sorted(p.relative_to(tmp_path / "again") for p in (tmp_path / "again").rglob("*.*"))
    assert first == second
    for rel in first:
        a, b = root / rel, tmp_path / "again" / rel
        assert a.read_bytes() == b.read_bytes(), rel
        assert a.stat().st_mtime == b.stat().st_mtime, rel
    other = generate("S", tmp_path / "other", seed=8, settings=settings, as_of=AS_OF)
    assert other["courses"] != summary["courses"] or other["sessions"] != summary["sessions"]


def test_layout_and_headers(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    seen_types = set()
    for path, m in _files(root):
        kommune, indsats, kind, day, _ = m.groups()
        assert path.parent.name == kommune
        iv = catalog.interventions[indsats]
        assert date.fromisoformat(day) == period_end_before(AS_OF, iv.reporting.period) or kind == "forloeb"
        df = _read(path)
        seen_types.add(kind)
        if kind == "forloeb":
            expected = COURSE_BASE_COLUMNS + [item.code for item in iv.items]
            if not iv.collects_cpr and "cpr" not in df.columns:
                expected = [c for c in expected if c != "cpr"]
            assert df.columns == expected, path.name
            assert set(df["status"].unique()) <= {c["code"] for c in catalog.common["statuses"]}
            for item in iv.items:
                assert set(df[item.code].drop_nulls().unique()) <= {"ja", "nej"}
            assert (df[[item.code for item in iv.items][0]] == "nej").sum() > 0 or df.height < 20
        else:
            assert df.columns == HEADERS[kind], path.name
        assert set(df["kommunekode"].unique()) == {kommune}
        assert set(df["indsats"].unique()) == {indsats}
    assert seen_types == {"forloeb", "sessioner", "maalinger", "maaltal", "milepaele"}
    register = list((root / "register").glob("register_*.csv"))
    assert len(register) == 1 and _read(register[0]).columns == REGISTRY_COLUMNS


def test_file_variants_are_exercised(s_run):
    root, _, _ = s_run
    encodings, separators, danish_dates, older, excel = set(), set(), 0, 0, 0
    by_pair: dict[tuple[str, str], int] = {}
    for path, m in _files(root):
        if m.group(3) == "forloeb":
            by_pair[(m.group(1), m.group(2))] = by_pair.get((m.group(1), m.group(2)), 0) + 1
        if path.suffix == ".xlsx":
            excel += 1
            continue
        text, encoding = _decode(path)
        encodings.add(encoding)
        separators.add(";" if text.splitlines()[0].count(";") else ",")
        danish_dates += bool(re.search(r"\b\d{1,2}[-./]\d{1,2}[-./]20\d\d\b", text))
    older = sum(n > 1 for n in by_pair.values())
    assert {"utf-8", "utf-8-sig", "cp1252"} <= encodings
    assert separators == {";", ","}
    assert danish_dates > 0
    assert excel > 0
    assert older >= 2  # an earlier snapshot superseded by the latest for some municipality x intervention


def test_only_fictitious_cpr_anywhere(s_run):
    root, _, _ = s_run
    cpr_values = 0
    for path in root.rglob("*.*"):
        text = _text(path)
        for dd, _mm, _yy, _serial in CPR_TOKEN.findall(text):
            assert 61 <= int(dd) <= 91, f"{path.name}: a CPR-like number with a real birth day"
            cpr_values += 1
    assert cpr_values > 100
    catalog = load_catalog()
    for (_, indsats), (path, df) in _latest_courses(root).items():
        if not catalog.interventions[indsats].collects_cpr:
            continue
        values = df["cpr"].drop_nulls().str.replace("-", "")
        well_formed = values.filter(values.str.contains(r"^\d{10}$"))
        assert well_formed.len() >= 0.95 * values.len(), path.name
        days = well_formed.str.slice(0, 2).cast(pl.Int32)
        assert days.is_between(61, 91).all()
        months = well_formed.str.slice(2, 2).cast(pl.Int32)
        assert months.is_between(1, 12).mean() > 0.95


def test_cpr_century_digit_matches_target_group_age(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    for (_, indsats), (_, df) in _latest_courses(root).items():
        iv = catalog.interventions[indsats]
        if not iv.collects_cpr:
            continue
        ok = df.with_columns(pl.col("cpr").str.replace("-", "").alias("c")).filter(
            pl.col("c").str.contains(r"^\d{10}$") & pl.col("startdato").is_not_null())
        for cpr, start in zip(ok["c"], ok.select(_parse_date("startdato"))["startdato"], strict=True):
            yy, c7 = int(cpr[4:6]), int(cpr[6])
            if c7 <= 3:
                year = 1900 + yy
            elif c7 in (4, 9):
                year = 2000 + yy if yy <= 36 else 1900 + yy
            else:
                year = 2000 + yy if yy <= 57 else 1800 + yy
            if start is None:
                continue
            age = start.year - year
            low, high = (12, 27) if iv.target_group == "boern_unge" else (24, 67)
            assert low <= age <= high, (indsats, cpr[:6], age)


def test_interventions_without_cpr_carry_no_cpr(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    checked = 0
    for path, m in _files(root):
        if catalog.interventions[m.group(2)].collects_cpr:
            continue
        df = _read(path)
        if "cpr" in df.columns:
            assert df["cpr"].null_count() == df.height, path.name
        assert not CPR_TOKEN.search(_text(path))
        checked += 1
    assert checked > 0


def test_mistakes_present_at_a_low_rate(tmp_path):
    spec = ScaleSpec("T", ("101", "751"), n_interventions=4, years=2, volume=2.0)
    generate(spec, tmp_path / "inbox", seed=3, settings=_settings(tmp_path / "home"), as_of=AS_OF)
    catalog = load_catalog()
    rows = mistakes = 0
    kinds = set()
    for (_, indsats), (path, df) in _latest_courses(tmp_path / "inbox").items():
        iv = catalog.interventions[indsats]
        codes_ref = catalog.referral_codes(indsats)
        codes_end = catalog.end_codes(indsats)
        d = df.with_columns(_parse_date("startdato").alias("s"), _parse_date("slutdato").alias("e"))
        checks = {
            "duplicate_id": d["forloeb_id"].is_duplicated(),
            "unknown_code": ~d["henvisningsaarsag"].is_in(list(codes_ref))
            | (d["afslutningsaarsag"].is_not_null() & ~d["afslutningsaarsag"].is_in(list(codes_end))),
            "end_before_start": (d["e"] < d["s"]).fill_null(False),
            "missing_end": (d["status"] == "gennemfoert") & d["e"].is_null(),
            "status_dates": ((d["status"] == "i_gang") & d["e"].is_not_null())
            | ((d["status"] == "afbrudt") & d["afslutningsaarsag"].is_null())
            | (d["status"].is_in(["henvist", "ikke_startet"]) & d["s"].is_not_null()),
            "future_date": (d["s"] > date.fromisoformat(NAME.match(path.name).group(4))).fill_null(False),
            "missing_item": d.select(pl.any_horizontal([pl.col(i.code).is_null() for i in iv.items]))
            .to_series() if iv.items else pl.Series([False] * d.height),
        }
        if iv.collects_cpr:
            checks["invalid_cpr"] = ~d["cpr"].str.contains(r"^\d{6}-?\d{4}$") | ~d["cpr"].str.slice(2, 2).is_in(
                [f"{m:02d}" for m in range(1, 13)])
        flagged = pl.Series([False] * d.height)
        for kind, mask in checks.items():
            if mask.any():
                kinds.add(kind)
            flagged = flagged | mask
        rows += d.height
        mistakes += int(flagged.sum())
    assert rows > 500
    assert 0.003 < mistakes / rows < 0.05
    assert len(kinds) >= 6


def test_sessions_match_course_counts_and_measurements_in_range(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    matched = total = in_range = scored = 0
    for (kommune, indsats), (path, courses) in _latest_courses(root).items():
        day = NAME.match(path.name).group(4)
        suffix = path.suffix
        sessions_path = path.with_name(f"{kommune}_{indsats}_sessioner_{day}{suffix}")
        if not sessions_path.exists():  # no session held yet: no sessions file
            assert (courses["antal_sessioner"].cast(pl.Int64) == 0).all()
            continue
        sessions = _read(sessions_path)
        counts = sessions.group_by("forloeb_id").len()
        joined = courses.unique("forloeb_id", keep="first").join(counts, on="forloeb_id", how="left").with_columns(
            pl.col("len").fill_null(0), pl.col("antal_sessioner").cast(pl.Int64))
        matched += int((joined["len"] == joined["antal_sessioner"]).sum())
        total += joined.height
        iv = catalog.interventions[indsats]
        measurements = path.with_name(f"{kommune}_{indsats}_maalinger_{day}{suffix}")
        if iv.instruments and measurements.exists():
            m = _read(measurements).with_columns(pl.col("score").str.replace(",", ".").cast(pl.Float64))
            for inst in iv.instruments:
                scores = m.filter(pl.col("redskab") == inst.code)["score"]
                in_range += int(scores.is_between(inst.score_min, inst.score_max).sum())
                scored += scores.len()
            assert set(m["tidspunkt"].unique()) <= {"start", "slut", "opfoelgning"}
        milestones = _read(path.with_name(f"{kommune}_{indsats}_milepaele_{day}{suffix}"))
        assert set(milestones["milepael"]) == {ms.code for ms in catalog.milestones_for(indsats)}
    assert matched >= 0.98 * total
    assert scored > 0 and in_range >= 0.97 * scored


def test_registry_is_keyed_by_the_project_pseudonym(s_run):
    root, _, settings = s_run
    catalog = load_catalog()
    key = settings.pseudonym_key_bytes
    started = set()
    for (_, indsats), (_, df) in _latest_courses(root).items():
        if not catalog.interventions[indsats].collects_cpr:
            continue
        ok = df.filter(pl.col("startdato").is_not_null()).with_columns(pl.col("cpr").str.replace("-", ""))
        started |= {pseudonymise(c, key) for c in ok["cpr"] if c and len(c) == 10 and c[2:4] <= "12"}
    registry = _read(next((root / "register").glob("register_*.csv")))
    pseudonyms = set(registry["pseudonym"])
    assert len(pseudonyms & started) >= 0.97 * len(pseudonyms)
    assert len(pseudonyms & started) >= 0.95 * len(started)
    allowed = {code for iv in catalog.interventions.values() if iv.collects_cpr for code in iv.register_indicators}
    assert set(registry["indikator"]) <= allowed
    assert set(registry["vaerdi"]) <= {"0", "1"}
    assert registry["periode"].max() < AS_OF.strftime("%Y-%m")
    assert registry["pseudonym"].str.len_chars().unique().to_list() == [32]


def test_mtimes_are_arrival_times_with_some_late(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    late = on_time = 0
    as_of = datetime.combine(AS_OF, datetime.min.time(), UTC)
    for path, m in _files(root):
        reporting = date.fromisoformat(m.group(4))
        arrived = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        assert arrived.date() >= reporting
        assert arrived <= as_of
        if m.group(3) == "forloeb":
            deadline = catalog.interventions[m.group(2)].reporting.deadline_days
            if arrived.date() > reporting + timedelta(days=deadline):
                late += 1
            else:
                on_time += 1
    assert late >= 1
    assert on_time > late


def test_period_end_before():
    assert period_end_before(date(2026, 11, 22), "month") == date(2026, 10, 31)
    assert period_end_before(date(2026, 11, 22), "quarter") == date(2026, 9, 30)
    assert period_end_before(date(2026, 1, 1), "quarter") == date(2025, 12, 31)
    assert period_end_before(date(2026, 3, 31), "month") == date(2026, 2, 28)


def test_pick_interventions_by_catalog_properties():
    catalog = load_catalog()
    two = pick_interventions(catalog, 2)
    assert {iv.collects_cpr for iv in two} == {True, False}
    assert len(pick_interventions(catalog, 99)) == len(catalog.interventions)


def test_a_new_catalog_intervention_needs_no_code(tmp_path):
    """Add an intervention to a copy of the catalog: the generator follows its items and codes."""
    folder = tmp_path / "catalog"
    shutil.copytree(PACKAGE_ROOT / "catalog", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    for path in (folder / "interventions").glob("*.yaml"):
        path.unlink()
    (folder / "interventions" / "ny.yaml").write_text(
        """
code: NYIND
name: "Ny indsats"
track: 1
target_group: voksne
collects_cpr: true
reporting: {period: month, deadline_days: 10}
referral_reasons: [{code: ny_aarsag, label: "Ny årsag"}]
end_reasons: [{code: ny_slut, label: "Ny slutårsag"}]
course_model:
  sessions: {min: 4, max: 8}
  duration_days: {min: 20, max: 90}
  waiting_days_max: 7
  phases: [{code: alt, label: "Alt", from_day: 0, to_day: 90}]
max_caseload: 10
items: [{code: plan_lagt, label: "Plan"}, {code: opfoelgning_aftalt, label: "Opfølgning"}]
instruments:
  - {code: skala, label: "Skala", version: "1", score_min: 1, score_max: 7, higher_is_better: true,
     points: [start, slut, opfoelgning], reliable_change: 1}
register_indicators: [beskaeftiget]
milestones: [{code: ny_milepael, factor: ledelse, phase: forberede, due_month: 1, label: "Ny"}]
""", encoding="utf-8")
    settings = _settings(tmp_path / "home", catalog_dir=folder)
    spec = ScaleSpec("T", ("101",), n_interventions=1, years=2, volume=3.0)
    summary = generate(spec, tmp_path / "inbox", seed=1, settings=settings, as_of=AS_OF)
    assert summary["interventions"] == ["NYIND"]
    courses = _read(next((tmp_path / "inbox" / "101").glob("101_NYIND_forloeb_*")))
    assert courses.columns[-2:] == ["plan_lagt", "opfoelgning_aftalt"]
    assert "ny_aarsag" in set(courses["henvisningsaarsag"])
    measurements = _read(next((tmp_path / "inbox" / "101").glob("101_NYIND_maalinger_*")))
    assert set(measurements["redskab"]) == {"skala"}
    milestones = _read(next((tmp_path / "inbox" / "101").glob("101_NYIND_milepaele_*")))
    assert milestones["milepael"].to_list() == ["ny_milepael"]
    registry = _read(next((tmp_path / "inbox" / "register").glob("register_*.csv")))
    assert set(registry["indikator"]) == {"beskaeftiget"}
    assert os.path.getmtime(next((tmp_path / "inbox" / "101").glob("101_NYIND_forloeb_*"))) > 0


def test_earlier_snapshots_are_older_and_some_courses_vanish(s_run):
    root, _, _ = s_run
    snapshots: dict[tuple[str, str], list[Path]] = {}
    for path, m in _files(root):
        if m.group(3) == "forloeb":
            snapshots.setdefault((m.group(1), m.group(2)), []).append(path)
    vanished = 0
    pairs = [sorted(paths) for paths in snapshots.values() if len(paths) > 1]
    assert pairs
    for paths in pairs:
        old, new = _read(paths[0]), _read(paths[-1])
        assert old.height <= new.height + 2
        assert paths[0].stat().st_mtime < paths[-1].stat().st_mtime
        vanished += len(set(old["forloeb_id"]) - set(new["forloeb_id"]))
        moved_on = old.join(new, on="forloeb_id", suffix="_new").filter(pl.col("status") != pl.col("status_new"))
        assert moved_on.height > 0 or old.height < 5
    assert vanished >= 1


def test_cli_generate_with_as_of(tmp_path, home, capsys):
    from udbredelse.cli import main

    assert main(["generate", "--scale", "S", "--out", str(tmp_path / "out"), "--seed", "3", "--as-of", "2026-06-15"]) == 0
    printed = capsys.readouterr().out
    assert '"as_of": "2026-06-15"' in printed
    names = {p.name for p in (tmp_path / "out").rglob("*_forloeb_*")}
    assert any(name.endswith("_2026-05-31.csv") or name.endswith("_2026-05-31.xlsx") for name in names)


def test_some_people_have_overlapping_courses_in_an_intervention(s_run):
    root, _, _ = s_run
    catalog = load_catalog()
    overlaps = 0
    for (_, indsats), (_, df) in _latest_courses(root).items():
        if not catalog.interventions[indsats].collects_cpr:
            continue
        d = df.filter(pl.col("startdato").is_not_null()).with_columns(
            pl.col("cpr").str.replace("-", ""), _parse_date("startdato").alias("s"),
            _parse_date("slutdato").fill_null(date(9999, 1, 1)).alias("e"))
        pairs = d.join(d, on="cpr", suffix="_b").filter(
            (pl.col("forloeb_id") < pl.col("forloeb_id_b")) & (pl.col("s") <= pl.col("e_b")) & (pl.col("s_b") <= pl.col("e")))
        overlaps += pairs.height
    assert overlaps >= 1
