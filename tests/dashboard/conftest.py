"""Fixtures for the dashboard tests: a published test warehouse in an isolated data home."""

from __future__ import annotations

import pytest
from dashboard_fixture import build_test_warehouse

from udbredelse.settings import Settings


@pytest.fixture
def published(settings: Settings) -> Settings:
    build_test_warehouse(settings)
    return settings
