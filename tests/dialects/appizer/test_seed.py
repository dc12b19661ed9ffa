"""Seed 002: each request example (JavaScript fetch, Python requests, cURL), sent as
written with only the host changed, gets the documented answer."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest

from aka.service import admin

from .conftest import Appizer

SECRET = "YOUR_API_KEY"
DOCUMENTED = {
    "success": True,
    "alias_id": "legacy_999",
    "user_id": "user_123",
    "message": "Alias created",
}
PAYLOAD = {"user_id": "user_123", "alias_id": "legacy_999"}
# The bytes each example puts on the wire: JSON.stringify and requests' json= are
# compact; the cURL example sends its -d text as typed.
BODIES = {
    "javascript": json.dumps(PAYLOAD, separators=(",", ":")).encode(),
    "python": json.dumps(PAYLOAD).encode(),
    "curl": b'{\n"user_id": "user_123",\n"alias_id": "legacy_999"\n}',
}


@pytest.mark.parametrize("example", sorted(BODIES))
def test_each_example_gets_the_documented_answer(appizer: Appizer, example: str) -> None:
    """201 and exactly the documented body; afterwards either id finds the user."""
    admin.issue_key(appizer.store, "default", scopes=["identities:write"], secret=SECRET)
    appizer.user("user_123")
    url = urljoin(str(appizer.client.base_url), "/v1/users/aliases")
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    r = appizer.client.post(url, content=BODIES[example], headers=headers)
    assert (r.status_code, r.json()) == (201, DOCUMENTED)
    for either in ("user_123", "legacy_999"):
        assert appizer.ok(appizer.get(f"/v1/users/{either}"))["user_id"] == "user_123"
