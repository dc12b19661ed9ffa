"""`?dry_run=true` on every native write (ADR 0023), on every backend: the answer is the
real call's (status and body) plus a `dry_run` member saying what would change, with
`Aka-Dry-Run: true` and no `Aka-Seq`; nothing is written: not the graph, not the event
log, not an idempotency answer; the rate limit counts the call once.

Each spec previews a call, checks that the store is as it was, then makes the real call
and checks that it answered what the preview said it would."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from tests.http.dry_runs import canonical, preview_then_real, profile_ids, stored, this_second

if TYPE_CHECKING:
    from conftest import Api


def test_create_previews_the_new_profile_and_its_event(api: Api) -> None:
    body = {"external_id": "u-1", "identifiers": [{"namespace": "email", "value": "A@x.io"}]}
    would, real = preview_then_real(api, "POST", "/v1/profiles", json=body)
    assert real.status_code == 201
    assert would["status"] == 201
    assert len(would["profiles_created"]) == 1
    assert would["identifiers_linked"] == [
        {"namespace": "email", "value": "a@x.io", "profile_id": would["profiles_created"][0]}
    ]
    assert [(e["type"], e["payload"]["external_id"]) for e in would["events"]] == [
        ("profile.created", "u-1")
    ]


def test_a_refused_write_previews_as_the_same_refusal(api: Api) -> None:
    """409 and its problem, exactly; the answer still says it was a dry run."""
    ann, bob = api.person("email:ann@x.io"), api.person("device:d1")
    _, real = preview_then_real(
        api,
        "POST",
        f"/v1/profiles/{bob}/identifiers",
        json={"namespace": "email", "value": "ann@x.io"},
    )
    assert api.problem(real, 409, "identifier_conflict")["owner"] == ann


def test_link_previews_201_and_an_existing_link_200(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    would, real = preview_then_real(
        api, "POST", f"/v1/profiles/{ann}/identifiers", json={"namespace": "device", "value": "d1"}
    )
    assert real.status_code == 201
    assert would["identifiers_linked"] == [
        {"namespace": "device", "value": "d1", "profile_id": ann}
    ]
    would, real = preview_then_real(
        api, "POST", f"/v1/profiles/{ann}/identifiers", json={"namespace": "device", "value": "d1"}
    )
    assert (real.status_code, would["status"], would["events"]) == (200, 200, [])


def test_an_auto_merge_by_link_previews_the_merge(api: Api) -> None:
    api.configure(merge_policy="auto")
    ann, bob = api.person("email:ann@x.io"), api.person("device:d1", "phone:+15550001")
    would, real = preview_then_real(
        api, "POST", f"/v1/profiles/{ann}/identifiers", json={"namespace": "device", "value": "d1"}
    )
    assert real.status_code == 201
    merged = would["profiles_merged"][0]
    assert {merged["keep"], merged["merge"]} == {ann, bob}
    moved = {(m["namespace"], m["value"]) for m in would["identifiers_moved"]}
    assert moved  # what travels from the merged profile onto the survivor
    assert "profile.merged" in [e["type"] for e in would["events"]]


def test_a_merge_preview_lists_the_identifiers_and_memberships_that_would_move(api: Api) -> None:
    """What a support engineer reads before merging two customers."""
    keep, gone, team = (
        api.person("email:ann@x.io"),
        api.person("device:d1", "device:d2"),
        api.person(),
    )
    api.member(team, gone)
    body = {"keep": {"profile_id": keep}, "merge": {"profile_id": gone}}
    would, real = preview_then_real(api, "POST", "/v1/merges", json=body)
    assert real.status_code == 201
    assert would["profiles_merged"] == [{"keep": keep, "merge": gone}]
    assert sorted(
        (m["value"], m["from_profile"], m["to_profile"]) for m in would["identifiers_moved"]
    ) == [
        ("d1", gone, keep),
        ("d2", gone, keep),
    ]
    assert would["memberships_moved"] == [
        {"group_id": team, "member_id": gone, "to_group_id": team, "to_member_id": keep}
    ]
    assert real.json()["id"] == api.events()[-1]["seq"]  # the merge id the preview answered


def test_an_undo_previews_the_revived_profile(api: Api) -> None:
    keep, gone = api.person("email:ann@x.io"), api.person("device:d1")
    merge_id = api.merged(keep, gone)
    would, real = preview_then_real(api, "POST", f"/v1/merges/{merge_id}/undo")
    assert real.status_code == 200
    assert would["profiles_revived"] == [gone]
    assert [
        (m["value"], m["from_profile"], m["to_profile"]) for m in would["identifiers_moved"]
    ] == [("d1", keep, gone)]


def test_unlink_previews_with_200_and_the_member_alone(api: Api) -> None:
    """A 204 carries no body: the preview answers 200, its member's status 204."""
    ann = api.person("email:ann@x.io", "device:d1")
    params = {"namespace": "device", "value": "d1"}
    would, real = preview_then_real(api, "DELETE", "/v1/identifiers", params=params)
    assert real.status_code == 204
    assert would["status"] == 204
    assert would["identifiers_unlinked"] == [
        {"namespace": "device", "value": "d1", "profile_id": ann}
    ]


def test_delete_previews_every_profile_it_would_erase(api: Api) -> None:
    keep, gone = api.person("email:ann@x.io"), api.person("device:d1")
    api.merged(keep, gone)
    would, real = preview_then_real(api, "DELETE", f"/v1/profiles/{keep}")
    assert real.status_code == 204
    assert sorted(would["profiles_deleted"]) == sorted([keep, gone])
    assert [e["type"] for e in would["events"]] == ["profile.deleted"]


def test_patch_and_identify_preview_the_profile_they_change(api: Api) -> None:
    ann = api.person("email:ann@x.io")
    would, _ = preview_then_real(
        api, "PATCH", f"/v1/profiles/{ann}", json={"attributes": {"plan": "pro"}}
    )
    assert would["profiles_updated"] == [ann]
    body = {"profile": {"profile_id": ann}, "external_id": "u-9"}
    would, real = preview_then_real(api, "POST", "/v1/identify", json=body)
    assert real.json()["external_id"] == "u-9"
    assert [e["type"] for e in would["events"]] == ["profile.identified"]


def test_memberships_preview_their_edge(api: Api) -> None:
    team, ann = api.person(), api.person("email:ann@x.io")
    body = {"group": {"profile_id": team}, "member": {"profile_id": ann}}
    would, real = preview_then_real(api, "POST", "/v1/memberships", json=body)
    assert (real.status_code, would["memberships_added"][0]["member_id"]) == (201, ann)
    params = {"group_id": team, "member_id": ann}
    would, real = preview_then_real(api, "DELETE", "/v1/memberships", params=params)
    assert real.status_code == 204
    assert would["memberships_removed"][0]["group_id"] == team


def test_a_batch_previews_by_query_or_by_its_own_field(api: Api) -> None:
    """Every operation's result is the real one's; the member covers the whole batch."""
    ann = api.person("email:ann@x.io")
    ops = [
        {"op": "create", "identifiers": [{"namespace": "device", "value": "b1"}]},
        {
            "op": "link",
            "profile": {"profile_id": ann},
            "identifier": {"namespace": "device", "value": "b2"},
        },
        {
            "op": "link",
            "profile": {"profile_id": ann},
            "identifier": {"namespace": "device", "value": "b1"},
        },
    ]
    known, before, since = profile_ids(api.store), stored(api.store), this_second()
    by_field = api.client.post("/v1/batch", json={"operations": ops, "dry_run": True})
    assert by_field.headers["aka-dry-run"] == "true"
    assert stored(api.store) == before
    would, real = preview_then_real(api, "POST", "/v1/batch", json={"operations": ops})
    assert [r["status"] for r in real.json()["results"]] == [201, 201, 409]
    # Both previews name their one new profile alike once fresh ids are named in order.
    assert canonical(by_field.json()["dry_run"], known, since) == canonical(would, known, since)
    assert len(would["events"]) == 2  # the refused third operation would write nothing


def test_a_dry_run_writes_no_event_and_answers_no_seq(api: Api) -> None:
    api.person("email:ann@x.io")
    events = api.events()
    r = api.client.post(
        "/v1/profiles",
        params={"dry_run": "true"},
        json={"identifiers": [{"namespace": "device", "value": "x"}]},
    )
    assert r.status_code == 201
    assert "aka-seq" not in r.headers
    assert api.events() == events
    assert api.owner("device:x") is None


def test_an_idempotency_key_on_a_dry_run_is_neither_stored_nor_replayed(api: Api) -> None:
    """A preview with the key the real call will carry does not use it up (the real call
    then does the work), and a preview after the real call is not answered by the stored
    answer: it says what the work would do now."""
    body = {"identifiers": [{"namespace": "device", "value": "k1"}]}
    _, real = preview_then_real(api, "POST", "/v1/profiles", json=body, idempotency_key="k-1")
    assert real.status_code == 201
    assert "idempotent-replayed" not in real.headers  # the preview stored nothing
    again = api.client.post(
        "/v1/profiles", params={"dry_run": "true"}, json=body, headers={"Idempotency-Key": "k-1"}
    )
    assert "idempotent-replayed" not in again.headers
    api.problem(again, 409, "identifier_conflict")  # what creating it again would answer
    replay = api.client.post("/v1/profiles", json=body, headers={"Idempotency-Key": "k-1"})
    assert replay.headers["idempotent-replayed"] == "true"
    bad = api.client.post(
        "/v1/profiles", params={"dry_run": "true"}, json=body, headers={"Idempotency-Key": ""}
    )
    api.problem(bad, 422, "idempotency_key_invalid")  # the key's form is still checked


def test_a_dry_run_counts_once_against_the_rate_limit(api: Api) -> None:
    """Only the call itself counts: the bucket falls by one, as for the real call."""
    body = {"identifiers": [{"namespace": "device", "value": "r1"}]}

    def remaining(r: httpx.Response) -> int:
        return int(r.headers["x-ratelimit-remaining"])

    first = api.client.post("/v1/profiles", params={"dry_run": "true"}, json=body)
    second = api.client.post("/v1/profiles", params={"dry_run": "true"}, json=body)
    real = api.client.post("/v1/profiles", json=body)
    assert remaining(first) - remaining(second) == 1
    assert remaining(second) - remaining(real) == 1


def test_bad_input_on_a_dry_run_is_the_real_calls_422(api: Api) -> None:
    r = api.client.post("/v1/profiles", params={"dry_run": "true"}, json={"identifiers": "x"})
    assert api.problem(r, 422, "invalid_input")["field"] == "identifiers"
    assert r.headers["aka-dry-run"] == "true"
    r = api.client.post("/v1/profiles", params={"dry_run": "yes please"}, json={})
    assert api.problem(r, 422, "invalid_input")["field"] == "dry_run"


def test_dry_run_false_is_the_real_call(api: Api) -> None:
    r = api.client.post(
        "/v1/profiles",
        params={"dry_run": "false"},
        json={"identifiers": [{"namespace": "device", "value": "f"}]},
    )
    assert api.ok(r, 201)["id"] == api.owner("device:f")
    assert "dry_run" not in r.json()
    assert "aka-seq" in r.headers


def test_every_write_route_is_documented_with_its_dry_run(api: Api) -> None:
    """The query parameter on every native write, and the `dry_run` member in the
    answer it documents (or the 200 a previewed 204 answers)."""
    document = api.client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    writes = 0
    for path, operations in document["paths"].items():
        # Keys, settings and webhooks are administration beside the graph: no preview.
        if not path.startswith("/v1/") or path.startswith(("/v1/keys", "/v1/webhooks")):
            continue
        if path == "/v1/workspace":
            continue
        for method, op in operations.items():
            if method == "get" or op["operationId"] == "explain":
                continue
            writes += 1
            assert ("query", "dry_run") in {(p["in"], p["name"]) for p in op["parameters"]}, path
            ok = op["responses"].get("201") or op["responses"]["200"]
            ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
            assert "dry_run" in schemas[ref]["properties"], (method, path)
            assert "Aka-Dry-Run" in ok["headers"], (method, path)
    assert (
        writes >= 11
    )  # create, patch, delete, link, unlink, identify, merge, undo, 2 x membership, batch


def test_a_rename_previews_the_old_external_id_kept_as_deprecated(api: Api) -> None:
    body = {"external_id": "user-42", "identifiers": [{"namespace": "email", "value": "a@x.io"}]}
    ann = api.client.post("/v1/profiles", json=body).json()["id"]
    would, real = preview_then_real(
        api, "POST", f"/v1/profiles/{ann}/rename", json={"external_id": "acct-42"}
    )
    assert real.json()["external_id"] == "acct-42"
    assert would["profiles_updated"] == [ann]
    assert would["identifiers_linked"] == [
        {"namespace": "aka:external_id", "value": "user-42", "profile_id": ann}
    ]
    assert [e["type"] for e in would["events"]] == ["profile.renamed"]
