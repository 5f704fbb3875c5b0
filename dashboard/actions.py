"""What a viewer may DO (upload, edit milestones, export), bound to the viewer's role and municipality.

Everything goes through `udbredelse.pipeline`. The dry run (`pipeline.validate`) runs in-process and
reads only. A confirmed upload or milestone edit is handed to the inbox of the viewer's own
municipality (`pipeline.submit_upload`: file + receipt) and ingested from there like every other
file, so a file naming another municipality is rejected by ingest's own check. The dashboard never
takes the writer lock nor writes the warehouse.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from dashboard import audit
from dashboard.viewer import AccessDenied, Viewer
from udbredelse import pipeline
from udbredelse.settings import Settings


def _actor(viewer: Viewer) -> dict[str, Any]:
    return {"role": viewer.role, "kommunekode": viewer.kommunekode, "subject": viewer.subject, "login": viewer.login}


@contextmanager
def _temp_file(name: str, content: bytes) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="udbredelse-upload-"))
    try:
        path = folder / pipeline.upload_name(name)
        path.write_bytes(content)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _require_municipality(viewer: Viewer) -> str:
    if not viewer.is_municipality or not viewer.kommunekode:
        raise AccessDenied("Kun kommunebrugere kan indsende filer for deres egen kommune.")
    return viewer.kommunekode


def validate_upload(viewer: Viewer, settings: Settings, name: str, content: bytes) -> Any:
    """Dry run (stores nothing) of an uploaded file against the viewer's own municipality."""
    kommune = _require_municipality(viewer)
    with _temp_file(name, content) as path:
        report = pipeline.validate(settings, path, kommune=kommune)
    audit.append(settings, _actor(viewer), "upload_dry_run",
                 {"file": pipeline.upload_name(name), "status": report.status, "rows_total": report.rows_total})
    return report


def submit_upload(viewer: Viewer, settings: Settings, name: str, content: bytes,
                  vanishing: int | None = None) -> dict[str, Any]:
    """Hand a confirmed upload to the viewer's own municipality's inbox; returns the receipt.
    `vanishing`: how many disappearing courses the viewer confirmed after the dry run (then ingest
    loads the snapshot instead of holding it)."""
    kommune = _require_municipality(viewer)
    receipt = pipeline.submit_upload(settings, kommune, name, content, submitted_by=viewer.subject,
                                     vanishing=vanishing)
    audit.append(settings, _actor(viewer), "upload", {
        "file": receipt["inbox_name"], "receipt_id": receipt["receipt_id"], "file_id": receipt["file_id"],
        "status": receipt["status"], "vanishing_confirmed": vanishing or 0,
    })
    return receipt


def confirm_held(viewer: Viewer, settings: Settings, file_id: str, vanishing: int) -> dict[str, Any]:
    """Confirm one of the viewer's own files that waits for confirmation (the next ingest loads it)."""
    kommune = _require_municipality(viewer)
    result = pipeline.confirm_held(settings, file_id, by=f"{viewer.role}:{viewer.subject or viewer.login}",
                                   vanishing=vanishing, kommune=kommune, load=False)
    audit.append(settings, _actor(viewer), "upload_confirm_held", {"file_id": file_id, "vanishing": vanishing})
    return result["confirmation"]


def preview_snapshot(viewer: Viewer, settings: Settings, name: str, content: bytes, current: Any) -> Any:
    """Dry run: what a course file would change against the published current snapshot (stores nothing)."""
    kommune = _require_municipality(viewer)
    with _temp_file(name, content) as path:
        return pipeline.preview_snapshot(settings, path, current, kommune=kommune)


def milestones_file(viewer: Viewer, indsats: str, rows: list[dict[str, Any]], on: date | None = None) -> tuple[str, bytes]:
    """A milestones (milepæle) CSV in the file format contract, for the viewer's own municipality."""
    kommune = _require_municipality(viewer)
    on = on or date.today()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(["kommunekode", "indsats", "milepael", "status", "dato"])
    for row in rows:
        when = row.get("dato")
        writer.writerow([kommune, indsats, row["milepael"], row["status"],
                         "" if when in (None, "") or str(when) == "NaT" else str(when)[:10]])
    return f"{kommune}_{indsats}_milepaele_{on.isoformat()}.csv", buffer.getvalue().encode("utf-8")


def _require_analyst(viewer: Viewer) -> None:
    if not viewer.sees_all_municipalities:
        raise AccessDenied("Eksport er for analytikere og administratorer.")


def export_audiences(settings: Settings) -> dict[str, tuple[str, str]]:
    """audience → (what the page calls it, the file name saying which audience it is), from the catalog
    (`udbredelse.export.indicators.export_audiences`, which also writes the file's first line)."""
    from udbredelse.export.indicators import export_audiences as audiences

    return {code: (a.label, a.file_name) for code, a in audiences(settings).items()}


def export_indicators(viewer: Viewer, settings: Settings, audience: str) -> tuple[str, bytes, dict[str, Any]]:
    _require_analyst(viewer)
    audiences = export_audiences(settings)
    if audience not in audiences:
        raise ValueError(audience)
    with tempfile.TemporaryDirectory(prefix="udbredelse-export-") as folder:
        out = Path(folder) / audiences[audience][1]
        result = pipeline.export_indicators(settings, out, audience=audience)
        content = out.read_bytes()
    audit.append(settings, _actor(viewer), "export", {"what": "indicators", "audience": audience,
                                                      "bytes": len(content)})
    return out.name, content, result if isinstance(result, dict) else {}


def export_quality(viewer: Viewer, settings: Settings) -> tuple[str, bytes, dict[str, Any]]:
    _require_analyst(viewer)
    with tempfile.TemporaryDirectory(prefix="udbredelse-export-") as folder:
        out = Path(folder) / "datakvalitet.csv"
        result = pipeline.export_quality(settings, out)
        produced = out if out.exists() else next(Path(folder).iterdir())
        name, content = produced.name, produced.read_bytes()
    audit.append(settings, _actor(viewer), "export", {"what": "quality", "bytes": len(content)})
    return name, content, result if isinstance(result, dict) else {}


def export_cohort(viewer: Viewer, settings: Settings) -> tuple[str, bytes, dict[str, Any]]:
    """The register cohort delivery (encrypted for DST), zipped. Administrators only."""
    if viewer.role != "admin":
        raise AccessDenied("Kohorteudtræk til Danmarks Statistik kan kun laves af en administrator.")
    with tempfile.TemporaryDirectory(prefix="udbredelse-cohort-") as folder:
        out_dir = Path(folder) / "kohorte"
        result = pipeline.export_cohort(settings, out_dir)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(out_dir.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(out_dir))
    content = buffer.getvalue()
    audit.append(settings, _actor(viewer), "export", {"what": "cohort", "bytes": len(content)})
    return "kohorte.zip", content, result if isinstance(result, dict) else {}
