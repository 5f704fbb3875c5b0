"""Write Streamlit's secrets.toml ([auth] for st.login via OIDC) from the environment, then exit.

Used by the dashboard container before `udbredelse dashboard`, so no secret sits in the image or
the repository. Environment (docker-compose.yml sets them, from .env):

  OIDC_SERVER_METADATA_URL  e.g. http://keycloak:8080/realms/udbredelse/.well-known/openid-configuration
  OIDC_CLIENT_ID            e.g. udbredelse-dashboard
  OIDC_CLIENT_SECRET        the client's secret in the identity provider
  OIDC_REDIRECT_URI         e.g. http://localhost:8501/oauth2callback (must be registered at the provider)
  OIDC_COOKIE_SECRET        random string that signs Streamlit's login cookie

Without OIDC_CLIENT_ID nothing is written (the dashboard then falls back to its demo login, in demo
mode only). Usage: python deploy/streamlit/render_secrets.py [PATH]  (default ~/.streamlit/secrets.toml)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REQUIRED = ("OIDC_SERVER_METADATA_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_REDIRECT_URI", "OIDC_COOKIE_SECRET")


def render(env: dict[str, str]) -> str | None:
    """The secrets.toml text, or None when OIDC is not configured. Raises on a half configuration."""
    if not env.get("OIDC_CLIENT_ID"):
        return None
    missing = [name for name in REQUIRED if not env.get(name)]
    if missing:
        raise SystemExit(f"OIDC er kun delvist sat op; mangler: {', '.join(missing)}")
    values = {
        "redirect_uri": env["OIDC_REDIRECT_URI"],
        "cookie_secret": env["OIDC_COOKIE_SECRET"],
        "client_id": env["OIDC_CLIENT_ID"],
        "client_secret": env["OIDC_CLIENT_SECRET"],
        "server_metadata_url": env["OIDC_SERVER_METADATA_URL"],
    }
    # TOML basic strings accept JSON string escapes, so json.dumps quotes every value safely.
    lines = ["[auth]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else Path.home() / ".streamlit" / "secrets.toml"
    text = render(dict(os.environ))
    if text is None:
        print("OIDC er ikke sat op (OIDC_CLIENT_ID mangler): dashboardet bruger demo-login i demotilstand.")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    target.chmod(0o600)
    print(f"Streamlit-login (OIDC) sat op: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
