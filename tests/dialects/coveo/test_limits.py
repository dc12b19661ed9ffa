"""Coveo's arrays have maxima (Coveo documents only its 6 MB body; ours are in
docs/dialects/coveo.md): a longer one is refused while decoding, in Coveo's envelope
(413 REQUEST_TOO_LARGE naming the array and its maximum), and nothing is written. At
the maximum, a push is applied whole."""

from __future__ import annotations

from starlette.testclient import TestClient

from aka.http.dialects.coveo.wire import MAPPINGS_MAX, MEMBERS_MAX, WELL_KNOWNS_MAX
from tests.dialects.coveo.conftest import Coveo, accepted, coveo_error, group, owner, user


def test_each_array_over_its_maximum_is_refused_naming_it(coveo: Coveo, client: TestClient) -> None:
    g = group("g")
    too_many = {
        "members": [user(f"m{n}") for n in range(MEMBERS_MAX + 1)],
        "wellKnowns": [group(f"w{n}") for n in range(WELL_KNOWNS_MAX + 1)],
    }
    for name, items in too_many.items():
        body = {"identity": g, name: items}
        r = client.put(coveo.url("Groups", "permissions"), json=body)
        message = coveo_error(r, 413, "REQUEST_TOO_LARGE")["message"]
        assert name in message
        limit = MEMBERS_MAX if name == "members" else WELL_KNOWNS_MAX
        assert f"the maximum is {limit}" in message
    r = coveo.mappings("Email", user("ann"), [user(f"a{n}") for n in range(MAPPINGS_MAX + 1)])
    assert (
        f"mappings: the maximum is {MAPPINGS_MAX}"
        in coveo_error(r, 413, "REQUEST_TOO_LARGE")["message"]
    )
    assert owner(client, "Groups", "g") is None
    assert owner(client, "Groups", "m0") is None
    assert owner(client, "Email", "ann") is None


def test_the_largest_accepted_pushes_are_applied_whole(coveo: Coveo, client: TestClient) -> None:
    """MAPPINGS_MAX mapped identities become one profile with the identity; a group
    pushed with many members (through the bulk path, off the event loop) holds exactly
    them, and a second push replaces them."""
    rule = {"namespaces": {"Email": {"max_per_profile": MAPPINGS_MAX + 1}}}
    assert client.patch("/v1/workspace", json=rule).status_code == 200
    accepted(coveo.mappings("Email", user("ann"), [user(f"a{n}") for n in range(MAPPINGS_MAX)]))
    ann = owner(client, "Email", "ann")
    assert ann is not None
    assert owner(client, "Email", f"a{MAPPINGS_MAX - 1}") == ann
    members = [user(f"m{n}@x.example") for n in range(300)]
    accepted(coveo.permissions("Groups", group("big"), members=members, ordering=1))
    assert coveo.names("Groups", members[123]) == {"Groups:big"}
    accepted(coveo.permissions("Groups", group("big"), members=members[150:], ordering=2))
    assert coveo.names("Groups", members[0]) == set()
    assert coveo.names("Groups", members[299]) == {"Groups:big"}


def test_the_published_schema_shows_coveo_maxima(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert schemas["PermissionsIn"]["properties"]["members"]["maxItems"] == MEMBERS_MAX
    as_array = schemas["MappingsIn"]["properties"]["mappings"]["anyOf"][0]
    assert as_array["maxItems"] == MAPPINGS_MAX  # or one object (test_client_shapes)
