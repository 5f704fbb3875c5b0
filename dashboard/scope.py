"""Viewer scoping, the heart of isolation: which rows a viewer may see and what is blanked for them.

- a municipality user ('kommune') gets its own municipality's rows in full, and other
  municipalities only as the national aggregate ('000') with suppressed cells blanked; asking
  for another kommunekode raises `AccessDenied`;
- analysts/admins work inside the data controller: every municipality, every aggregate unsuppressed,
  each cell the public policy would hide marked (`mark`), and course ids replaced by a keyed pseudonym
  (`udbredelse.pseudonym.course_pseudonym`), in the data-quality feedback lists too.

`mark` is the public policy's verdict on a cell (marts.indicators.suppression): 'primary' (a count of
1..threshold-1, shown "<5"), 'secondary' (hidden to protect another cell, shown "skjult") or None.

Every query in `dashboard.queries` calls these; pages never scope rows themselves.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dashboard.viewer import NATIONAL, AccessDenied, Viewer
from udbredelse.disclosure import NOT_PUBLIC
from udbredelse.pseudonym import course_pseudonym


def indicator_scope(viewer: Viewer, kommunekode: str | None) -> list[str] | None:
    """Which kommunekoder an indicator query may return; None = all (analyst). Raises AccessDenied otherwise."""
    if viewer.is_municipality:
        own = viewer.kommunekode
        if kommunekode is None:
            return [own, NATIONAL]
        if kommunekode in (own, NATIONAL):
            return [kommunekode]
        raise AccessDenied("Du kan kun se din egen kommunes tal og landstallene.")
    if viewer.sees_all_municipalities:
        return None if kommunekode is None else [kommunekode]
    raise AccessDenied("Ukendt rolle.")


def own_rows_scope(viewer: Viewer, kommunekode: str | None) -> list[str] | None:
    """For course- and file-level data: a municipality user sees only its own rows, never '000'."""
    if viewer.is_municipality:
        if kommunekode not in (None, viewer.kommunekode):
            raise AccessDenied("Du kan kun se din egen kommunes forløb og filer.")
        return [viewer.kommunekode]
    return None if kommunekode is None else [kommunekode]


def require_analyst(viewer: Viewer) -> None:
    if not viewer.sees_all_municipalities:
        raise AccessDenied("Det nationale overblik er kun for analytikere i Socialstyrelsen.")


def where_kommune(scope: list[str] | None, column: str = "kommunekode") -> tuple[str, tuple[Any, ...]]:
    """SQL condition and parameters for a scope from `indicator_scope`/`own_rows_scope`."""
    if scope is None:
        return "true", ()
    marks = ", ".join("?" for _ in scope)
    return f"{column} in ({marks})", tuple(scope)


def sees_exact(viewer: Viewer, kommunekode: pd.Series) -> pd.Series:
    """True where the viewer may see the exact figure regardless of the disclosure flag: a municipality
    its own rows; Socialstyrelsen's analysts and admins every aggregate (they are inside the data controller)."""
    if viewer.is_municipality:
        return kommunekode == viewer.kommunekode
    return pd.Series(viewer.sees_all_municipalities, index=kommunekode.index)


PRIMARY, SECONDARY = "primary", "secondary"


def policy_marks(frame: pd.DataFrame) -> pd.Series:
    """The public policy's verdict per row: 'primary', 'secondary' or None (published).

    'not_public': the row is outside the public table's grain (marts.indicators.public false): it goes
    through the policy like a hidden cell (a municipality sees it for itself only; shown "ikke offentlig").
    Fails closed: a suppressed row without a (known) reason, or a null flag, counts as 'secondary'
    (shown "skjult", which claims nothing about the size of the hidden value)."""
    flag = frame["suppressed"].astype("boolean").fillna(True).astype(bool)
    if "public" in frame:
        flag |= ~frame["public"].astype("boolean").fillna(False).astype(bool)
    reason = frame["suppression"] if "suppression" in frame else pd.Series(None, index=frame.index, dtype=object)
    marks = reason.where(reason.isin([PRIMARY, SECONDARY, NOT_PUBLIC]), SECONDARY)
    return marks.where(flag, None).astype(object)


def blank_suppressed(viewer: Viewer, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank value/numerator/denominator where the public policy hides the cell and the viewer may not see
    it exactly (`sees_exact`); add `is_hidden` (blanked for this viewer) and `mark` (`policy_marks`:
    for a hidden cell why it is hidden, for an analyst the mark beside a number that may not be published;
    None on a municipality's own rows, which it sees in full and which are its own to publish).

    Fails closed: a null flag hides the row outside the exact view (the column itself is in the
    mart's enforced dbt contract).
    """
    if frame.empty:
        frame["is_hidden"] = pd.Series(dtype=bool)
        frame["mark"] = pd.Series(dtype=object)
        return frame
    marks = policy_marks(frame)
    exact = sees_exact(viewer, frame["kommunekode"])
    hide = marks.notna() & ~exact
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64").where(~hide)
    frame["is_hidden"] = hide
    own = exact & ~pd.Series(viewer.sees_all_municipalities, index=frame.index)
    frame["mark"] = marks.where(~own, None)
    return frame


def course_ids_for(viewer: Viewer, frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Course-level rows as the viewer may see them: a municipality its own forloeb_id; analysts a
    keyed pseudonym (column `forloeb_pseudonym`) and no free-text `details` (it may name the local id)."""
    if not viewer.sees_all_municipalities or frame.empty:
        return frame
    frame["forloeb_id"] = [
        course_pseudonym(k, i, f, key)
        for k, i, f in zip(frame["kommunekode"], frame["indsats"], frame["forloeb_id"], strict=True)
    ]
    # errors="ignore": the fidelity drill-down's rows have no free text to drop
    return frame.rename(columns={"forloeb_id": "forloeb_pseudonym"}).drop(columns=["details"], errors="ignore")


_LIST_PREFIX = re.compile(r"^(Forløb(?:, fx)?: )(.*)$", re.DOTALL)
SAME_PERSON = "samme borger som forløb "


def _split_top_level(text: str) -> list[str]:
    """'a (x, y), b' → ['a (x, y)', 'b']: split on ', ' outside parentheses."""
    parts, depth, current = [], 0, ""
    i = 0
    while i < len(text):
        char = text[i]
        depth += (char == "(") - (char == ")")
        if depth == 0 and text.startswith(", ", i):
            parts.append(current)
            current, i = "", i + 2
            continue
        current += char
        i += 1
    parts.append(current)
    return parts


def _pseudonymise_course_list(text: object, kommunekode: str, indsats: str, key: bytes) -> object:
    """'Forløb: 101-1 (samme borger som forløb 101-2), 101-3' with every course id as its pseudonym."""
    if not isinstance(text, str):
        return text
    found = _LIST_PREFIX.match(text)
    if not found:
        return text

    def alias(course: str) -> str:
        return course_pseudonym(kommunekode, indsats, course.strip(), key)

    items = []
    for item in _split_top_level(found.group(2)):
        course, _, details = item.partition(" (")
        if details.endswith(")"):
            details = details[:-1]
            if details.startswith(SAME_PERSON):
                others = details[len(SAME_PERSON):].split(", ")
                details = SAME_PERSON + ", ".join(alias(o) for o in others)
            items.append(f"{alias(course)} ({details})")
        else:
            items.append(alias(item))
    return found.group(1) + ", ".join(items)


def feedback_for(viewer: Viewer, frame: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """Data-quality feedback rows (marts.dq_feedback) as the viewer may see them: a municipality its own
    course ids; analysts the same keyed pseudonyms as `course_ids_for` in the course lists of `found_in`
    (incomplete fields, inconsistencies, "samme borger" pairs)."""
    if not viewer.sees_all_municipalities or frame.empty or "found_in" not in frame:
        return frame
    frame = frame.copy()
    frame["found_in"] = [
        _pseudonymise_course_list(text, k, i, key)
        for text, k, i in zip(frame["found_in"], frame["kommunekode"], frame["indsats"], strict=True)
    ]
    return frame
