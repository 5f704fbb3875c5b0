"""`udbredelse bench`: measure the whole platform at a named scale, in one run on this machine.

Generates data into a fresh data home, then times ingest, dbt build, the quality suites, a raw
DuckDB scan of the same files (the physical reference), an incremental update (one
municipality's new snapshot → marts refreshed and published), the disclosure audit of the public
indicator table (udbredelse.disclosure_audit: seconds, disclosed cells, hidden-cell share) and
dashboard page renders.
Figures come from this one run; ratios (ingest_vs_raw_scan) are what to compare across machines.

Every step runs through `udbredelse.pipeline`, as in production. The page timings come from the
timers registered under the entry-point group `udbredelse.bench.pages` (the dashboard registers
`dashboard.bench:page_render_times_ms` in pyproject.toml); the core package never imports the dashboard.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import tempfile
import time
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from udbredelse.settings import Settings, get_settings


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # ru_maxrss is KiB on Linux


def raw_scan(files: list[Path]) -> tuple[float, int]:
    """The physical reference: DuckDB's own CSV reader over the same files (all columns as text)."""
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    rows = 0
    for path in files:
        try:
            rows += con.execute(
                "select count(*) from read_csv(?, all_varchar = true, header = true)", [str(path)]
            ).fetchone()[0]
        except duckdb.InvalidInputException:  # a Windows-1252 file: DuckDB needs to be told
            rows += con.execute(
                "select count(*) from read_csv(?, all_varchar = true, header = true, encoding = 'latin-1')",
                [str(path)],
            ).fetchone()[0]
    return time.perf_counter() - started, rows


def _incremental_file(settings: Settings, snapshot_dir: Path, days: int = 1) -> Path:
    """One municipality's new course snapshot: its latest course file, re-dated `days` later."""
    course_files = sorted(p for p in snapshot_dir.rglob("*_forloeb_*.csv") if p.parent.name != "register")
    latest = course_files[-1]
    kommune, indsats, _type, stamp = latest.stem.split("_", 3)
    new_date = date.fromisoformat(stamp).toordinal() + days
    new_name = f"{kommune}_{indsats}_forloeb_{date.fromordinal(new_date).isoformat()}.csv"
    target = settings.inbox_dir / kommune / new_name
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = latest.read_bytes().rstrip(b"\r\n").splitlines(keepends=True)
    # a genuinely new snapshot (new bytes): the last course is no longer in it
    target.write_bytes(b"".join(lines[:-1]).rstrip(b"\r\n") + b"\n")
    return target


def _active_end(settings: Settings, kommune: str, indsats: str) -> tuple[str, float] | None:
    """The latest monthly 'active_end' figure of a municipality × intervention in the published copy."""
    from udbredelse import warehouse

    if not settings.published_path.exists():
        return None
    con = warehouse.connect_published(settings)
    try:
        return con.execute(
            "select period, value from marts.indicators where kommunekode = ? and indsats = ? "
            "and indicator = 'active_end' and period_type = 'month' order by period desc limit 1",
            [kommune, indsats]).fetchone()
    finally:
        con.close()


def upload_to_visible(settings: Settings, snapshot_dir: Path, timeout: float = 600.0) -> dict[str, Any]:
    """A municipality's confirmed upload (a new snapshot with one more started course) until the changed
    'active_end' figure is readable from the published copy, with the embedded worker (its own process,
    started and ready before the clock starts) doing ingest + refresh, as behind `udbredelse dashboard`."""
    import csv
    import io

    from udbredelse import pipeline, worker

    files = sorted(p for p in snapshot_dir.rglob("*_forloeb_*.csv") if p.parent.name != "register")
    latest = [p for p in files if p.parent.name == files[0].parent.name and p.stem.split("_")[1] == files[0].stem.split("_")[1]][-1]
    kommune, indsats, _type, stamp = latest.stem.split("_", 3)
    raw = latest.read_bytes()
    text = raw.decode("utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" or _utf8(raw) else raw.decode("cp1252")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    rows = list(reader)
    started_row = next(r for r in rows if r.get("status") == "i_gang")
    rows.append({**started_row, "forloeb_id": f"{kommune}-BENCH-0001"})  # one more started course
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [], delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    name = f"{kommune}_{indsats}_forloeb_{stamp}.csv"  # same reporting date: the same period's figure moves
    before = _active_end(settings, kommune, indsats)

    process = worker.start()
    try:
        if not worker.wait_ready(settings, process):
            return {"upload_to_visible_s": "ikke målt: workeren startede ikke"}
        started = time.perf_counter()
        pipeline.submit_upload(settings, kommune, name, out.getvalue().encode("utf-8"), submitted_by="bench")
        while time.perf_counter() - started < timeout:
            now = _active_end(settings, kommune, indsats)
            if now is not None and now != before:
                return {"upload_to_visible_s": round(time.perf_counter() - started, 2),
                        "upload_to_visible_change": [before, now]}
            time.sleep(1.0)  # a coarse poll: each look opens the published copy, and must not slow the worker
        return {"upload_to_visible_s": f"ikke målt: tallet ændrede sig ikke inden for {timeout:.0f} s"}
    finally:
        worker.stop(process)


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


PAGE_TIMERS_GROUP = "udbredelse.bench.pages"


def _page_timings(settings: Settings, runs: int) -> dict[str, list[float]]:
    """{'role/page': [ms, ...]} from every registered page timer (`timer(settings, runs=...)`); a key starting
    with 'first/' is the one first render of that page with its caches empty, one with 'cpu/' the CPU time of
    the timed renders (both reported apart)."""
    timings: dict[str, list[float]] = {}
    for entry in entry_points(group=PAGE_TIMERS_GROUP):
        timings.update(entry.load()(settings, runs=runs))
    return timings


def _dashboard_timings(settings: Settings, runs: int) -> dict[str, Any]:
    if not entry_points(group=PAGE_TIMERS_GROUP):
        return {"dashboard_pages": f"ikke målt: ingen sidemåler registreret under {PAGE_TIMERS_GROUP}"}
    found = _page_timings(settings, runs)
    first = {page.removeprefix("first/"): values[0] for page, values in found.items() if page.startswith("first/")}
    cpu = {page.removeprefix("cpu/"): values for page, values in found.items() if page.startswith("cpu/")}
    timings = {page: values for page, values in found.items() if not page.startswith(("first/", "cpu/"))}
    all_ms = [ms for values in timings.values() for ms in values]
    all_cpu = [ms for values in cpu.values() for ms in values]
    if not all_ms:
        return {"dashboard_pages": "ikke målt: ingen publicerede indikatorer at vise"}
    return {
        "dashboard_p50_ms": round(statistics.median(all_ms), 1),
        "dashboard_p95_ms": round(_p95(all_ms), 1),
        "dashboard_pages": {page: round(statistics.median(v), 1) for page, v in timings.items()},
        "dashboard_pages_p95": {page: round(_p95(v), 1) for page, v in timings.items()},
        # the first render of each page after a publish (every cache empty): not part of p50/p95
        "dashboard_first_render_ms": {page: round(ms, 1) for page, ms in first.items()},
        # the CPU time of the same renders: what they cost whatever else the machine is doing
        **({"dashboard_cpu_p50_ms": round(statistics.median(all_cpu), 1),
            "dashboard_cpu_p95_ms": round(_p95(all_cpu), 1),
            "dashboard_pages_cpu": {page: round(statistics.median(v), 1) for page, v in cpu.items()}}
           if all_cpu else {}),
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _published_scale(settings: Settings) -> dict[str, Any]:
    """What a kept data home holds (its scale, stated with the page timings): courses, files, indicator rows."""
    from udbredelse import warehouse

    con = warehouse.connect_published(settings)
    try:
        found = {}
        for key, sql in (("courses", "select count(distinct (kommunekode, indsats, forloeb_id)) from raw.courses"),
                         ("files", "select count(*) from raw.files"),
                         ("municipalities", "select count(distinct kommunekode) from marts.indicators "
                                            "where kommunekode <> '000'"),
                         ("indicator_rows", "select count(*) from marts.indicators")):
            try:
                found[key] = con.execute(sql).fetchone()[0]
            except Exception:  # noqa: BLE001 - an older published copy without the table: not stated
                found[key] = None
        return found
    finally:
        con.close()


def run_pages_bench(home: Path, runs: int = 5) -> dict[str, Any]:
    """Only the dashboard page renders (`udbredelse bench --only pages --home DIR`), against the published copy
    of an existing data home (e.g. one kept with `udbredelse bench --scale M --keep`): profile and compare page
    speed without generating, ingesting and building again."""
    os.environ["UDBREDELSE_HOME"] = str(home)
    os.environ.setdefault("UDBREDELSE_MODE", "demo")
    settings = get_settings()
    if not settings.published_path.exists():
        return {"only": "pages", "home": str(home),
                "dashboard_pages": f"ikke målt: ingen publiceret kopi i {settings.published_path}"}
    result: dict[str, Any] = {"only": "pages", "home": str(home), **_published_scale(settings)}
    result.update(_dashboard_timings(settings, runs))
    result["peak_rss_mb"] = _peak_rss_mb()
    return result


BENCH_PARTS = ("airflow", "upload", "audit")  # the optional parts `udbredelse bench --skip` can leave out


def run_bench(scale: str = "S", keep: bool = False, seed: int = 42, dashboard_runs: int = 5,
              skip: tuple[str, ...] = (), audit_ilp_budget: float = 120.0) -> dict[str, Any]:
    """One run of every measurement; the disclosure audit comes last (it is the slowest part at M)."""
    from udbredelse import pipeline
    from udbredelse.generate import generate

    home = Path(tempfile.mkdtemp(prefix=f"udbredelse-bench-{scale}-"))
    os.environ["UDBREDELSE_HOME"] = str(home)
    os.environ.setdefault("UDBREDELSE_MODE", "demo")
    settings = get_settings()
    settings.ensure_dirs()
    result: dict[str, Any] = {"scale": scale}
    try:
        started = time.perf_counter()
        summary = generate(scale=scale, out=settings.inbox_dir, seed=seed, settings=settings)
        result["generate_s"] = round(time.perf_counter() - started, 2)
        for key in ("courses", "sessions", "measurements", "register_rows", "files"):
            result[key] = summary.get(key)

        snapshot = home / "bench_snapshot"
        shutil.copytree(settings.inbox_dir, snapshot)
        csv_files = sorted(snapshot.rglob("*.csv"))
        raw_scan_s, raw_rows = raw_scan(csv_files)
        result["raw_scan_s"] = round(raw_scan_s, 2)
        result["raw_scan_rows"] = raw_rows

        started = time.perf_counter()
        pipeline.ingest(settings)
        result["ingest_s"] = round(time.perf_counter() - started, 2)

        # orchestration: the same files through the Airflow ingest DAG (dag.test(); udbredelse/bench_airflow.py)
        if "airflow" not in skip:
            from udbredelse.bench_airflow import airflow_ingest

            result.update(airflow_ingest(snapshot, result["ingest_s"]))

        built = pipeline.build(settings, full=True)
        result["build_s"] = round(built["seconds"]["transform"], 2)
        result["quality_s"] = round(built["seconds"]["quality"], 2)
        result["total_s"] = round(result["ingest_s"] + result["build_s"] + result["quality_s"], 2)
        result["ingest_vs_raw_scan"] = round(result["ingest_s"] / max(raw_scan_s, 1e-9), 2)

        new_file = _incremental_file(settings, snapshot)
        started = time.perf_counter()
        refreshed = pipeline.refresh(settings, kommuner=[new_file.parent.name])
        result["incremental_s"] = round(time.perf_counter() - started, 2)
        result["incremental_mode"] = refreshed["dbt"]["mode"]
        result["incremental_dbt_s"] = refreshed["dbt"]["elapsed_seconds"]

        if "upload" not in skip:
            result.update(upload_to_visible(settings, snapshot))
        result.update(_dashboard_timings(settings, dashboard_runs))
        result["peak_rss_mb"] = _peak_rss_mb()

        if "audit" not in skip:
            from udbredelse.disclosure_audit import audit_published_copy

            started = time.perf_counter()
            audit = audit_published_copy(settings, insiders=1, ilp_budget=audit_ilp_budget)
            result["disclosure_audit_s"] = round(time.perf_counter() - started, 2)
            result["disclosure_audit"] = audit["outsider"]
            result["disclosure_audit_insider"] = audit["insiders"][0] if audit["insiders"] else None
            result["disclosure_hidden_count_share"] = audit["hidden_count_share"]
            result["disclosure_public_rows"] = audit["public_rows"]
        result["home"] = str(home) if keep else None
        return result
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)
