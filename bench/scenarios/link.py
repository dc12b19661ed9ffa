"""Single links: `POST /v1/profiles/{id}/identifiers`, each a new identifier on a random
profile of the loaded store, from `connections` concurrent wrk clients, against the
database's rate when every row is its own commit (bench/backends.py says how that is
driven on each backend)."""

from __future__ import annotations

from bench import wrk
from bench.context import Context
from bench.errors import BenchError
from bench.figures import Figure, Goal, Target
from bench.servers import ADMIN_KEY

NAMESPACE = "link"


def run(ctx: Context) -> list[Figure]:
    s, name = ctx.sizes, ctx.backend.name
    store = ctx.loaded()
    ids = store.profile_ids[: s.link_profiles]
    if not ids:
        raise BenchError("the loaded store has no profile ids to link to")
    ids_file = ctx.workdir / f"link-profiles-{name}.txt"
    ids_file.write_text("\n".join(ids) + "\n")
    # Over a run each profile gets a few dozen links; keep the default limit (100) out
    # of the way so that nothing is refused for a reason the bench is not measuring.
    store.aka.set_limit(NAMESPACE, 1_000_000)
    target = (
        Target(Goal.AT_LEAST, 5000, "links/s")
        if name == "sqlite"
        else Target(Goal.RATIO_ABOVE, 1.0)
    )
    fig = Figure(
        "link",
        f"link one identifier over HTTP, {s.connections} clients",
        name,
        "links/s",
        target=target,
        note=f"wrk, {s.wrk_seconds} s a run, {len(ids):,} target profiles",
    )
    extra: dict[str, Figure] = {}
    sent = 0

    def measure(tag: str, seconds: int) -> float:
        nonlocal sent
        args = [ADMIN_KEY, NAMESPACE, str(ids_file), tag]
        got = wrk.run(
            store.server.base, "link.lua", args, seconds=seconds, connections=s.connections
        )
        sent += got.requests
        return got.per_second

    if s.warmup_seconds:
        measure("warm", s.warmup_seconds)
    for run_no in range(1, s.runs + 1):
        fig.aka_runs.append(measure(f"r{run_no}", s.wrk_seconds))
        floors = ctx.backend.commit_per_row(s.wrk_seconds, s.connections)
        fig.floor_label, floor = floors[0]
        fig.floor_runs.append(floor)
        for label, value in floors[1:]:
            more = extra.setdefault(
                label, Figure("link.extra", fig.label, name, "links/s", floor_label=label)
            )
            more.aka_runs.append(fig.aka_runs[-1])
            more.floor_runs.append(value)
        ctx.say(f"link run {run_no}: aka {fig.aka_runs[-1]:,.0f}/s, floor {floor:,.0f}/s")
    # Every answer wrk counted was a 2xx; the rows must be there (a request still in
    # flight when wrk stopped may have added one more).
    found = ctx.backend.count_identifiers(store.db, NAMESPACE)
    if found < sent:
        raise BenchError(f"{sent} links were acknowledged but {found} are stored")
    return [fig, *extra.values()]
