"""The dashboard's production login through a real OpenID Connect provider, in headless Chromium.

A real provider (node-oidc-provider, tests/auth/provider/, pinned by its package-lock.json) runs on
127.0.0.1 with three users: a municipality user (udbredelse_role=kommune, kommunekode=101), an analyst
and a user without a role. `udbredelse dashboard` runs in production mode (generated keys) with the
[auth] section that deploy/streamlit/render_secrets.py writes from the same OIDC_* variables the
deployment sets. Chromium logs in through the provider's login form, as a person would.
"""

from __future__ import annotations

import json
import os
import queue
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from itsdangerous import URLSafeTimedSerializer

from tests.auth.oidc_fixture import ANALYST_TOKEN_SECONDS, USERS
from tests.dashboard.dashboard_fixture import OTHER_SECRET_COURSE, build_test_warehouse
from udbredelse.settings import PROJECT_ROOT, get_settings

CHROMIUM = Path("/usr/bin/chromium")
PROVIDER_DIR = Path(__file__).parent / "provider"
NODE = shutil.which("node")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
USER_COOKIE = "_streamlit_user"  # Streamlit's signed identity cookie

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(NODE is None, reason="Node.js er ikke installeret (node): OIDC-testudbyderen kan ikke køre"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium er ikke installeret (/usr/bin/chromium)"),
]

# Records whether Streamlit's English "Page not found" ever appears, even for a moment.
PAGE_NOT_FOUND_WATCH = """
window.__pageNotFound = false;
new MutationObserver(() => {
  if ((document.documentElement.textContent || '').includes('Page not found')) window.__pageNotFound = true;
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("UDBREDELSE_", "OIDC_", "STREAMLIT_"))}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Provider + dashboard, shared by the tests of this module (each test has its own browser context)."""
    base = tmp_path_factory.mktemp("oidc")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():  # .ci/run has done this already
        npm = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, capture_output=True,  # noqa: S603, S607
                             text=True, timeout=600)
        if npm.returncode != 0:
            pytest.fail(f"npm ci i {PROVIDER_DIR} fejlede:\n{npm.stdout}\n{npm.stderr}")

    dashboard_port = _free_port()
    dashboard_url = f"http://127.0.0.1:{dashboard_port}"
    redirect_uri = f"{dashboard_url}/oauth2callback"
    client = {"client_id": "udbredelse-dashboard", "client_secret": secrets.token_urlsafe(32),
              "redirect_uris": [redirect_uri], "post_logout_redirect_uris": [redirect_uri]}
    users = {name: {**user, "password": secrets.token_urlsafe(12)} for name, user in USERS.items()}
    config = base / "provider.json"
    config.write_text(json.dumps({"client": client, "users": users}), encoding="utf-8")

    provider_log = (base / "provider.log").open("wb")
    provider = subprocess.Popen([NODE, str(PROVIDER_DIR / "provider.mjs"), str(config)], cwd=PROVIDER_DIR,  # noqa: S603
                                stdout=subprocess.PIPE, stderr=provider_log, start_new_session=True)
    processes = [provider]
    logs = [provider_log]
    try:
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=lambda: lines.put(provider.stdout.readline()), daemon=True).start()
        try:
            issuer = json.loads(lines.get(timeout=60))["issuer"]
        except (queue.Empty, ValueError):
            raise RuntimeError(f"OIDC-udbyderen startede ikke: {(base / 'provider.log').read_text()}") from None
        assert issuer.startswith("http://127.0.0.1:")

        # A published warehouse (the small test warehouse of tests/dashboard), built in demo mode; the
        # dashboard then reads it in production mode with keys of its own.
        home = base / "home"
        build_test_warehouse(get_settings(home=home, mode="demo"))

        # [auth] exactly as the deployment writes it (deploy/streamlit/render_secrets.py), from the OIDC_*
        # variables; Streamlit reads ./.streamlit/secrets.toml from its working directory.
        workdir = base / "dashboard"
        (workdir / "home").mkdir(parents=True)
        cookie_secret = secrets.token_hex(32)
        oidc_env = {"OIDC_SERVER_METADATA_URL": f"{issuer}/.well-known/openid-configuration",
                    "OIDC_CLIENT_ID": client["client_id"], "OIDC_CLIENT_SECRET": client["client_secret"],
                    "OIDC_REDIRECT_URI": redirect_uri, "OIDC_COOKIE_SECRET": cookie_secret}
        subprocess.run([sys.executable, str(PROJECT_ROOT / "deploy" / "streamlit" / "render_secrets.py"),  # noqa: S603
                        str(workdir / ".streamlit" / "secrets.toml")], env={**_clean_env(), **oidc_env}, check=True,
                       capture_output=True)

        env = {**_clean_env(), "HOME": str(workdir / "home"), "UDBREDELSE_HOME": str(home),
               "UDBREDELSE_MODE": "production", "UDBREDELSE_PSEUDONYM_KEY": secrets.token_hex(32),
               "UDBREDELSE_VAULT_KEY": secrets.token_hex(32), "STREAMLIT_SERVER_PORT": str(dashboard_port),
               "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}  # no address: the default must be loopback
        dashboard_log = (base / "dashboard.log").open("wb")
        logs.append(dashboard_log)
        dashboard = subprocess.Popen([sys.executable, "-m", "udbredelse.cli", "dashboard"], cwd=workdir, env=env,  # noqa: S603
                                     stdout=dashboard_log, stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(dashboard)
        deadline = time.monotonic() + 120
        while True:
            if dashboard.poll() is not None:
                raise RuntimeError(f"udbredelse dashboard stoppede: {(base / 'dashboard.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{dashboard_url}/_stcore/health", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("dashboardet svarede ikke") from None
                time.sleep(0.5)
        yield {"url": dashboard_url, "port": dashboard_port, "issuer": issuer, "users": users,
               "cookie_secret": cookie_secret, "log": base / "dashboard.log"}
    finally:
        for process in reversed(processes):
            _stop(process)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def browser(stack: dict[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=60_000)  # a cold Streamlit run on a busy 2-core machine
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            expect.set_options(timeout=5_000)  # playwright's default, for the other modules


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (no cookies at the dashboard or the provider) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1400}, locale="da-DK")
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def _login(page: Any, stack: dict[str, Any], user: str, path: str = "") -> None:
    """From the dashboard's login page through the provider's login form and back."""
    from playwright.sync_api import expect

    page.goto(stack["url"] + path, wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    page.get_by_role("button", name="Log ind").click()
    _provider_form(page, stack, user)


def _provider_form(page: Any, stack: dict[str, Any], user: str) -> None:
    from playwright.sync_api import expect

    page.wait_for_url(re.compile(re.escape(stack["issuer"]) + r"/interaction/"))
    expect(page.get_by_role("heading", name="Log ind hos testkommunens IdP")).to_be_visible()
    page.get_by_label("Brugernavn").fill(user)
    page.get_by_label("Adgangskode").fill(stack["users"][user]["password"])
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(re.compile(re.escape(stack["url"] + "/")))


def _identity(page: Any, stack: dict[str, Any]) -> dict[str, Any]:
    """The claims in Streamlit's signed identity cookie (read with the cookie secret, as Streamlit does)."""
    value = next(c["value"] for c in page.context.cookies(stack["url"]) if c["name"] == USER_COOKIE)
    return json.loads(URLSafeTimedSerializer(stack["cookie_secret"], salt=USER_COOKIE).loads(value))


def _settled(page: Any) -> None:
    """Wait until Streamlit has finished running the page script (its status widget is gone)."""
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def _body(page: Any) -> str:
    _settled(page)
    return page.locator("body").inner_text()


def _nav_links(page: Any) -> list[str]:
    _settled(page)
    # each link reads "<icon name>\n\n<title>"
    return [text.split("\n")[-1] for text in page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()]


def test_dashboard_listens_on_loopback_only(stack: dict[str, Any]) -> None:
    """`udbredelse dashboard` without --address or STREAMLIT_SERVER_ADDRESS binds 127.0.0.1 only."""
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == stack["port"]:
                listening.append(address)
    assert listening == ["0100007F"], listening  # 127.0.0.1, nothing on 0.0.0.0 or ::


def test_municipality_user_sees_its_own_municipality_and_no_other(page: Any, stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _login(page, stack, "kbh-medarbejder")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^København · "))).to_be_visible()
    expect(page.get_by_text("Karen Kommune (Kommune · kommune 101)")).to_be_visible()
    expect(page.locator('[data-testid="stMetricValue"]').first).to_be_visible()
    assert "DEMO" not in _body(page)
    assert "Nationalt overblik" not in _nav_links(page) and "Overblik" in _nav_links(page)
    claims = _identity(page, stack)
    assert (claims["udbredelse_role"], claims["kommunekode"], claims["iss"]) == ("kommune", "101", stack["issuer"])

    # Another municipality through the address bar: the page stays on the user's own municipality.
    page.goto(f"{stack['url']}/overblik?kommune=147", wait_until="domcontentloaded")
    expect(page.get_by_text(re.compile(r"^København · "))).to_be_visible()
    page.goto(f"{stack['url']}/opmaerksomhed?kommune=147", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Forløb der kræver opmærksomhed")).to_be_visible()
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Indsats").click()
    page.get_by_role("option", name=re.compile("MOVE")).click()
    with page.expect_download() as download:  # the list as the user gets it (the table itself is a canvas)
        page.get_by_role("button", name="Hent som CSV").first.click()
    listed = Path(download.value.path()).read_text(encoding="utf-8")
    assert "KBH-0001" in listed and OTHER_SECRET_COURSE not in listed
    assert "Frederiksberg" not in _body(page)
    # The analysts' page is not shown to a municipality user: a Danish notice at its address.
    page.goto(f"{stack['url']}/nationalt", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Siden er ikke tilgængelig")).to_be_visible()
    expect(page.get_by_role("heading", name="Nationalt overblik")).to_have_count(0)
    assert "Frederiksberg" not in _body(page)


def test_analyst_sees_nationalt_overblik_until_the_identity_token_expires(page: Any, stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _login(page, stack, "analytiker")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible()
    page.locator('[data-testid="stSidebarNavLink"]', has_text="Nationalt overblik").click()
    expect(page.get_by_role("heading", name="Nationalt overblik")).to_be_visible()
    expect(page.get_by_text("Alle kommuner × indsatser", exact=False)).to_be_visible()
    claims = _identity(page, stack)
    assert claims["udbredelse_role"] == "analyst" and "kommunekode" not in claims
    assert claims["exp"] - claims["iat"] == ANALYST_TOKEN_SECONDS

    # The identity token expires: the next page load is refused, with the Danish notice, and shows nothing.
    time.sleep(max(0.0, claims["exp"] - time.time()) + 1)
    page.goto(f"{stack['url']}/nationalt", wait_until="domcontentloaded")
    expect(page.get_by_text("Din session er udløbet. Log ind igen.")).to_be_visible()
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    expect(page.get_by_role("heading", name="Nationalt overblik")).to_have_count(0)
    assert _nav_links(page) == [] and "Alle kommuner" not in _body(page)

    # Logging in again gives a fresh token and the page back.
    page.get_by_role("button", name="Log ind").click()
    _provider_form(page, stack, "analytiker")
    page.goto(f"{stack['url']}/nationalt", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Nationalt overblik")).to_be_visible()
    assert _identity(page, stack)["exp"] > claims["exp"]


def test_user_without_role_gets_the_danish_refusal_and_no_page(page: Any, stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _login(page, stack, "uden-rolle")
    expect(page.get_by_role("heading", name="Ingen adgang")).to_be_visible()
    expect(page.get_by_text("Din bruger har ikke adgang til dashboardet. Kontakt Socialstyrelsen.")).to_be_visible()
    assert _nav_links(page) == []
    for path in ("/overblik", "/nationalt", "/opmaerksomhed"):
        page.goto(stack["url"] + path, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Ingen adgang")).to_be_visible()
        expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(0)
        assert "København" not in _body(page) and _nav_links(page) == []
    # The refused user can log out (to log in with another account).
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("button", name="Ja, log mig ud").click()
    page.wait_for_url(re.compile(re.escape(stack["url"] + "/")))
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()


def test_logout_ends_the_session_here_and_at_the_provider(page: Any, stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _login(page, stack, "kbh-medarbejder")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible()
    page.get_by_role("button", name="Log ud").click()
    page.wait_for_url(re.compile(re.escape(stack["issuer"]) + r"/session/end"))  # RP-initiated logout
    page.get_by_role("button", name="Ja, log mig ud").click()
    page.wait_for_url(re.compile(re.escape(stack["url"] + "/")))
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    assert USER_COOKIE not in {c["name"] for c in page.context.cookies(stack["url"])}

    page.goto(f"{stack['url']}/overblik", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    expect(page.get_by_role("heading", name="Overblik")).to_have_count(0)
    # The provider's session has ended too: logging in asks for the password again.
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(re.compile(re.escape(stack["issuer"]) + r"/interaction/"))
    expect(page.get_by_label("Adgangskode")).to_be_visible()


def test_tampered_or_forged_identity_cookie_is_refused(page: Any, stack: dict[str, Any]) -> None:
    from playwright.sync_api import expect

    _login(page, stack, "kbh-medarbejder")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible()
    claims = _identity(page, stack)
    genuine = next(c for c in page.context.cookies(stack["url"]) if c["name"] == USER_COOKIE)
    escalated = json.dumps({**claims, "udbredelse_role": "analyst", "kommunekode": "147"})

    # Tampered: the payload changed, the signature kept; forged: signed with a guessed secret.
    # (itsdangerous: "<payload>.<timestamp>.<signature>", the payload itself may start with "." when compressed)
    payload = URLSafeTimedSerializer("x" * 64, salt=USER_COOKIE).dumps(escalated).rsplit(".", 2)[0]
    tampered = ".".join([payload, *genuine["value"].rsplit(".", 2)[1:]])
    assert tampered != genuine["value"]
    forged = URLSafeTimedSerializer(secrets.token_hex(32), salt=USER_COOKIE).dumps(escalated)
    for value in (tampered, forged):
        page.context.add_cookies([{**genuine, "value": value}])
        page.goto(f"{stack['url']}/nationalt", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
        expect(page.get_by_role("heading", name="Nationalt overblik")).to_have_count(0)
        expect(page.get_by_role("heading", name="Overblik")).to_have_count(0)
        assert _nav_links(page) == [] and "Frederiksberg" not in _body(page)


def test_deep_link_survives_the_oidc_login(page: Any, stack: dict[str, Any]) -> None:
    """Logged out, a colleague's link to a page with parameters; after the provider's login form the user
    lands on that page with its parameters (Streamlit's callback itself always returns to the root)."""
    from playwright.sync_api import expect

    _log_in_through_link(page, stack, "/fidelitet?indsats=MOVE")
    expect(page.get_by_role("heading", name="Fidelitet")).to_be_visible()
    page.wait_for_url(re.compile(re.escape(stack["url"]) + r"/fidelitet\?indsats=MOVE$"))
    # MOVE, as the link said, with MOVE's rules (the default, CTI - the first intervention - has none here)
    expect(page.get_by_role("combobox", name="Regel")).to_be_visible()
    expect(page.get_by_text("Tjek registreringen af samtaler.")).to_be_visible()  # the MOVE rule's guidance
    expect(page.get_by_text("Der er ingen fidelitetsregler målt for indsatsen endnu.")).to_have_count(0)
    # The link is used once: the app's root afterwards is Overblik, not the old link.
    page.goto(stack["url"] + "/", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Overblik")).to_be_visible()
    assert "udbredelse_deep_link" not in {c["name"] for c in page.context.cookies(stack["url"])}
    assert page.evaluate("window.__pageNotFound") is False


def test_analyst_page_address_gives_a_municipality_a_danish_notice_through_the_login(
        page: Any, stack: dict[str, Any]) -> None:
    """A municipality user following a link to an analysts' page: the login, then a Danish notice at that
    address - never Streamlit's English "Page not found", not even for a moment - and no figure."""
    from playwright.sync_api import expect

    _log_in_through_link(page, stack, "/nationalt?kommune=147")
    expect(page.get_by_role("heading", name="Siden er ikke tilgængelig")).to_be_visible()
    expect(page.get_by_text("Siden «Nationalt overblik» er kun for Socialstyrelsens analytikere og administratorer."
                            )).to_be_visible()
    assert "/nationalt" in page.url
    for path in ("/eksport", "/revisionslog", "/nationalt"):
        page.goto(stack["url"] + path, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Siden er ikke tilgængelig")).to_be_visible()
        body = _body(page)
        assert "Frederiksberg" not in body and "Page not found" not in body
        assert "Nationalt overblik" not in _nav_links(page) and "Overblik" in _nav_links(page)
    expect(page.locator('[data-testid="stMetricValue"]')).to_have_count(0)
    assert page.evaluate("window.__pageNotFound") is False


def _log_in_through_link(page: Any, stack: dict[str, Any], address: str) -> None:
    """Logged out, open a link to `address` (watching for "Page not found"), then log in as a municipality
    user through the provider's form."""
    from playwright.sync_api import expect

    page.context.add_init_script(PAGE_NOT_FOUND_WATCH)
    page.goto(f"{stack['url']}{address}", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name="Log ind")).to_be_visible()
    _settled(page)
    page.get_by_role("button", name="Log ind").click()
    _provider_form(page, stack, "kbh-medarbejder")
