"""Reading a `/metrics` answer in tests: samples by name and labels, and what moved."""

from __future__ import annotations

from collections import Counter
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

Sample = tuple[str, frozenset[tuple[str, str]]]


def samples(text: str) -> dict[Sample, float]:
    """Every sample of a scrape, parsed by prometheus_client's own parser."""
    found: dict[Sample, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def moved(before: dict[Sample, float], after: dict[Sample, float], name: str) -> Counter[Any]:
    """How each labelled sample of `name` moved between two scrapes: labels (as a sorted
    tuple of values, in label-name order) -> the difference; unmoved ones left out."""
    delta: Counter[Any] = Counter()
    for key, value in after.items():
        if key[0] != name:
            continue
        change = value - before.get(key, 0.0)
        if change:
            delta[tuple(v for _, v in sorted(key[1]))] = change
    return delta


def value(scraped: dict[Sample, float], name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)
