"""A query string's pairs: the fast path reads exactly what `parse_qsl` reads.

Every request with a query is parsed; without `%` escapes or `+` there is nothing to
decode, so the pairs are split directly. Held here to `parse_qsl(keep_blank_values=True)`
on every string, escaped or not.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from aka.http.endpoints import query_pairs

PIECES = st.sampled_from(["a", "b", "=", "&", "%40", "%", "+", " ", "é", "x=1", "&&", "=="])


@given(st.lists(PIECES, max_size=12).map("".join))
def test_query_pairs_read_as_parse_qsl_does(query: str) -> None:
    assert query_pairs(query) == parse_qsl(query, keep_blank_values=True)


def test_a_plain_query_needs_no_decoding() -> None:
    assert query_pairs("namespace=email&value=a@x.io&flag&empty=") == [
        ("namespace", "email"),
        ("value", "a@x.io"),
        ("flag", ""),
        ("empty", ""),
    ]
