"""The per-file validation report: the JSON described in udbredelse/ingest/README.md and a Danish text version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from udbredelse.cpr import echo
from udbredelse.ingest.check import Outcome

STATUS_TEXT = {
    "accepted": "Godkendt",
    "partial": "Delvist godkendt",
    "rejected": "Afvist",
    "duplicate": "Allerede modtaget",
    "held": "Afventer bekræftelse",
    "failed": "Kunne ikke gemmes",
}
TYPE_TEXT = {
    "courses": "forløbsfil", "sessions": "sessionsfil", "measurements": "målingsfil", "targets": "måltalsfil",
    "milestones": "milepælsfil", "registry": "registerudtræk",
}


@dataclass
class ValidationReport:
    """What a municipality gets back for one file (CPR masked; no clear CPR anywhere)."""

    name: str
    file_id: str
    file_type: str | None
    kommunekode: str | None
    indsats: str | None
    reporting_date: str | None
    encoding: str | None
    delimiter: str | None
    sheet_name: str | None
    status: str
    rows_total: int
    rows_accepted: int
    rows_rejected: int
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> ValidationReport:
        def items(frame: Any) -> list[dict[str, Any]]:
            return [
                {"row": r["row"], "column": r["column"], "code": r["code"], "message": r["message"],
                 "value": r["value"]}
                for r in frame.iter_rows(named=True)
            ]

        return cls(  # the file block is echoed like every value: masked, no control characters, cut
            name=echo(outcome.name) or "",
            file_id=outcome.file_id,
            file_type=outcome.file_type,
            kommunekode=echo(outcome.kommunekode),
            indsats=echo(outcome.indsats),
            reporting_date=outcome.reporting_date.isoformat() if outcome.reporting_date else None,
            encoding=outcome.encoding,
            delimiter=outcome.delimiter,
            sheet_name=echo(outcome.sheet_name),
            status=outcome.status,
            rows_total=outcome.rows_read,
            rows_accepted=outcome.rows_accepted,
            rows_rejected=outcome.rows_rejected,
            errors=items(outcome.errors),
            warnings=items(outcome.warnings),
        )

    @classmethod
    def awaiting_confirmation(cls, outcome: Outcome, code: str, **params: Any) -> ValidationReport:
        """The verdict on a snapshot that would empty (or replace every one of) the municipality's courses:
        rejected until confirmed. The dry run and ingest give this same verdict."""
        from udbredelse.ingest.messages import message

        report = cls.from_outcome(outcome)
        report.status = "rejected"
        report.rows_accepted, report.rows_rejected = 0, outcome.rows_read
        report.errors.insert(0, {"row": None, "column": None, "code": code, "message": message(code, **params),
                                 "value": None})
        return report

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "rows_total": self.rows_total,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "errors": self.errors,
            "warnings": self.warnings,
            "file": {
                "name": self.name, "file_id": self.file_id, "file_type": self.file_type,
                "kommunekode": self.kommunekode, "indsats": self.indsats, "reporting_date": self.reporting_date,
                "encoding": self.encoding, "delimiter": self.delimiter, "sheet_name": self.sheet_name,
            },
        }

    def to_text(self) -> str:
        kind = TYPE_TEXT.get(self.file_type or "", "ukendt filtype")
        lines = [
            f"Fil: {self.name} ({kind})",
            f"Kommune: {self.kommunekode or '-'}   Indsats: {self.indsats or '-'}   "
            f"Indberetningsdato: {self.reporting_date or '-'}",
            f"Resultat: {STATUS_TEXT.get(self.status, self.status)} – {self.rows_accepted} af {self.rows_total} "
            f"rækker godkendt, {self.rows_rejected} afvist.",
        ]
        if self.errors:
            lines.append("")
            lines.append(f"Fejl ({len(self.errors)}):")
            lines.extend(_line(e) for e in self.errors)
        if self.warnings:
            lines.append("")
            lines.append(f"Advarsler ({len(self.warnings)}):")
            lines.extend(_line(w) for w in self.warnings)
        if not self.errors and not self.warnings:
            lines.append("Ingen fejl eller advarsler.")
        return "\n".join(lines)


def _line(issue: dict[str, Any]) -> str:
    where = "hele filen" if issue["row"] is None else f"række {issue['row']}"
    column = f", kolonne {issue['column']}" if issue.get("column") else ""
    value = f" (værdi: {issue['value']})" if issue.get("value") else ""
    return f"  - {where}{column}: {issue['message']}{value} [{issue['code']}]"
