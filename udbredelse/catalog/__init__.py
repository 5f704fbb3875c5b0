"""The intervention catalog: interventions, codes, fidelity rules, instruments and milestones as data.

Adding an intervention means adding a YAML file under `interventions/` (or under the folder
named by UDBREDELSE_CATALOG_DIR); no code changes. `load_catalog()` validates the files and
`write_catalog_tables()` publishes them to the warehouse schema `catalog`, which dbt reads.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Code(_Strict):
    code: str
    label: str


class Reporting(_Strict):
    period: Literal["month", "quarter"]
    deadline_days: int = Field(ge=0)


class Range(_Strict):
    planned: int | None = None
    min: int
    max: int


class Phase(_Strict):
    code: str
    label: str
    from_day: int
    to_day: int


class CourseModel(_Strict):
    sessions: Range
    duration_days: Range
    waiting_days_max: int
    follow_up_days: int = 0
    phases: list[Phase]


class Item(_Strict):
    code: str
    label: str
    required: bool = True


class Instrument(_Strict):
    code: str
    label: str
    version: str
    score_min: float
    score_max: float
    higher_is_better: bool
    points: list[Literal["start", "slut", "opfoelgning"]]
    reliable_change: float = Field(gt=0)


class SuccessCriterion(_Strict):
    indicator: str
    operator: Literal[">=", "<="]
    threshold: float
    label: str


RuleType = Literal["dosage", "duration", "required_element", "caseload", "intensity", "measurement_completeness"]


class FidelityRule(_Strict):
    code: str
    type: RuleType
    label: str
    guidance: str
    min: float | None = None
    max: float | None = None
    item: str | None = None
    instrument: str | None = None
    from_day: int | None = None
    to_day: int | None = None

    @model_validator(mode="after")
    def _params_for_type(self) -> FidelityRule:
        needs = {
            "dosage": ("min", "max"), "duration": ("min", "max"), "required_element": ("item",),
            "caseload": ("max",), "intensity": ("from_day", "to_day", "min"),
            "measurement_completeness": ("instrument",),
        }[self.type]
        missing = [name for name in needs if getattr(self, name) is None]
        if missing:
            raise ValueError(f"fidelity rule {self.code} of type {self.type} needs {missing}")
        return self


class Milestone(_Strict):
    code: str
    factor: str
    phase: str
    due_month: int
    label: str


class Intervention(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9_]{2,16}$")
    name: str
    track: Literal[1, 2]
    target_group: Literal["boern_unge", "voksne"]
    collects_cpr: bool
    reporting: Reporting
    referral_reasons: list[Code]
    end_reasons: list[Code]
    course_model: CourseModel
    max_caseload: int | None = None
    items: list[Item] = []
    instruments: list[Instrument] = []
    success_criteria: list[SuccessCriterion] = []
    register_indicators: list[str] = []
    fidelity_rules: list[FidelityRule] = []
    milestones: list[Milestone] | None = None


class Municipality(_Strict):
    kommunekode: str
    kommunenavn: str
    regionskode: str
    regionsnavn: str
    indbyggere: int = Field(ge=0)  # population, for the size group of comparable municipalities


class Catalog(_Strict):
    interventions: dict[str, Intervention]
    common: dict
    milestone_phases: list[dict]
    milestone_factors: list[dict]
    milestones: list[Milestone]
    municipalities: dict[str, Municipality]

    def intervention(self, code: str) -> Intervention | None:
        return self.interventions.get(code.strip().upper()) if code else None

    def referral_codes(self, code: str) -> set[str]:
        iv = self.interventions[code]
        return {c["code"] for c in self.common["referral_reasons"]} | {c.code for c in iv.referral_reasons}

    def end_codes(self, code: str) -> set[str]:
        iv = self.interventions[code]
        return {c["code"] for c in self.common["end_reasons"]} | {c.code for c in iv.end_reasons}

    def size_group(self, kommunekode: str) -> dict:
        """The municipality's size group ({code, label, from}) from common.yaml `municipality_size_groups`."""
        people = self.municipalities[kommunekode].indbyggere
        groups = sorted(self.common.get("municipality_size_groups", []), key=lambda g: g["from"])
        found = [g for g in groups if people >= g["from"]]
        return found[-1] if found else {"code": None, "label": None, "from": None}

    def possible_size_groups(self, kommunekode: str) -> set[str]:
        """The size groups the municipality may belong to, given the precision of the populations in
        kommuner.csv (common.yaml `municipality_population_precision`, a share): every group that the
        interval population × (1 ± precision) touches."""
        people = self.municipalities[kommunekode].indbyggere
        margin = float(self.common.get("municipality_population_precision", 0.0))
        low, high = people * (1 - margin), people * (1 + margin)
        groups = sorted(self.common.get("municipality_size_groups", []), key=lambda g: g["from"])
        uppers = [g["from"] for g in groups[1:]] + [float("inf")]
        return {g["code"] for g, upper in zip(groups, uppers, strict=True) if high >= g["from"] and low < upper}

    def size_peers(self, kommunekode: str) -> set[str]:
        """The other municipalities of a similar size: those in the municipality's size group or within the
        populations' precision of it, so that an imprecise figure just across a boundary never leaves a
        municipality of the same size out."""
        own = self.size_group(kommunekode)["code"]
        return {k for k in self.municipalities if k != kommunekode and own in self.possible_size_groups(k)}

    def milestones_for(self, code: str) -> list[Milestone]:
        iv = self.interventions[code]
        return list(iv.milestones) if iv.milestones is not None else list(self.milestones)


def _read_yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@lru_cache(maxsize=8)
def _load(folder: str) -> Catalog:
    root = Path(folder)
    interventions: dict[str, Intervention] = {}
    for path in sorted((root / "interventions").glob("*.yaml")):
        iv = Intervention.model_validate(_read_yaml(path))
        if iv.code in interventions:
            raise ValueError(f"intervention {iv.code} is defined twice (latest in {path.name})")
        interventions[iv.code] = iv
    common = _read_yaml(root / "common.yaml")
    ms = _read_yaml(root / "milestones.yaml")
    with (root / "kommuner.csv").open(encoding="utf-8") as handle:
        municipalities = {row["kommunekode"]: Municipality(**row) for row in csv.DictReader(handle)}
    return Catalog(
        interventions=interventions,
        common=common,
        milestone_phases=ms["phases"],
        milestone_factors=ms["factors"],
        milestones=[Milestone(**m) for m in ms["milestones"]],
        municipalities=municipalities,
    )


def load_catalog(folder: Path | None = None) -> Catalog:
    """Load and validate the catalog (the packaged one unless a folder is given)."""
    if folder is None:
        from udbredelse.settings import get_settings

        folder = get_settings().catalog_path
    return _load(str(Path(folder).resolve()))
