"""One settings object, read from the environment (UDBREDELSE_*), with paths under the data home."""

from __future__ import annotations

import base64
import binascii
import hashlib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_ROOT = Path(__file__).resolve().parent

# Demo-only secrets. They are public by construction (they sit in the repository), so the
# settings refuse them outside demo mode; production must supply its own through the environment.
DEMO_PSEUDONYM_KEY = hashlib.sha256(b"udbredelse demo pseudonym key - never use in production").hexdigest()
DEMO_VAULT_KEY = hashlib.sha256(b"udbredelse demo vault key - never use in production").hexdigest()

MIN_KEY_BYTES = 32


class SettingsError(RuntimeError):
    """Configuration that the platform refuses to start with (message in Danish)."""


def decode_key(value: str) -> bytes:
    """Decode a secret given as hex or base64 (standard or URL-safe)."""
    text = value.strip()
    try:
        return bytes.fromhex(text)
    except ValueError:
        pass
    try:
        padded = text + "=" * (-len(text) % 4)
        return base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SettingsError("Nøglen kan ikke læses: angiv den som hex eller base64.") from exc


class Settings(BaseSettings):
    """Runtime configuration. Construct through `get_settings()`; nothing is read at import time."""

    model_config = SettingsConfigDict(env_prefix="UDBREDELSE_", env_file=None, extra="ignore")

    home: Path = Field(default=Path("data"), description="Data folder (inbox, warehouse, exports)")
    mode: Literal["demo", "production"] = "demo"
    pseudonym_key: str | None = Field(default=None, repr=False)
    vault_key: str | None = Field(default=None, repr=False, description="Key for the CPR vault and encrypted archives")
    cohort_recipient: str | None = Field(default=None, description="age public key of the register recipient (DST)")
    catalog_dir: Path | None = Field(default=None, description="Folder with the intervention catalog; default: the packaged one")
    suppression_threshold: int = Field(default=5, ge=3, description="Counts below this are suppressed outside a municipality's own view")
    max_upload_mb: int = Field(default=50, ge=1)
    dbt_threads: int = Field(default=2, ge=1)
    dbt_log_level_file: Literal["debug", "info", "warn", "error"] = Field(
        default="info", description="dbt's file log (logs/dbt/dbt.log); debug writes every SQL statement, ~10 % slower")

    @field_validator("pseudonym_key", "vault_key", "cohort_recipient", "catalog_dir", "suppression_threshold",
                     mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """`UDBREDELSE_PSEUDONYM_KEY=` (as in .env.example, or `${VAR:-}` in docker compose) means not set;
        for the suppression threshold that is the field's default (its one home)."""
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value

    # ---- derived paths (all under the data home) ---------------------------------------
    @cached_property
    def home_path(self) -> Path:
        return self.home if self.home.is_absolute() else (Path.cwd() / self.home)

    @property
    def inbox_dir(self) -> Path:
        return self.home_path / "inbox"

    @property
    def receipts_dir(self) -> Path:
        """Receipts of files handed in through the dashboard (`pipeline.submit_upload`), per municipality."""
        return self.home_path / "receipts"

    @property
    def archive_dir(self) -> Path:
        return self.home_path / "archive"

    @property
    def quarantine_dir(self) -> Path:
        return self.home_path / "quarantine"

    @property
    def reports_dir(self) -> Path:
        return self.home_path / "reports"

    @property
    def warehouse_path(self) -> Path:
        return self.home_path / "warehouse" / "udbredelse.duckdb"

    @property
    def published_path(self) -> Path:
        return self.home_path / "published" / "udbredelse.duckdb"

    @property
    def vault_path(self) -> Path:
        return self.home_path / "vault" / "cpr_vault.duckdb"

    @property
    def exports_dir(self) -> Path:
        return self.home_path / "exports"

    @property
    def quality_dir(self) -> Path:
        return self.home_path / "quality"

    @property
    def logs_dir(self) -> Path:
        return self.home_path / "logs"

    @property
    def dbt_project_dir(self) -> Path:
        """The dbt project: packaged as udbredelse/dbt_project in an installed wheel, else dbt/ of the checkout."""
        packaged = PACKAGE_ROOT / "dbt_project"
        return packaged if (packaged / "dbt_project.yml").is_file() else PROJECT_ROOT / "dbt"

    @property
    def dbt_target_dir(self) -> Path:
        return self.home_path / "dbt" / "target"

    @property
    def catalog_path(self) -> Path:
        return self.catalog_dir or (PACKAGE_ROOT / "catalog")

    # ---- secrets -------------------------------------------------------------------------
    @property
    def is_demo(self) -> bool:
        return self.mode == "demo"

    def _secret(self, value: str | None, demo_value: str, env_name: str) -> bytes:
        if value is None:
            if self.is_demo:
                return bytes.fromhex(demo_value)
            raise SettingsError(
                f"{env_name} er ikke sat. I produktion starter platformen ikke uden en hemmelig nøgle "
                f"på mindst {MIN_KEY_BYTES} tilfældige bytes (hex eller base64)."
            )
        key = decode_key(value)
        if len(key) < MIN_KEY_BYTES:
            raise SettingsError(f"{env_name} er for kort: mindst {MIN_KEY_BYTES} bytes kræves.")
        if not self.is_demo and key.hex() in (DEMO_PSEUDONYM_KEY, DEMO_VAULT_KEY):
            raise SettingsError(f"{env_name} er demo-nøglen, som er offentlig. Den må ikke bruges i produktion.")
        return key

    @property
    def pseudonym_key_bytes(self) -> bytes:
        return self._secret(self.pseudonym_key, DEMO_PSEUDONYM_KEY, "UDBREDELSE_PSEUDONYM_KEY")

    @property
    def vault_key_bytes(self) -> bytes:
        return self._secret(self.vault_key, DEMO_VAULT_KEY, "UDBREDELSE_VAULT_KEY")

    @property
    def pseudonym_key_id(self) -> str:
        """Short public id of the pseudonym key (stored beside each pseudonym; reveals nothing)."""
        return "k" + hashlib.sha256(b"key-id:" + self.pseudonym_key_bytes).hexdigest()[:8]

    def check(self) -> None:
        """Fail fast (in Danish) when the configuration is not fit to run."""
        _ = self.pseudonym_key_bytes
        _ = self.vault_key_bytes

    def ensure_dirs(self) -> None:
        for path in (
            self.inbox_dir, self.archive_dir, self.quarantine_dir, self.reports_dir,
            self.warehouse_path.parent, self.published_path.parent, self.vault_path.parent,
            self.exports_dir, self.quality_dir, self.logs_dir,
        ):
            path.mkdir(parents=True, exist_ok=True)


def get_settings(**overrides: object) -> Settings:
    """Read the settings from the environment now (never cached across calls: tests change it)."""
    return Settings(**overrides)  # type: ignore[arg-type]
