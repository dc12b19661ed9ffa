"""What every input must be before a door decodes it, whatever the door or the store.

Each rule here exists because an input passed every typed check and then broke below
the wire, answering 500 on one store and not the other (issue 12):

- **No NUL character** (U+0000) in any string: PostgreSQL's `text` and `jsonb` cannot
  hold one, SQLite can, and the two stores must agree. Checked on path and query
  parameters and on every string (member names too) of a JSON body.
- **JSON nests at most `MAX_JSON_DEPTH` levels**: msgspec raises `RecursionError` past
  a few thousand, and the service walks attribute documents recursively.
- **Integers fit in 64 bits**: both stores keep them as 64-bit columns. This one is a
  declaration rule (`Int64`, `check_declared_ints`), so msgspec enforces it while it
  decodes and the OpenAPI document states the bounds.
- **A JSON body is declared as JSON, or not declared at all** (some vendor clients send
  no `Content-Type`); another media type is refused with 415.

The typed routing layer applies them to every route; a door that reads its own body
(Braze) calls `check_json_body` and `require_json_media_type` itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Final

import msgspec
from msgspec import Meta

from aka.core.errors import AkaError, Code

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "MAX_JSON_DEPTH",
    "Int64",
    "NonNegativeInt64",
    "check_declared_ints",
    "check_json_body",
    "check_json_value",
    "check_parameters",
    "require_json_media_type",
]

MAX_JSON_DEPTH: Final = 64
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1

Int64 = Annotated[int, Meta(ge=INT64_MIN, le=INT64_MAX)]
NonNegativeInt64 = Annotated[int, Meta(ge=0, le=INT64_MAX)]

_NUL: Final = "\x00"
_NUL_ESCAPE: Final = b"\\u0000"  # how a NUL can appear in JSON text (raw it is invalid)
_NOT_STRUCTURE: Final = bytes(b for b in range(256) if b not in b'[]{}"')
# Objects and arrays nest alike: one bracket kind, so each pass peels exactly one level.
_ONE_KIND: Final = bytes.maketrans(b"{}", b"[]")


# --- JSON bodies --------------------------------------------------------------------


def check_json_body(raw: bytes) -> None:
    """Refuse a JSON body nested deeper than `MAX_JSON_DEPTH` or holding a NUL character.

    Cheap on the common path: two byte counts and one substring search, all in C. The
    exact checks run only when those cannot rule the problem out. Bodies that are not
    JSON at all pass through, for the decoder to refuse in its own words.
    """
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _too_deep(raw):
        raise AkaError(
            Code.INVALID_INPUT,
            f"request body nests objects and arrays deeper than {MAX_JSON_DEPTH} levels",
            details={"limit": MAX_JSON_DEPTH},
        )
    if _NUL_ESCAPE in raw:
        try:
            document = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return
        _refuse_nul(document, "the body")


def check_json_value(value: Any) -> None:
    """The rules of `check_json_body` for a document decoded elsewhere (an item of a
    Coveo batch file, read from the store by a background job)."""
    if _deeper_than(value, MAX_JSON_DEPTH):
        raise AkaError(
            Code.INVALID_INPUT,
            f"the item nests objects and arrays deeper than {MAX_JSON_DEPTH} levels",
            details={"limit": MAX_JSON_DEPTH},
        )
    _refuse_nul(value, "the item")


def _refuse_nul(document: Any, whole: str) -> None:
    """INVALID_INPUT naming the first string or member name holding a NUL (`whole` when
    it is the document itself)."""
    path = _nul_path(document, "")
    if path is not None:
        raise AkaError(
            Code.INVALID_INPUT,
            f"{path or whole} must not contain a NUL character (U+0000)",
            field=path or None,
        )


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether `value` nests more than `levels` deep (recursing at most that far)."""
    if isinstance(value, dict):
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return False
    return levels == 0 or any(_deeper_than(child, levels - 1) for child in children)


def _too_deep(raw: bytes) -> bool:
    """Whether the JSON text nests deeper than the limit, without parsing it.

    Every step is a C-level bytes operation (a third of msgspec's decoding time): drop
    escaped backslashes and quotes, keep only quotes and brackets (as one kind), drop
    the strings, then peel the empty (innermost) pairs, one level per pass. A
    well-formed document is empty after exactly its depth in passes.
    """
    text = raw
    if b"\\" in text:
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    structure = text.translate(_ONE_KIND, _NOT_STRUCTURE)
    # A string without brackets is now `""`. If every string is one, no quote is left
    # (a bracket inside a string leaves a run of quotes of odd length before it);
    # otherwise split on the quotes and keep what is outside them.
    brackets = structure.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(structure.split(b'"')[::2])
    for _ in range(MAX_JSON_DEPTH):
        peeled = brackets.replace(b"[]", b"")
        if len(peeled) == len(brackets):
            return False  # not balanced JSON: the decoder will say so
        brackets = peeled
        if not brackets:
            return False
    return True


def _nul_path(value: Any, path: str) -> str | None:
    """The path (`identifiers[0].value`) of the first string holding a NUL, or None."""
    if isinstance(value, str):
        return path if _NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _NUL in key:
                return here.replace(_NUL, "\\u0000")
            found = _nul_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = _nul_path(item, f"{path}[{n}]")
            if found is not None:
                return found
    return None


def require_json_media_type(content_type: str | None) -> None:
    """Refuse a body declared as anything but JSON (415). No `Content-Type` passes:
    some vendor clients omit it and have always been read as JSON."""
    if content_type is None:
        return
    media = content_type.partition(";")[0].strip().lower()
    if media in ("", "application/json") or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return
    raise AkaError(
        Code.UNSUPPORTED_MEDIA_TYPE,
        f"this route reads a JSON body; Content-Type {media!r} is not"
        " application/json (or leave the header out)",
        field="Content-Type",
        details={"supported": ["application/json"]},
    )


# --- parameters ---------------------------------------------------------------------


def check_parameters(pairs: Iterable[tuple[str, str]], where: str) -> None:
    """Refuse a path or query parameter whose name or value holds a NUL character."""
    for name, value in pairs:
        if _NUL in name or _NUL in value:
            shown = name.replace(_NUL, "\\u0000")
            raise AkaError(
                Code.INVALID_INPUT,
                f"{where} parameter `{shown}` must not contain a NUL character (U+0000)",
                field=shown,
            )


# --- declarations -------------------------------------------------------------------


def check_declared_ints(tp: Any, where: str) -> None:
    """Fail at startup when an input type declares an integer that may pass 64 bits.

    Both stores keep integers in 64-bit columns, so an unbounded `int` lets a client
    send a value that only the database refuses (a 500). Declare `Int64` (or bounds of
    your own inside it) and msgspec refuses the value, naming the field.
    """
    for name, info in _ints(msgspec.inspect.type_info(tp), "", set()):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
        high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
        if low is None or high is None or low < INT64_MIN or high > INT64_MAX:
            raise TypeError(
                f"{where}: integer `{name or 'body'}` is not bounded to 64 bits;"
                " declare it as aka.http.input_rules.Int64 (or narrower bounds)"
            )


def _ints(
    info: msgspec.inspect.Type, path: str, seen: set[Any]
) -> Iterable[tuple[str, msgspec.inspect.IntType]]:
    """Every integer type reachable from a type (not through `Any`), with its path."""
    inspect = msgspec.inspect
    if isinstance(info, inspect.IntType):
        yield path, info
    elif isinstance(info, inspect.StructType):
        if info.cls in seen:
            return
        seen.add(info.cls)
        for f in info.fields:
            yield from _ints(f.type, f"{path}.{f.encode_name}" if path else f.encode_name, seen)
    elif isinstance(info, inspect.UnionType):
        for member in info.types:
            yield from _ints(member, path, seen)
    elif isinstance(info, inspect.Metadata):
        yield from _ints(info.type, path, seen)
    elif isinstance(
        info, inspect.ListType | inspect.SetType | inspect.FrozenSetType | inspect.VarTupleType
    ):
        yield from _ints(info.item_type, f"{path}[]", seen)
    elif isinstance(info, inspect.TupleType):
        for member in info.item_types:
            yield from _ints(member, f"{path}[]", seen)
    elif isinstance(info, inspect.DictType):
        yield from _ints(info.key_type, f"{path}{{}}", seen)
        yield from _ints(info.value_type, f"{path}{{}}", seen)
