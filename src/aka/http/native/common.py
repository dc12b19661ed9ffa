"""Small pieces shared by the native route modules."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Struct
from starlette.responses import Response

from aka.http.input_rules import Int64
from aka.security.auth import Principal

_encode = msgspec.json.Encoder().encode


class ProfilePath(Struct):
    id: str


class MergePath(Struct):
    id: Int64


class KeyPath(Struct):
    id: str


def principal(auth: Any) -> Principal:
    assert isinstance(auth, Principal)
    return auth


def json_response(value: Any, status: int) -> Response:
    """A JSON answer with a status decided at run time (e.g. 201 created vs 200 existing)."""
    return Response(_encode(value), status_code=status, media_type="application/json")


def no_content() -> Response:
    return Response(status_code=204)
