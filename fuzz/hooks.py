"""Schemathesis hooks for the fuzzing run (loaded through `SCHEMATHESIS_HOOKS`).

The runner passes what they need in the environment:
- `AKA_FUZZ_KEY`: the admin key every request presents (Bearer);
- `AKA_FUZZ_KEY_IDS`: ids of the run's own keys, which the fuzzer must not revoke
  (`DELETE /v1/keys/{id}` with an id read from `GET /v1/keys` would lock it out, and
  every later answer would be a 401 that tests nothing);
- `AKA_FUZZ_MIMECAST`: the JSON credentials of a Mimecast key, to sign `/api/...`;
- `AKA_FUZZ_WORKSPACE`: the workspace, used as Coveo's organization id.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import schemathesis

from aka.security.signatures import sign

_KEY = os.environ.get("AKA_FUZZ_KEY", "")
_OWN_KEYS = frozenset(filter(None, os.environ.get("AKA_FUZZ_KEY_IDS", "").split(",")))
_MIMECAST: dict[str, str] = json.loads(os.environ.get("AKA_FUZZ_MIMECAST") or "{}")
_WORKSPACE = os.environ.get("AKA_FUZZ_WORKSPACE", "default")
_NOT_OURS = "key-the-fuzzer-may-revoke"


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:  # noqa: ARG001 (hook signature)
    """Authenticate every request as its door expects (Mimecast: signed headers; every
    other door: the bearer key, which the probes and the upload URL ignore), spare the
    run's own keys and its rate limits."""
    operation = case.operation
    params = case.path_parameters
    if params is not None:
        revoking = operation.method.upper() == "DELETE" and operation.path == "/v1/keys/{id}"
        if revoking and params.get("id") in _OWN_KEYS:
            params["id"] = _NOT_OURS
        for name in ("organizationId", "workspace"):  # Coveo's routes and upload URL
            if name in params:
                # Another organization is a plain 403 or 404; the fuzzer should reach
                # the routes (an upload then meets the token check).
                params[name] = _WORKSPACE
    if operation.path == "/v1/workspace" and isinstance(case.body, dict):
        # Workspace limits win over the run's out-of-reach server limits: a generated
        # "1/hour" would answer 429 to everything after it, testing nothing more.
        case.body.pop("rate_limits", None)
    headers = case.headers if case.headers is not None else {}
    if operation.path.startswith("/api/") and _MIMECAST:
        headers.update(_mimecast_headers(operation.path))
    else:
        headers["Authorization"] = f"Bearer {_KEY}"
    case.headers = headers


def _mimecast_headers(path: str) -> dict[str, str]:
    """The HMAC-SHA1 headers of a Mimecast API 1.0 call on `path`, signed now."""
    date = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S UTC")
    request_id = str(uuid.uuid4())
    signature = sign(_MIMECAST["secret_key"], date, request_id, path, _MIMECAST["app_key"])
    return {
        "Authorization": f"MC {_MIMECAST['access_key']}:{signature}",
        "x-mc-date": date,
        "x-mc-req-id": request_id,
        "x-mc-app-id": _MIMECAST["app_id"],
    }
