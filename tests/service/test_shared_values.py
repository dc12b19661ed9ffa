"""Choosing among the users who share an email or phone: Braze's `prioritization`, an
ordered list of rules applied in turn (ADR 0018)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aka.core.errors import AkaError, Code
from aka.core.model import Profile
from aka.service.shared_values import choose

T = datetime(2026, 12, 1, tzinfo=UTC)


def user(pid: str, *, identified: bool = False, minutes: int = 0) -> Profile:
    return Profile(
        pid,
        external_id=f"ext-{pid}" if identified else None,
        updated_at=T + timedelta(minutes=minutes),
    )


OLD_KNOWN = user("a", identified=True, minutes=1)
NEW_KNOWN = user("b", identified=True, minutes=5)
OLD_ANON = user("c", minutes=2)
NEW_ANON = user("d", minutes=9)
EVERYONE = [OLD_KNOWN, NEW_KNOWN, OLD_ANON, NEW_ANON]


@pytest.mark.parametrize(
    ("prioritization", "chosen"),
    [
        (["identified", "most_recently_updated"], NEW_KNOWN),
        (["identified", "least_recently_updated"], OLD_KNOWN),
        (["unidentified", "most_recently_updated"], NEW_ANON),
        (["unidentified", "least_recently_updated"], OLD_ANON),
        (["most_recently_updated"], NEW_ANON),
        (["least_recently_updated"], OLD_KNOWN),
    ],
)
def test_each_rule_narrows_the_holders_in_the_order_given(
    prioritization: list[str], chosen: Profile
) -> None:
    """`identified`/`unidentified` keep users with (without) an external id; the
    recency rules keep the most (least) recently updated."""
    assert choose(EVERYONE, prioritization, "email 'x'") == chosen


def test_several_left_is_ambiguous_and_names_them() -> None:
    """Braze: when a prioritization leaves more than one user, nothing is merged."""
    with pytest.raises(AkaError) as caught:
        choose(EVERYONE, ["identified"], "email 'x'")
    assert caught.value.code is Code.AMBIGUOUS_REFERENCE
    assert caught.value.details["candidates"] == ["a", "b"]
    with pytest.raises(AkaError):
        choose([OLD_ANON, NEW_ANON], [], "email 'x'")


def test_one_holder_needs_no_prioritization_but_must_pass_its_filters() -> None:
    """A single holder is chosen; `identified` still requires it to be identified."""
    assert choose([OLD_ANON], [], "phone '+1'") == OLD_ANON
    with pytest.raises(AkaError) as caught:
        choose([OLD_ANON], ["identified"], "phone '+1'")
    assert caught.value.code is Code.PROFILE_NOT_FOUND


def test_identified_and_unidentified_together_or_an_unknown_rule_are_refused() -> None:
    """Only one of identified and unidentified may be given (Braze's rule)."""
    for bad in (["identified", "unidentified"], ["sometimes"]):
        with pytest.raises(AkaError) as caught:
            choose(EVERYONE, bad, "email 'x'")
        assert (caught.value.code, caught.value.field) == (Code.INVALID_INPUT, "prioritization")
