"""Fast checks of the login rules (the browser test against a real provider is test_oidc_login.py), and that
the deployment's Keycloak realm and the README send and document the same claims as the test provider."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from tests.auth.oidc_fixture import USERS
from tests.dashboard.dashboard_fixture import APP, build_test_warehouse
from udbredelse.settings import PROJECT_ROOT, Settings

REALM = PROJECT_ROOT / "deploy" / "keycloak" / "realm-udbredelse.json"
AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "c" * 64, "client_id": "x",
        "client_secret": "y", "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration"}


def test_session_ends_with_the_identity_token() -> None:
    now = time.time()
    auth.check_not_expired({"exp": now + 60}, now=now)
    for claims in ({"exp": now}, {"exp": now - 1}, {}, {"exp": "snart"}, {"exp": None}):
        with pytest.raises(auth.SessionExpired, match="Din session er udløbet"):
            auth.check_not_expired(claims, now=now)


def _app(settings: Settings, user: dict) -> AppTest:
    build_test_warehouse(settings)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **user}
    return at.run()


def test_expired_login_shows_the_login_page_and_nothing_else(settings: Settings) -> None:
    at = _app(settings, {**USERS["kbh-medarbejder"]["claims"], "exp": time.time() - 5})
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Log ind"]
    assert [w.value for w in at.warning] == ["Din session er udløbet. Log ind igen."]
    assert at.button(key="login_oidc").label == "Log ind"
    assert not at.metric


def test_login_without_role_is_refused_with_a_way_out(settings: Settings) -> None:
    at = _app(settings, {**USERS["uden-rolle"]["claims"], "exp": time.time() + 600})
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Ingen adgang"]
    assert [e.value for e in at.error] == ["Din bruger har ikke adgang til dashboardet. Kontakt Socialstyrelsen."]
    assert at.button(key="logout_refused").label == "Log ud"
    assert not at.metric


def _realm_claims(realm: dict, user: dict) -> dict[str, str]:
    """The role claims Keycloak puts in a user's ID token (user attributes, else those of its groups)."""
    groups = {g["path"]: g.get("attributes", {}) for g in realm["groups"]}
    client = next(c for c in realm["clients"] if c["clientId"] == "udbredelse-dashboard")
    claims = {}
    for mapper in client["protocolMappers"]:
        config = mapper["config"]
        assert mapper["protocolMapper"] == "oidc-usermodel-attribute-mapper"
        assert config["id.token.claim"] == "true"  # Streamlit reads the ID token, not userinfo
        values = user.get("attributes", {}).get(config["user.attribute"]) or [
            v for path in user.get("groups", []) for v in groups[path].get(config["user.attribute"], [])]
        if values:
            claims[config["claim.name"]] = values[0]
    return claims


def test_keycloak_realm_maps_the_same_claims_as_the_test_provider() -> None:
    realm = json.loads(REALM.read_text(encoding="utf-8"))
    kinds = {}
    for user in realm["users"]:
        claims = _realm_claims(realm, user)
        kind = (claims.get("udbredelse_role"), "kommunekode" in claims)
        kinds.setdefault(kind, user["username"])
        assert set(claims) <= {"udbredelse_role", "kommunekode"}
    # The three kinds of user the provider test logs in: municipality (with kommunekode), analyst, no role.
    test_kinds = {(u["claims"].get("udbredelse_role"), "kommunekode" in u["claims"]) for u in USERS.values()}
    assert test_kinds <= set(kinds), kinds
    client = next(c for c in realm["clients"] if c["clientId"] == "udbredelse-dashboard")
    redirect = client["redirectUris"][0]
    assert redirect.endswith("/oauth2callback")
    # st.logout sends the redirect URI as post_logout_redirect_uri
    assert re.fullmatch(client["attributes"]["post.logout.redirect.uris"].replace("*", ".*"), redirect)
    assert client["standardFlowEnabled"] and not client["implicitFlowEnabled"] and not client["publicClient"]
    # The dashboard session lasts as long as the ID token: a working day, not Keycloak's default 5 minutes.
    assert int(client["attributes"]["access.token.lifespan"]) == 8 * 3600


def test_readme_oidc_section_says_what_the_test_configures() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Login (OIDC)", 1)[1].split("\n## ", 1)[0]
    for word in ("udbredelse_role", "kommunekode", "kommune", "analyst", "admin", "ID token", "/oauth2callback",
                 "exp", "redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url",
                 "OIDC_REDIRECT_URI", "OIDC_COOKIE_SECRET", "end_session_endpoint", "tests/auth/",
                 "select_account", "127.0.0.1", "--address"):
        assert word in section, word
    provider = (Path(__file__).parent / "provider" / "provider.mjs").read_text(encoding="utf-8")
    assert "conformIdTokenClaims: false" in provider  # the claims travel in the ID token, as the README says


def test_dashboard_does_not_start_in_production_without_keys(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    from udbredelse import cli

    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    started = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda *a, **k: started.append(True))
    assert cli.main(["dashboard"]) == 2
    assert "UDBREDELSE_PSEUDONYM_KEY er ikke sat" in capsys.readouterr().err
    assert not started


def test_dashboard_listens_on_loopback_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from udbredelse import cli

    monkeypatch.setattr(sys, "argv", list(sys.argv))  # cmd_dashboard hands Streamlit its argv through sys.argv
    seen: list[list[str]] = []
    monkeypatch.setattr("streamlit.web.cli.main", lambda *a, **k: seen.append(list(sys.argv)))
    monkeypatch.delenv("STREAMLIT_SERVER_ADDRESS", raising=False)
    for argv, env in ((["dashboard"], None), (["dashboard", "--address", "0.0.0.0"], None),  # noqa: S104
                      (["dashboard"], "10.0.0.5")):
        if env:
            monkeypatch.setenv("STREAMLIT_SERVER_ADDRESS", env)
        assert cli.main(argv) == 0
    addresses = [next(a for a in args if a.startswith("--server.address=")) for args in seen]
    assert addresses == ["--server.address=127.0.0.1", "--server.address=0.0.0.0", "--server.address=10.0.0.5"]
