"""The consistency headers on every backend (README, "Consistency headers"): a write's
answer carries `Aka-Seq`, the workspace's event sequence it committed; `Aka-Min-Seq` on a
request is checked and refused in the door's own envelope when it is not a sequence.
(What `Aka-Min-Seq` does with a read replica: tests/http/test_replicas_served.py.)"""

from __future__ import annotations

import pytest
from tests.http.conftest import Api, ident

from aka.config import Settings
from aka.core.ports import Store
from aka.http.consistency import RecentWrites


def last_seq(store: Store) -> int:
    found = store.workspace("default")
    assert found is not None
    return found.last_seq


def test_a_write_answers_the_sequence_it_committed(api: Api) -> None:
    """`Aka-Seq` is the workspace's last event sequence once the write committed."""
    created = api.client.post("/v1/profiles", json={"identifiers": [ident("device:d1")]})
    assert created.status_code == 201
    assert int(created.headers["aka-seq"]) == last_seq(api.store)
    linked = api.link(created.json()["id"], "device:d2")
    assert int(linked.headers["aka-seq"]) == last_seq(api.store)
    assert int(linked.headers["aka-seq"]) > int(created.headers["aka-seq"])


def test_a_read_answers_no_sequence(api: Api) -> None:
    """Only writes say what they committed; a read does not claim a sequence."""
    api.person("device:d1")
    r = api.client.get("/v1/resolve", params={"namespace": "device", "value": "d1"})
    assert r.status_code == 200
    assert "aka-seq" not in r.headers


def test_a_write_that_changes_nothing_answers_the_current_sequence(api: Api) -> None:
    """A link already in place writes no event: its answer carries the sequence the
    workspace is at, which holds everything the client wrote before."""
    profile = api.person("device:d1")
    again = api.link(profile, "device:d1")
    assert again.status_code == 200
    assert int(again.headers["aka-seq"]) == last_seq(api.store)


def test_a_batch_answers_the_sequence_of_all_it_wrote(api: Api) -> None:
    body = {
        "operations": [
            {"op": "create", "identifiers": [ident("device:d1")]},
            {"op": "create", "identifiers": [ident("device:d2")]},
        ]
    }
    r = api.client.post("/v1/batch", json=body)
    assert r.status_code == 200, r.text
    assert int(r.headers["aka-seq"]) == last_seq(api.store)


def test_an_idempotent_replay_answers_the_first_sequence(api: Api) -> None:
    """A retried write never heard back from learns the sequence of the first one."""
    body = {"identifiers": [ident("device:d1")]}
    headers = {"Idempotency-Key": "k-1"}
    first = api.client.post("/v1/profiles", json=body, headers=headers)
    api.person("device:d2")  # the workspace moves on
    replay = api.client.post("/v1/profiles", json=body, headers=headers)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.headers["aka-seq"] == first.headers["aka-seq"]


def test_a_min_seq_is_accepted_on_any_request(api: Api) -> None:
    """Without read replicas every read already reflects every write: the header is
    checked and has nothing to wait for."""
    api.person("device:d1")
    r = api.client.get(
        "/v1/resolve",
        params={"namespace": "device", "value": "d1"},
        headers={"Aka-Min-Seq": str(last_seq(api.store))},
    )
    assert r.status_code == 200


@pytest.mark.parametrize(
    "value", [b"-1", b"abc", b"1.5", b"", b"9223372036854775807", "²".encode("latin-1")]
)
def test_a_bad_min_seq_is_refused_naming_the_header(api: Api, value: bytes) -> None:
    """Not a sequence (a negative, a fraction, too large, a non-ASCII digit): 422."""
    r = api.client.get(
        "/v1/resolve",
        params={"namespace": "device", "value": "d1"},
        headers={"Aka-Min-Seq": value},
    )
    problem = api.problem(r, 422, "invalid_input")
    assert problem["field"] == "Aka-Min-Seq"
    assert "Aka-Min-Seq" in problem["detail"]


def test_the_settings_reject_replicas_without_postgres() -> None:
    """Replicas of a SQLite (or memory) store are refused, not ignored."""
    with pytest.raises(ValueError, match="AKA_READ_DATABASE_URL"):
        Settings(database_url="sqlite:///x.db", read_database_url="postgresql://r/aka")
    with pytest.raises(ValueError, match="PostgreSQL URL"):
        Settings(database_url="postgresql://p/aka", read_database_url="sqlite:///r.db")


def test_the_document_declares_both_headers(api: Api) -> None:
    """Every operation takes `Aka-Min-Seq`; every write's success answers `Aka-Seq`."""
    document = api.client.get("/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = {(p["in"], p["name"]) for p in operation["parameters"]}
            assert ("header", "Aka-Min-Seq") in names, (method, path)
            successes = [a for s, a in operation["responses"].items() if s.startswith("2")]
            for answer in successes:
                assert ("Aka-Seq" in answer.get("headers", {})) == (method != "get"), (method, path)


def test_a_process_remembers_the_newest_write_of_its_most_recent_keys() -> None:
    """Bounded memory: the key that wrote least recently is forgotten first, and a key
    keeps its newest sequence whatever order its answers come back in."""
    recent = RecentWrites(most=2)
    recent.note("a", 5)
    recent.note("b", 3)
    recent.note("a", 4)  # an older write answered later
    recent.note("c", 1)
    assert (recent.get("a"), recent.get("b"), recent.get("c")) == (5, 0, 1)
