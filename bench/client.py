"""Talking to aka over HTTP for set-up and for the figures wrk cannot take (batch
ingest, merge and undo). Every answer is checked: a figure counts only the work aka
acknowledged, and a refused operation fails the scenario."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

import httpx
import msgspec

from bench.errors import BenchError
from bench.servers import ADMIN_KEY

# Identifiers a new profile may start with (`POST /v1/profiles`, issue 12's maximum).
CREATE_MOST: Final = 1000


class _Profile(msgspec.Struct):
    id: str


class _Result(msgspec.Struct):
    status: int
    profile: _Profile | None = None
    problem: dict[str, Any] | None = None


class _Batch(msgspec.Struct):
    results: list[_Result]


_decode_batch = msgspec.json.Decoder(_Batch).decode


@dataclass(frozen=True, slots=True)
class Answer:
    """One batch operation's answer: its status, and its problem's code if refused."""

    status: int
    code: str | None


class Aka:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(
            base_url=base,
            headers={"Authorization": f"Bearer {ADMIN_KEY}", "Content-Type": "application/json"},
            timeout=httpx.Timeout(1800.0),  # a slow batch is a figure, not an error
        )

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response, *expected: int) -> httpx.Response:
        if response.status_code not in expected:
            raise BenchError(
                f"{response.request.method} {response.request.url.path} answered "
                f"{response.status_code}: {response.text[:500]}"
            )
        return response

    def set_limit(self, namespace: str, max_per_profile: int) -> None:
        """Let one profile hold more identifiers of `namespace` than the default 100."""
        body = {"namespaces": {namespace: {"max_per_profile": max_per_profile}}}
        self._ok(self.http.patch("/v1/workspace", json=body), 200)

    def load(self, bodies: Iterable[bytes], *, keep_ids: int = 0) -> tuple[float, int, list[str]]:
        """POST each batch body in turn, one request in flight (as one loader would).

        Returns the seconds from the first request to the last answer, the profiles
        created, and the first `keep_ids` profile ids. Any refused operation fails.
        """
        ids: list[str] = []
        created = 0
        start = time.perf_counter()
        for body in bodies:
            response = self._ok(self.http.post("/v1/batch", content=body), 200)
            results = _decode_batch(response.content).results
            for r in results:
                if r.status != 201 or r.profile is None:
                    raise BenchError(f"a batch create answered {r.status}: {r.problem}")
            created += len(results)
            if len(ids) < keep_ids:
                ids.extend(r.profile.id for r in results[: keep_ids - len(ids)] if r.profile)
        return time.perf_counter() - start, created, ids

    def post_batches(self, bodies: Iterable[bytes]) -> tuple[float, list[Answer]]:
        """POST each batch body in turn, one request in flight, and keep every
        operation's answer (a refused one is an answer here, not an error: the caller
        knows which it planned). The seconds run from the first request to the last
        answer; any answer but 200 to a request fails."""
        answers: list[Answer] = []
        start = time.perf_counter()
        for body in bodies:
            response = self._ok(self.http.post("/v1/batch", content=body), 200)
            answers += [
                Answer(r.status, None if r.problem is None else str(r.problem.get("code")))
                for r in _decode_batch(response.content).results
            ]
        return time.perf_counter() - start, answers

    def create(self, identifiers: list[dict[str, str]]) -> str:
        """A new profile holding these identifiers (at most `CREATE_MOST`)."""
        body = {"identifiers": identifiers}
        profile_id: str = self._ok(self.http.post("/v1/profiles", json=body), 201).json()["id"]
        return profile_id

    def create_large(self, identifiers: list[dict[str, str]]) -> str:
        """A new profile holding any number of identifiers: profiles of `CREATE_MOST`
        merged into the first. (Not by links: each link's answer carries the whole
        profile, so linking 9,000 onto one profile answers with ~45M identifiers.)"""
        parts = [identifiers[n : n + CREATE_MOST] for n in range(0, len(identifiers), CREATE_MOST)]
        keep = self.create(parts[0])
        for part in parts[1:]:
            self.merge(keep, self.create(part))
        return keep

    def identifier_count(self, profile_id: str) -> int:
        profile = self._ok(self.http.get(f"/v1/profiles/{profile_id}"), 200).json()
        return len(profile["identifiers"])

    def resolve(self, namespace: str, value: str) -> str:
        params = {"namespace": namespace, "value": value}
        profile_id: str = self._ok(self.http.get("/v1/resolve", params=params), 200).json()["id"]
        return profile_id

    def merge(self, keep: str, gone: str) -> tuple[float, int]:
        """Seconds for `POST /v1/merges` (answer read), and the merge's id."""
        body = {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}}
        start = time.perf_counter()
        response = self._ok(self.http.post("/v1/merges", json=body), 201)
        elapsed = time.perf_counter() - start
        merge_id: int = response.json()["id"]
        return elapsed, merge_id

    def undo(self, merge_id: int) -> float:
        start = time.perf_counter()
        self._ok(self.http.post(f"/v1/merges/{merge_id}/undo"), 200)
        return time.perf_counter() - start
