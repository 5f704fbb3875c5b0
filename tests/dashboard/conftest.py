"""Fixtures for the dashboard tests: a published test warehouse in an isolated data home."""

from __future__ import annotations

import pytest
from dashboard_fixture import build_test_warehouse

from udbredelse.settings import Settings


@pytest.fixture
def published(settings: Settings) -> Settings:
    build_test_warehouse(settings)
    return settings


@pytest.fixture(autouse=True)
def _validate_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Validate every Altair chart against the Vega-Lite schema while testing (skipped in production)."""
    monkeypatch.setenv("DASHBOARD_VALIDATE_CHARTS", "1")
