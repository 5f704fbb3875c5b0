"""Viewer scoping, the heart of isolation: which rows a viewer may see and what is blanked for them.

- a municipality user ('kommune') gets its own municipality's rows in full, and other
  municipalities only as the national aggregate ('000') with suppressed cells blanked; asking
  for another kommunekode raises `AccessDenied`;
- analysts/admins get every municipality, with the suppression policy applied (cross-municipality
  view) and course ids replaced by a keyed pseudonym (`udbredelse.pseudonym.course_pseudonym`).

Every query in `dashboard.queries` calls these; pages never scope rows themselves.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.viewer import NATIONAL, AccessDenied, Viewer
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
    """True where the viewer may see the exact figure regardless of the disclosure flag (own rows)."""
    if viewer.is_municipality:
        return kommunekode == viewer.kommunekode
    return pd.Series(False, index=kommunekode.index)


def blank_suppressed(viewer: Viewer, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank value/numerator/denominator where suppressed and the row is not the viewer's own.

    Fails closed: a null flag hides the row outside the own view (the column itself is in the
    mart's enforced dbt contract).
    """
    if frame.empty:
        return frame
    hide = frame["suppressed"].fillna(True).astype(bool) & ~sees_exact(viewer, frame["kommunekode"])
    for column in ("value", "numerator", "denominator"):
        frame[column] = frame[column].astype("float64").where(~hide)
    frame["is_hidden"] = hide
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
