"""What a new course snapshot changes: new, changed, unchanged and disappearing courses.

A course file is a snapshot: it replaces the municipality's current one for the intervention.
`diff_snapshots` compares the two (pure, no storage); `VanishLimit` (from the catalog's
`snapshot_guard`) says when so many courses disappear that the file must be confirmed before it
counts. The dry run (dashboard upload) and ingest (every path) both use this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from udbredelse.ingest.messages import message

# the fields of a course whose change the municipality is shown (status, dates, sessions)
COMPARED = ("status", "henvisningsdato", "startdato", "slutdato", "antal_sessioner")
FIELD_TEXT = {
    "status": "status", "henvisningsdato": "henvisningsdato", "startdato": "startdato", "slutdato": "slutdato",
    "antal_sessioner": "antal sessioner",
}
SHOWN_IDS = 50  # ids listed in a message; the report holds them all


@dataclass(frozen=True)
class VanishLimit:
    """Disappearing courses beyond which a snapshot waits for confirmation: more than `count`
    courses and more than `share` of them, or every course (a small municipality's correction of
    a course or two passes; a wrong export filter does not)."""

    share: float
    count: int

    def exceeded(self, vanishing: int, current: int) -> bool:
        if vanishing <= 0:
            return False
        return vanishing >= current or (vanishing > self.count and vanishing / current > self.share)

    def text(self) -> str:
        return f"mere end {round(self.share * 100):d} % af forløbene og mere end {self.count} forløb"


def vanish_limit(catalog: Any) -> VanishLimit:
    """The limit from the catalog (`common.yaml`: snapshot_guard)."""
    guard = catalog.common.get("snapshot_guard", {})
    return VanishLimit(share=float(guard["vanishing_share_max"]), count=int(guard["vanishing_count_max"]))


@dataclass(frozen=True)
class SnapshotDiff:
    """A new snapshot against the current one of the same municipality × intervention."""

    new: list[str]
    changed: dict[str, list[str]]          # forloeb_id → the compared fields that changed
    unchanged: list[str]
    vanishing: list[str]
    current_total: int
    carried: list[str] = field(default_factory=list)  # named in the file, row rejected: kept as it was

    @property
    def new_total(self) -> int:
        return len(self.new) + len(self.changed) + len(self.unchanged)

    def exceeds(self, limit: VanishLimit) -> bool:
        return limit.exceeded(len(self.vanishing), self.current_total)

    def summary(self) -> str:
        """One Danish sentence: the counts."""
        return (f"Nye forløb: {len(self.new)}, ændrede: {len(self.changed)}, uændrede: {len(self.unchanged)}, "
                f"forsvinder: {len(self.vanishing)} (i dag {self.current_total} forløb).")

    def vanishing_text(self, limit: VanishLimit | None = None) -> str:
        """'12 forløb findes ikke længere i filen: …' (+ the limit's advice when exceeded); '' when none vanish."""
        if not self.vanishing:
            return ""
        shown = ", ".join(self.vanishing[:SHOWN_IDS])
        more = len(self.vanishing) - SHOWN_IDS
        if more > 0:
            shown += f" … og {more} flere"
        text = message("snapshot_vanishing", count=len(self.vanishing), ids=shown)
        if limit is not None and self.exceeds(limit):
            text += " " + message("snapshot_vanishing_limit", limit=limit.text())
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "current_total": self.current_total, "new_total": self.new_total,
            "new": self.new, "changed": self.changed, "unchanged": len(self.unchanged),
            "vanishing": self.vanishing, "carried": self.carried,
        }


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    present = [c for c in COMPARED if c in frame.columns]
    out = frame.select(pl.col("forloeb_id").cast(pl.Utf8), *[pl.col(c).cast(pl.Utf8) for c in present])
    for column in COMPARED:
        if column not in out.columns:
            out = out.with_columns(pl.lit(None, pl.Utf8).alias(column))
    return out.filter(pl.col("forloeb_id").is_not_null()).unique("forloeb_id", keep="first")


def diff_snapshots(current: pl.DataFrame, new: pl.DataFrame, carried: Iterable[str] = ()) -> SnapshotDiff:
    """Compare the current snapshot's courses with a new snapshot's.

    `current` and `new` have `forloeb_id` and (some of) the compared fields. `carried` are ids the
    new file names but whose rows were rejected: they keep their current version (carry-forward),
    so they neither vanish nor count as changed. Ids are sorted for a stable, readable order.
    """
    old = _normalised(current)
    fresh = _normalised(new)
    carried_ids = sorted(set(carried) - set(fresh.get_column("forloeb_id").to_list()))
    joined = fresh.join(old, on="forloeb_id", how="left", suffix="_old", coalesce=True)
    known_old = set(old.get_column("forloeb_id").to_list())
    new_ids: list[str] = []
    changed: dict[str, list[str]] = {}
    unchanged: list[str] = []
    for row in joined.sort("forloeb_id").iter_rows(named=True):
        course = row["forloeb_id"]
        if course not in known_old:
            new_ids.append(course)
            continue
        fields = [c for c in COMPARED if row[c] != row[f"{c}_old"]]
        if fields:
            changed[course] = fields
        else:
            unchanged.append(course)
    kept_carried = [c for c in carried_ids if c in known_old]
    unchanged = sorted(unchanged + kept_carried)
    named = set(fresh.get_column("forloeb_id").to_list()) | set(carried_ids)
    vanishing = sorted(known_old - named)
    return SnapshotDiff(new=new_ids, changed=changed, unchanged=unchanged, vanishing=vanishing,
                        current_total=len(known_old), carried=kept_carried)


def changed_text(diff: SnapshotDiff) -> str:
    """Danish lines for the changed courses ('K-12: status, slutdato'), at most SHOWN_IDS."""
    items = list(diff.changed.items())
    lines = [f"{course}: {', '.join(FIELD_TEXT[f] for f in fields)}" for course, fields in items[:SHOWN_IDS]]
    if len(items) > SHOWN_IDS:
        lines.append(f"… og {len(items) - SHOWN_IDS} flere")
    return "; ".join(lines)
