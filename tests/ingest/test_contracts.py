"""The contracts in validation/ say what a valid row is; every rule they hold is reported in Danish."""

from __future__ import annotations

import pytest

from udbredelse.catalog import load_catalog
from udbredelse.ingest.messages import MESSAGES
from validation.contracts import (
    ADVISORIES,
    CONTRACTS,
    COURSE_STATUSES,
    MEASUREMENT_POINTS,
    MILESTONE_STATUSES,
    NOT_STARTED_STATUSES,
    ROW_RULES,
    STARTED_STATUSES,
)

MODELS = [*CONTRACTS.values(), *ADVISORIES.values()]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_row_rule_has_a_report_entry_and_a_danish_message(model) -> None:
    names = [check.name for check in model.to_schema().checks]
    for name in names:
        assert name in ROW_RULES, f"{model.__name__}.{name} has no ROW_RULES entry"
        assert name in MESSAGES, f"{name} has no Danish message"
    assert len(names) == len(set(names))


def test_every_reported_rule_is_a_check_of_some_model() -> None:
    checks = {check.name for model in MODELS for check in model.to_schema().checks}
    assert set(ROW_RULES) == checks


def test_code_lists_are_the_catalogs() -> None:
    common = load_catalog().common
    assert COURSE_STATUSES == [s["code"] for s in common["statuses"]]
    assert MEASUREMENT_POINTS == [s["code"] for s in common["measurement_points"]]
    assert MILESTONE_STATUSES == [s["code"] for s in common["milestone_statuses"]]
    assert set(STARTED_STATUSES) | set(NOT_STARTED_STATUSES) == set(COURSE_STATUSES)
    assert not set(STARTED_STATUSES) & set(NOT_STARTED_STATUSES)
