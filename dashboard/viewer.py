"""Who is looking: the role and, for a municipality user, the one municipality they are bound to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from udbredelse.disclosure import NATIONAL

Role = Literal["kommune", "analyst", "admin"]
ROLES: tuple[str, ...] = ("kommune", "analyst", "admin")
ROLE_LABELS = {"kommune": "Kommune", "analyst": "Analytiker (Socialstyrelsen)", "admin": "Administrator"}
_KOMMUNEKODE = re.compile(r"^[0-9]{3}$")


class AccessDenied(PermissionError):
    """A viewer asked for data outside what their role may see (message in Danish)."""


@dataclass(frozen=True)
class Viewer:
    """A logged-in user. A municipality user ('kommune') is bound to exactly one kommunekode."""

    role: Role
    kommunekode: str | None = None
    name: str = ""
    subject: str = ""  # e-mail or OIDC subject; written to the audit log
    login: Literal["demo", "oidc"] = "demo"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise AccessDenied(f"Ukendt rolle: {self.role!r}.")
        if self.role == "kommune":
            if not self.kommunekode or not _KOMMUNEKODE.match(self.kommunekode) or self.kommunekode == NATIONAL:
                raise AccessDenied("En kommunebruger skal være knyttet til præcis én gyldig kommunekode.")
        elif self.kommunekode is not None:
            raise AccessDenied("Kun kommunebrugere er knyttet til en kommune.")

    @property
    def is_municipality(self) -> bool:
        return self.role == "kommune"

    @property
    def sees_all_municipalities(self) -> bool:
        return self.role in ("analyst", "admin")

    @property
    def label(self) -> str:
        """The person's name and role as a reader sees it; never the login subject (an e-mail or 'demo:…')."""
        where = f" · kommune {self.kommunekode}" if self.kommunekode else ""
        return f"{self.name} ({ROLE_LABELS[self.role]}{where})" if self.name else f"{ROLE_LABELS[self.role]}{where}"
