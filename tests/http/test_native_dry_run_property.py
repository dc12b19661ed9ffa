"""The dry-run promise as a property (ADR 0023), on every backend: for random sequences
of native writes, each step's preview (`?dry_run=true`) leaves the store exactly as it
was (graph, event log, idempotency answers) and answers what the real call, made right
after it, then answers: same status, same body (fresh ids and times aside)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.http.dry_runs import preview_then_real, stored

if TYPE_CHECKING:
    from conftest import Api

_runs = itertools.count()

ident = st.tuples(st.sampled_from(["email", "device"]), st.integers(0, 4))
pick = st.integers(0, 7)  # a profile (or merge) made earlier in the run, modulo how many
external = st.integers(0, 2)

steps = st.one_of(
    st.tuples(st.just("create"), st.lists(ident, max_size=2), st.none() | external),
    st.tuples(st.just("link"), pick, ident),
    st.tuples(st.just("unlink"), ident),
    st.tuples(st.just("identify"), pick, external),
    st.tuples(st.just("merge"), pick, pick, st.booleans()),
    st.tuples(st.just("undo"), pick),
    st.tuples(st.just("delete"), pick),
    st.tuples(
        st.just("patch"),
        pick,
        st.dictionaries(st.sampled_from("ab"), st.integers(0, 2) | st.none(), max_size=2),
    ),
    st.tuples(st.just("member"), pick, pick),
    st.tuples(st.just("unmember"), pick, pick),
    st.tuples(st.just("batch"), st.lists(st.tuples(pick, ident), min_size=1, max_size=3)),
)


@dataclass
class Run:
    """One example's world: its own identifier values, and what its real calls made."""

    tag: str = field(default_factory=lambda: f"r{next(_runs)}")
    profiles: list[str] = field(default_factory=list)
    merges: list[int] = field(default_factory=list)

    def item(self, key: tuple[str, int]) -> dict[str, str]:
        namespace, n = key
        value = f"{self.tag}-{n}@x.io" if namespace == "email" else f"{self.tag}-{n}"
        return {"namespace": namespace, "value": value}

    def profile(self, n: int) -> str:
        return self.profiles[n % len(self.profiles)] if self.profiles else "no-such-profile"

    def ext(self, n: int) -> str:
        return f"{self.tag}-user-{n}"

    def call(self, step: tuple[Any, ...]) -> tuple[str, str, dict[str, Any]]:
        """The request a step stands for: method, path and httpx arguments."""
        kind = step[0]
        if kind == "create":
            body: dict[str, Any] = {"identifiers": [self.item(k) for k in dict.fromkeys(step[1])]}
            if step[2] is not None:
                body["external_id"] = self.ext(step[2])
            return "POST", "/v1/profiles", {"json": body}
        if kind == "link":
            return (
                "POST",
                f"/v1/profiles/{self.profile(step[1])}/identifiers",
                {"json": self.item(step[2])},
            )
        if kind == "unlink":
            return "DELETE", "/v1/identifiers", {"params": self.item(step[1])}
        if kind == "identify":
            body = {
                "profile": {"profile_id": self.profile(step[1])},
                "external_id": self.ext(step[2]),
            }
            return "POST", "/v1/identify", {"json": body}
        if kind == "merge":
            keep, gone = self.profile(step[1]), self.profile(step[2])
            body = {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}, "force": step[3]}
            return "POST", "/v1/merges", {"json": body}
        if kind == "undo":
            merge_id = self.merges[step[1] % len(self.merges)] if self.merges else 10**12
            return "POST", f"/v1/merges/{merge_id}/undo", {}
        if kind == "delete":
            return "DELETE", f"/v1/profiles/{self.profile(step[1])}", {}
        if kind == "patch":
            return (
                "PATCH",
                f"/v1/profiles/{self.profile(step[1])}",
                {"json": {"attributes": step[2]}},
            )
        if kind == "batch":
            ops = [
                {
                    "op": "link",
                    "profile": {"profile_id": self.profile(p)},
                    "identifier": self.item(k),
                }
                for p, k in step[1]
            ]
            return "POST", "/v1/batch", {"json": {"operations": ops}}
        group, member = self.profile(step[1]), self.profile(step[2])
        if kind == "member":
            body = {"group": {"profile_id": group}, "member": {"profile_id": member}}
            return "POST", "/v1/memberships", {"json": body}
        return "DELETE", "/v1/memberships", {"params": {"group_id": group, "member_id": member}}

    def saw(self, answer: Any) -> None:
        """Remember the profiles and merges a real answer names, for later steps."""
        if not isinstance(answer, dict):
            return
        profile = answer.get("profile", answer)
        found = profile.get("id") if isinstance(profile, dict) else None
        if isinstance(found, str) and found not in self.profiles:
            self.profiles.append(found)
        if "profile" in answer and isinstance(answer.get("id"), int):
            self.merges.append(answer["id"])


# Every run starts from two profiles, so that its later steps have something to act on.
START = [("create", [("email", 0)], None), ("create", [("device", 1)], None)]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    policy=st.sampled_from(["refuse", "auto"]),
    run=st.lists(steps, min_size=1, max_size=8),
    keyed=st.lists(st.booleans(), min_size=10, max_size=10),
)
def test_every_preview_is_the_real_call_and_writes_nothing(
    api: Api, policy: str, run: list[tuple[Any, ...]], keyed: list[bool]
) -> None:
    """Half the steps (as drawn) carry an `Idempotency-Key`, a fresh one each: the
    preview must not store its answer, and the real call then stores it."""
    api.configure(merge_policy=policy)
    world = Run()
    for n, step in enumerate(START + run):
        method, path, request = world.call(step)
        key = f"{world.tag}-step-{n}" if keyed[n] else None
        _, real = preview_then_real(api, method, path, idempotency_key=key, **request)
        event(f"{step[0]} {real.status_code}")
        if key is not None:
            (answer,) = stored(api.store, (key,))[3]
            assert (answer is not None) == (200 <= real.status_code < 300)
        if real.content:
            world.saw(real.json())
