"""Settings refuse unsafe configurations; the catalog loads and becomes tables."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from udbredelse.catalog import load_catalog
from udbredelse.catalog.tables import write_catalog_tables
from udbredelse.settings import PACKAGE_ROOT, Settings, SettingsError, get_settings


def test_production_refuses_to_start_without_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    with pytest.raises(SettingsError, match="UDBREDELSE_PSEUDONYM_KEY"):
        get_settings().check()


def test_production_refuses_short_and_demo_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from udbredelse.settings import DEMO_PSEUDONYM_KEY

    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    monkeypatch.setenv("UDBREDELSE_VAULT_KEY", secrets.token_hex(32))
    monkeypatch.setenv("UDBREDELSE_PSEUDONYM_KEY", secrets.token_hex(16))
    with pytest.raises(SettingsError, match="for kort"):
        get_settings().check()
    monkeypatch.setenv("UDBREDELSE_PSEUDONYM_KEY", DEMO_PSEUDONYM_KEY)
    with pytest.raises(SettingsError, match="demo-nøglen"):
        get_settings().check()


def test_production_accepts_a_real_key_in_base64(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    monkeypatch.setenv("UDBREDELSE_MODE", "production")
    monkeypatch.setenv("UDBREDELSE_PSEUDONYM_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
    monkeypatch.setenv("UDBREDELSE_VAULT_KEY", secrets.token_hex(32))
    settings = get_settings()
    settings.check()
    assert len(settings.pseudonym_key_bytes) == 32
    assert settings.pseudonym_key_id.startswith("k") and len(settings.pseudonym_key_id) == 9


def test_catalog_has_demo_interventions_and_98_municipalities() -> None:
    catalog = load_catalog(PACKAGE_ROOT / "catalog")
    assert set(catalog.interventions) >= {"MOVE", "CTI", "SOS", "EFEI"}
    assert len(catalog.municipalities) == 98
    assert catalog.municipalities["101"].kommunenavn == "København"
    assert catalog.municipalities["860"].kommunenavn == "Hjørring"
    assert not catalog.interventions["EFEI"].collects_cpr
    assert {"borger_ophoert", "udeblevet", "flyttet", "doed", "anden"} <= catalog.end_codes("MOVE")


def test_adding_an_intervention_is_a_catalog_change(tmp_path: Path) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(PACKAGE_ROOT / "catalog", folder)
    move = yaml.safe_load((folder / "interventions" / "move.yaml").read_text(encoding="utf-8"))
    move.update(code="NYIND", name="Ny indsats")
    (folder / "interventions" / "ny.yaml").write_text(yaml.safe_dump(move, allow_unicode=True), encoding="utf-8")
    catalog = load_catalog(folder)
    con = duckdb.connect()
    write_catalog_tables(con, catalog, Settings().suppression_threshold)
    rules = con.execute("select count(*) from catalog.fidelity_rules where indsats = 'NYIND'").fetchone()[0]
    assert rules == len(move["fidelity_rules"])
