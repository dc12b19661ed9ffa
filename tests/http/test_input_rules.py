"""The rules every input obeys before a door decodes it (`aka.http.input_rules`), checked
against plain definitions: depth as the decoder sees it, NUL as Python sees it."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import Meta

from aka.core.errors import AkaError, Code
from aka.http.input_rules import (
    MAX_JSON_DEPTH,
    Int64,
    NonNegativeInt64,
    check_declared_ints,
    check_json_body,
    check_json_value,
    check_parameters,
    require_json_media_type,
)

# Strings full of what could fool a scanner: brackets, quotes, backslashes, NUL.
tricky_text = st.text(alphabet=st.sampled_from('ab[]{}"\\:, \x00\u0000é'), max_size=8)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | tricky_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(tricky_text, inner, max_size=3),
    max_leaves=12,
)


def depth(value: Any) -> int:
    """Nesting depth as the decoder recurses: a scalar is 0, `[]` is 1."""
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    if isinstance(value, dict):
        return any("\x00" in k or holds_nul(v) for k, v in value.items())
    return False


def refusal(raw: bytes) -> AkaError | None:
    try:
        check_json_body(raw)
    except AkaError as error:
        return error
    return None


def value_refusal(value: Any) -> AkaError | None:
    try:
        check_json_value(value)
    except AkaError as error:
        return error
    return None


@settings(max_examples=300, deadline=None)
@given(value=json_values, wraps=st.lists(st.booleans(), max_size=MAX_JSON_DEPTH + 8))
def test_a_body_is_refused_exactly_when_too_deep_or_holding_a_nul(
    value: Any, wraps: list[bool]
) -> None:
    """Whatever the strings hold, the scan of the text, and the walk of a document
    decoded elsewhere (a batch file's item), agree with the decoded document."""
    for as_object in wraps:  # objects and arrays interleaved, the hardest case to count
        value = {"k": value} if as_object else [value]
    raw = json.dumps(value).encode()
    for error in (refusal(raw), value_refusal(value)):
        if depth(value) > MAX_JSON_DEPTH:
            assert error is not None
            assert error.details == {"limit": MAX_JSON_DEPTH}
        elif holds_nul(value):
            assert error is not None
            assert "NUL" in error.message
        else:
            assert error is None


def test_a_nul_is_named_by_its_path() -> None:
    raw = json.dumps({"a": [{"b": "ok"}, {"c": "x\x00"}]}).encode()
    error = refusal(raw)
    assert error is not None
    assert error.code is Code.INVALID_INPUT
    assert error.field == "a[1].c"


def test_text_that_is_not_json_is_left_to_the_decoder() -> None:
    """Unbalanced brackets or a broken document are the decoder's to refuse, in its words."""
    assert refusal(b"[" * 500) is None
    assert refusal(b'{"a": "\\u0000') is None


@pytest.mark.parametrize(
    "content_type",
    [None, "", "application/json", "application/json; charset=utf-8", "application/x+json"],
)
def test_json_or_no_media_type_is_accepted(content_type: str | None) -> None:
    require_json_media_type(content_type)


@pytest.mark.parametrize(
    "content_type", ["text/plain", "text/json", "multipart/form-data; boundary=x", "json"]
)
def test_another_media_type_is_415(content_type: str) -> None:
    with pytest.raises(AkaError) as refused:
        require_json_media_type(content_type)
    assert refused.value.code is Code.UNSUPPORTED_MEDIA_TYPE
    assert refused.value.field == "Content-Type"


def test_a_nul_in_a_parameter_name_or_value_is_refused_naming_it() -> None:
    check_parameters([("a", "b")], "query")
    for pair in (("id", "a\x00"), ("i\x00d", "a")):
        with pytest.raises(AkaError) as refused:
            check_parameters([pair], "query")
        assert refused.value.field == pair[0].replace("\x00", "\\u0000")


class Unbounded(msgspec.Struct):
    n: int


class HalfBounded(msgspec.Struct):
    n: Annotated[int, Meta(ge=0)]


class Nested(msgspec.Struct):
    items: list[dict[str, int | None]]


class Bounded(msgspec.Struct):
    a: Int64
    b: NonNegativeInt64 | None = None
    c: Annotated[int, Meta(gt=0, lt=100)] = 1
    d: list[Int64] = []


@pytest.mark.parametrize(
    ("declared", "name"), [(Unbounded, "n"), (HalfBounded, "n"), (Nested, "items[]{}")]
)
def test_an_integer_that_may_pass_64_bits_fails_the_declaration(
    declared: type[Any], name: str
) -> None:
    """Caught at startup: the store would be the first to refuse such a value (a 500)."""
    with pytest.raises(TypeError, match=f"`{re.escape(name)}`.*64 bits"):
        check_declared_ints(declared, "POST /x")


def test_bounded_integers_pass_the_declaration() -> None:
    check_declared_ints(Bounded, "POST /x")
    assert msgspec.convert({"a": str(2**63 - 1)}, Bounded, strict=False).a == 2**63 - 1
    with pytest.raises(msgspec.ValidationError, match="9223372036854775807"):
        msgspec.convert({"a": str(2**63)}, Bounded, strict=False)
