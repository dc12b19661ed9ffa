"""A figure: aka's runs beside the floor's runs, their medians, the ratio and the target.

Targets are printed as met or missed; nothing here fails a run over speed.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Goal(StrEnum):
    RATIO_AT_LEAST = "ratio >="  # aka / floor >= x
    RATIO_ABOVE = "ratio >"  # aka / floor > x
    RATIO_AT_MOST = "ratio <="  # aka / floor <= x (latencies)
    AT_LEAST = ">="  # aka >= x, in the figure's unit
    BELOW = "<"  # aka < x, in the figure's unit


@dataclass(frozen=True, slots=True)
class Target:
    goal: Goal
    value: float
    unit: str = ""

    def met(self, aka: float, ratio: float | None) -> bool | None:
        if self.goal is Goal.AT_LEAST:
            return aka >= self.value
        if self.goal is Goal.BELOW:
            return aka < self.value
        if ratio is None:
            return None
        if self.goal is Goal.RATIO_AT_LEAST:
            return ratio >= self.value
        if self.goal is Goal.RATIO_ABOVE:
            return ratio > self.value
        return ratio <= self.value

    def __str__(self) -> str:
        if self.goal in (Goal.AT_LEAST, Goal.BELOW):
            return f"{self.goal.value} {self.value:g} {self.unit}".rstrip()
        return f"{self.goal.value} {self.value:g}"


class Status(StrEnum):
    OK = "ok"
    ERROR = "error"
    NOT_AVAILABLE = "not available"


@dataclass
class Figure:
    """One line of the results table."""

    scenario: str  # a stable id, e.g. "ingest.batch"
    label: str  # what the table shows, e.g. "ingest 1M via POST /v1/batch"
    backend: str
    unit: str
    aka_runs: list[float] = field(default_factory=list)
    floor_label: str | None = None
    floor_runs: list[float] = field(default_factory=list)
    target: Target | None = None
    status: Status = Status.OK
    note: str = ""  # method details, or why the figure is missing
    details: dict[str, Any] = field(default_factory=dict)  # per-run extras for the JSON

    @property
    def aka(self) -> float | None:
        return statistics.median(self.aka_runs) if self.aka_runs else None

    @property
    def floor(self) -> float | None:
        return statistics.median(self.floor_runs) if self.floor_runs else None

    @property
    def ratio(self) -> float | None:
        aka, floor = self.aka, self.floor
        if aka is None or not floor:
            return None
        return aka / floor

    @property
    def met(self) -> bool | None:
        aka = self.aka
        if self.target is None or aka is None or self.status is not Status.OK:
            return None
        return self.target.met(aka, self.ratio)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "label": self.label,
            "backend": self.backend,
            "unit": self.unit,
            "status": self.status.value,
            "aka": {"median": self.aka, "runs": self.aka_runs},
            "floor": None
            if self.floor_label is None
            else {"label": self.floor_label, "median": self.floor, "runs": self.floor_runs},
            "ratio": self.ratio,
            "target": None if self.target is None else str(self.target),
            "met": self.met,
            "note": self.note,
            "details": self.details,
        }


def failed(scenario: str, label: str, backend: str, error: str) -> Figure:
    return Figure(scenario, label, backend, "", status=Status.ERROR, note=error)


def unavailable(scenario: str, label: str, backend: str, why: str) -> Figure:
    return Figure(scenario, label, backend, "", status=Status.NOT_AVAILABLE, note=why)
