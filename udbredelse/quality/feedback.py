"""Feedback to municipalities: a Danish quality report per municipality, and reminders for overdue files.

Reminders go to `quality.reminder_outbox`; the quality DAG mails them through Airflow's SMTP
connection (`pending_reminders` → send → `mark_reminders_sent`). Recipients come from
`$UDBREDELSE_HOME/quality/kontakter.csv` (`kommunekode;email`); in demo mode a municipality without
a contact gets a placeholder address on the reserved example.invalid domain.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from udbredelse import warehouse
from udbredelse.quality.store import ensure_quality_schema, table_exists
from udbredelse.settings import Settings

COMPONENTS = (
    ("timeliness_score", "Rettidighed", "perioder indberettet inden fristen"),
    ("coverage_score", "Dækning", "forventede perioder modtaget"),
    ("completeness_score", "Fuldstændighed", "anbefalede felter udfyldt"),
    ("validity_score", "Validitet", "rækker godkendt ved modtagelsen"),
    ("consistency_score", "Konsistens", "forløb uden dato-, status- eller overlapsproblemer"),
    ("outlier_score", "Afvigelser", "perioder uden usædvanligt mange/få starter"),
)
SEVERITY_LABELS = {"error": "Skal rettes", "warning": "Bør rettes", "info": "Til orientering"}
BADGE_LABELS = {"god": "God", "middel": "Middel", "svag": "Svag"}


def feedback_dir(settings: Settings) -> Path:
    return settings.quality_dir / "feedback"


def contacts_path(settings: Settings) -> Path:
    return settings.quality_dir / "kontakter.csv"


# ---- reports ---------------------------------------------------------------------------------------
def _md(text: Any) -> str:
    """Plain text safe inside a Markdown table or list (no HTML, no table breaks)."""
    if text is None:
        return ""
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _pct(value: Any) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{round(100 * float(value))} %"


def _report(kommune: str, scorecards: list[dict[str, Any]], lines: list[dict[str, Any]],
            periods: list[dict[str, Any]]) -> str:
    first = scorecards[0]
    name = first.get("kommunenavn") or kommune
    as_of = first.get("as_of_date")
    out = [f"# Datakvalitet – {_md(name)} ({kommune})", ""]
    if as_of is not None:
        out += [f"Opgjort pr. {as_of:%d-%m-%Y} ud fra de filer, kommunen har indsendt.", ""]
    out += ["Rapporten viser, hvad der bør rettes, og hvor. Scoren går fra 0 til 100; mærket er "
            "*god*, *middel* eller *svag* og vises ved siden af kommunens indikatorer.", ""]
    for card in scorecards:
        indsats = card["indsats"]
        title = card.get("intervention_name") or indsats
        out += [f"## {_md(title)}", "",
                f"**Score: {card['score']}/100 – {BADGE_LABELS.get(card['quality_badge'], card['quality_badge'])}**", "",
                "| Område | Resultat | Hvad måles |", "|---|---|---|"]
        out += [f"| {label} | {_pct(card.get(col))} | {what} |" for col, label, what in COMPONENTS]
        out += ["", f"Forventede perioder: {card['periods_expected']}, modtaget: {card['periods_received']}, "
                    f"til tiden: {card['periods_on_time']}, for sent: {card['periods_late']}, "
                    f"mangler: {card['periods_missing']}.", ""]
        own_lines = [line for line in lines if line["indsats"] == indsats]
        out += ["### Det skal I gøre", ""]
        if not own_lines:
            out += ["Ingen bemærkninger – tak for gode data.", ""]
        for line in own_lines:
            out.append(f"- **{SEVERITY_LABELS.get(line['severity'], line['severity'])} ({_md(line['area'])}):** "
                       f"{_md(line['message'])}  ")
            if line.get("found_in"):
                out.append(f"  Hvor: {_md(line['found_in'])}  ")
            if line.get("fix_hint"):
                out.append(f"  Sådan: {_md(line['fix_hint'])}")
        out.append("")
        own_periods = [p for p in periods if p["indsats"] == indsats][-12:]
        if own_periods:
            out += ["### Indberetninger (seneste perioder)", "", "| Periode | Frist | Modtaget | Status |",
                    "|---|---|---|---|"]
            for p in own_periods:
                received = f"{p['first_received_at']:%d-%m-%Y}" if p["first_received_at"] is not None else "–"
                status = p["delivery_status_label"]
                if p["delivery_status"] != "on_time":
                    status += f" ({p['days_late']} dage)"
                out.append(f"| {p['period']} | {p['due_date']:%d-%m-%Y} | {received} | {status} |")
            out.append("")
    return "\n".join(out)


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    frame = con.execute(sql).df()
    return [{k: (None if _is_missing(v) else v) for k, v in row.items()} for row in frame.to_dict("records")]


def _is_missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def write_feedback_reports(settings: Settings) -> list[Path]:
    """Write quality/feedback/<kommunekode>.md (Danish: score, what to fix, where) for every municipality
    in the scorecard. Returns the paths written; stale reports are removed."""
    out_dir = feedback_dir(settings)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = warehouse.connect(settings)
    try:
        if not table_exists(con, "marts", "dq_scorecard"):
            return []
        cards = _records(con, "select * from marts.dq_scorecard order by kommunekode, indsats")
        lines = _records(con, "select * from marts.dq_feedback order by kommunekode, indsats, sort_order, "
                              "check_code, detail_key") if table_exists(con, "marts", "dq_feedback") else []
        periods = _records(con, "select * from marts.dq_timeliness order by kommunekode, indsats, period_start") \
            if table_exists(con, "marts", "dq_timeliness") else []
    finally:
        con.close()
    for stale in out_dir.glob("*.md"):
        stale.unlink()
    written: list[Path] = []
    for kommune in sorted({c["kommunekode"] for c in cards}):
        path = out_dir / f"{kommune}.md"
        path.write_text(_report(
            kommune,
            [c for c in cards if c["kommunekode"] == kommune],
            [line for line in lines if line["kommunekode"] == kommune],
            [p for p in periods if p["kommunekode"] == kommune],
        ), encoding="utf-8")
        written.append(path)
    return written


# ---- reminders -----------------------------------------------------------------------------------------
def _contacts(settings: Settings) -> dict[str, str]:
    path = contacts_path(settings)
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(2048)
        handle.seek(0)
        dialect = csv.Sniffer().sniff(sample, delimiters=";,") if sample else csv.excel
        return {row["kommunekode"].strip().zfill(3): row["email"].strip()
                for row in csv.DictReader(handle, dialect=dialect)
                if row.get("kommunekode") and row.get("email")}


def _recipient(settings: Settings, contacts: dict[str, str], kommune: str) -> str | None:
    if kommune in contacts:
        return contacts[kommune]
    return f"kommune-{kommune}@example.invalid" if settings.is_demo else None


def _reminder_text(row: dict[str, Any], repeat: bool) -> tuple[str, str]:
    due = row["due_date"]
    subject = (f"{'Gentaget påmindelse' if repeat else 'Påmindelse'}: indberetning for {row['indsats']} "
               f"{row['period']} mangler")
    message = (
        f"Kære {row['kommunenavn']} Kommune\n\n"
        f"Vi har endnu ikke modtaget forløbsfilen for {row['intervention_name']} for perioden {row['period']}. "
        f"Fristen var {due:%d-%m-%Y}, og filen er nu {int(row['days_late'])} dage forsinket.\n\n"
        "Læg filen i jeres mappe i indbakken eller upload den i dashboardet. Filen er et øjebliksbillede af "
        "alle forløb i indsatsen på indberetningsdatoen.\n\n"
        "Venlig hilsen\nSocialstyrelsen – opfølgning i udbredelse"
    )
    return subject, message


def queue_reminders(con: duckdb.DuckDBPyConnection, settings: Settings, now: dt.datetime | None = None,
                    repeat_days: int | None = None) -> int:
    """Queue one reminder per overdue period (kommune × indsats × period with no usable file after the
    deadline); refresh days_late and text of unsent ones; queue a sent one again once it went out
    `repeat_days` ago (catalog `operations.reminder_repeat_days`) and the file is still missing.
    Needs an open writable connection; returns # queued (new or repeated)."""
    ensure_quality_schema(con)
    if not table_exists(con, "marts", "dq_timeliness"):
        return 0
    if repeat_days is None:
        from udbredelse.unattended import operations

        repeat_days = operations(settings)["reminder_repeat_days"]
    overdue = _records(con, """
        select t.kommunekode, t.indsats, t.period, t.due_date, t.days_late,
               coalesce(m.kommunenavn, t.kommunekode) as kommunenavn,
               coalesce(i.name, t.indsats) as intervention_name
        from marts.dq_timeliness t
        left join catalog.municipalities m on m.kommunekode = t.kommunekode
        left join catalog.interventions i on i.indsats = t.indsats
        where t.delivery_status = 'missing'
        order by t.kommunekode, t.indsats, t.period
    """)
    contacts = _contacts(settings)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    repeat_before = now - dt.timedelta(days=repeat_days)
    existing = {row[0]: row[1] for row in con.execute(
        "select reminder_id, sent_at from quality.reminder_outbox").fetchall()}
    queued = 0
    for row in overdue:
        reminder_id = f"{row['kommunekode']}|{row['indsats']}|{row['period']}"
        if reminder_id in existing:
            sent_at = existing[reminder_id]
            if sent_at is None:
                subject, message = _reminder_text(row, repeat=False)
                con.execute("update quality.reminder_outbox set days_late = ?, message = ? where reminder_id = ?",
                            [int(row["days_late"]), message, reminder_id])
            elif sent_at <= repeat_before:  # still missing after the interval: send it again
                subject, message = _reminder_text(row, repeat=True)
                con.execute("update quality.reminder_outbox set days_late = ?, subject = ?, message = ?, "
                            "sent_at = null where reminder_id = ?",
                            [int(row["days_late"]), subject, message, reminder_id])
                queued += 1
            continue
        subject, message = _reminder_text(row, repeat=False)
        con.execute(
            "insert into quality.reminder_outbox (reminder_id, kommunekode, indsats, period, due_date, days_late, "
            "recipient, subject, message, created_at, sent_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null)",
            [reminder_id, row["kommunekode"], row["indsats"], row["period"], row["due_date"], int(row["days_late"]),
             _recipient(settings, contacts, row["kommunekode"]), subject, message, now],
        )
        queued += 1
    # a period that has since arrived no longer needs a reminder
    con.execute("""
        delete from quality.reminder_outbox o
        where o.sent_at is null and not exists (
            select 1 from marts.dq_timeliness t
            where t.delivery_status = 'missing' and o.reminder_id = t.kommunekode || '|' || t.indsats || '|' || t.period
        )
    """)
    return queued


def queue_overdue_reminders(settings: Settings) -> dict[str, Any]:
    """Queue reminders for overdue files (takes the writer lock; for the quality DAG and the CLI)."""
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        try:
            queued = queue_reminders(con, settings)
            if table_exists(con, "marts", "dq_timeliness"):
                missing, late = con.execute(
                    "select count(*) filter (where delivery_status = 'missing'), "
                    "count(*) filter (where delivery_status = 'late') from marts.dq_timeliness").fetchone()
            else:
                missing, late = 0, 0
            pending = con.execute("select count(*) from quality.reminder_outbox where sent_at is null").fetchone()[0]
        finally:
            con.close()
    return {"missing_periods": int(missing), "late_periods": int(late), "reminders_queued": queued,
            "reminders_pending": int(pending)}


def pending_reminders(settings: Settings) -> list[dict[str, Any]]:
    """Unsent reminders that have a recipient: reminder_id, kommunekode, indsats, period, due_date,
    days_late, to, subject, message (plain text) and body (HTML)."""
    if not settings.warehouse_path.exists():
        return []
    with warehouse.reader_lock(settings):  # never beside a writer (DuckDB allows one writing process)
        con = warehouse.connect(settings, read_only=True)
        try:
            if not table_exists(con, "quality", "reminder_outbox"):
                return []
            rows = _records(con, """
                select reminder_id, kommunekode, indsats, period, due_date, days_late, recipient, subject, message
                from quality.reminder_outbox
                where sent_at is null and recipient is not null
                order by kommunekode, indsats, period
            """)
        finally:
            con.close()
    return [{
        "reminder_id": r["reminder_id"], "kommunekode": r["kommunekode"], "indsats": r["indsats"],
        "period": r["period"], "due_date": r["due_date"].isoformat(), "days_late": int(r["days_late"]),
        "to": r["recipient"], "subject": r["subject"], "message": r["message"],
        "body": "".join(f"<p>{html.escape(part)}</p>" for part in r["message"].split("\n\n")).replace("\n", "<br>"),
    } for r in rows]


def mark_reminders_sent(settings: Settings, ids: list[str]) -> int:
    """Stamp sent_at on the given reminders (takes the writer lock). Returns how many were marked."""
    if not ids:
        return 0
    with warehouse.writer_lock(settings):
        con = warehouse.connect(settings)
        try:
            ensure_quality_schema(con)
            now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            before = con.execute("select count(*) from quality.reminder_outbox where sent_at is not null").fetchone()[0]
            con.execute("update quality.reminder_outbox set sent_at = ?, last_sent_at = ?, "
                        "times_sent = coalesce(times_sent, 0) + 1 where sent_at is null "
                        "and reminder_id in (select unnest(?))", [now, now, list(ids)])
            after = con.execute("select count(*) from quality.reminder_outbox where sent_at is not null").fetchone()[0]
        finally:
            con.close()
    return int(after - before)
