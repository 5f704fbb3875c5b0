"""The users of the test OpenID Connect provider (tests/auth/provider/), with the claims a municipality's IdP
(or Keycloak, deploy/keycloak/realm-udbredelse.json) must send in the identity token."""

from __future__ import annotations

from typing import Any

ANALYST_TOKEN_SECONDS = 40  # the analyst's identity tokens are short-lived, to see a session expire

# A municipality user, an analyst and a user without a role.
USERS: dict[str, dict[str, Any]] = {
    "kbh-medarbejder": {"claims": {"email": "medarbejder@kk.example", "name": "Karen Kommune",
                                   "udbredelse_role": "kommune", "kommunekode": "101"}},
    "analytiker": {"claims": {"email": "analytiker@socialstyrelsen.example", "name": "Anders Analytiker",
                              "udbredelse_role": "analyst"},
                   "id_token_ttl": ANALYST_TOKEN_SECONDS},
    "uden-rolle": {"claims": {"email": "uden.rolle@kk.example", "name": "Ulla Udenrolle"}},
}
