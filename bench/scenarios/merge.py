"""Merge and undo of a profile holding `merge_identifiers` identifiers, in the loaded
store, each timed as one HTTP request (answer read) from a single client; beside the
raw database re-pointing the same rows in one transaction each way."""

from __future__ import annotations

from bench.context import Context, human
from bench.data import WORKSPACE
from bench.errors import BenchError
from bench.figures import Figure, Goal, Target

NAMESPACE = "bulk"


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    n = s.merge_identifiers
    store = ctx.loaded()
    aka = store.aka
    aka.set_limit(NAMESPACE, 1_000_000)  # the default (100 per profile) would refuse it
    keep = aka.create([{"namespace": NAMESPACE, "value": "keep-0"}])
    values = [f"m{i:06d}" for i in range(n)]
    big = aka.create_large([{"namespace": NAMESPACE, "value": v} for v in values])
    rows = [(WORKSPACE, NAMESPACE, v, big) for v in values]
    figures = {
        step: Figure(
            f"merge.{step}",
            f"{step} of a profile holding {human(n)} identifiers",
            name,
            "s",
            floor_label=f"UPDATE of the same {human(n)} rows, one commit",
            target=Target(Goal.BELOW, 1.0, "s"),
            note="one request, answer included; after one untimed merge and undo",
        )
        for step in ("merge", "undo")
    }
    _, merge_id = aka.merge(keep, big)  # warm-up: the same work once, untimed
    aka.undo(merge_id)
    for run_no in range(1, s.runs + 1):
        merged, merge_id = aka.merge(keep, big)
        undone = aka.undo(merge_id)
        if aka.identifier_count(big) != n:
            raise BenchError(f"after undo, the profile does not hold its {n} identifiers")
        floor_merge, floor_undo = ctx.backend.repoint(rows, keep)
        figures["merge"].aka_runs.append(merged)
        figures["merge"].floor_runs.append(floor_merge)
        figures["undo"].aka_runs.append(undone)
        figures["undo"].floor_runs.append(floor_undo)
        ctx.say(
            f"merge run {run_no}: merge {merged:.3f} s (floor {floor_merge:.3f} s), "
            f"undo {undone:.3f} s (floor {floor_undo:.3f} s)"
        )
    return list(figures.values())
