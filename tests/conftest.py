"""Shared fixtures: an isolated data home per test, demo mode, no stray environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from udbredelse.settings import Settings, get_settings

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("UDBREDELSE_"):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UDBREDELSE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("UDBREDELSE_MODE", "demo")
    return tmp_path / "home"


@pytest.fixture
def settings(home: Path) -> Settings:
    s = get_settings()
    s.ensure_dirs()
    return s
