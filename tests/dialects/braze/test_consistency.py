"""The consistency headers through Braze's door: its writes answer `Aka-Seq` (Braze's
clients ignore a header they do not know), and a bad `Aka-Min-Seq` is refused in Braze's
own error body."""

from __future__ import annotations

from tests.http.conftest import ADMIN_KEY, bearer

from .conftest import Braze


def test_a_braze_write_answers_aka_seq(braze: Braze) -> None:
    r = braze.post("/users/alias/new", {"user_aliases": [{"alias_label": "c", "alias_name": "1"}]})
    braze.ok(r)
    workspace = braze.store.workspace("default")
    assert workspace is not None
    assert int(r.headers["aka-seq"]) == workspace.last_seq


def test_a_bad_min_seq_is_refused_in_brazes_envelope(braze: Braze) -> None:
    r = braze.client.post(
        "/users/export/ids",
        json={"external_ids": ["nobody"]},
        headers={**bearer(ADMIN_KEY), "Aka-Min-Seq": "soon"},
    )
    body = braze.refused(r, 400)
    assert "Aka-Min-Seq" in body["message"]
