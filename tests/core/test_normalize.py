"""normalize: what callers name things by, validated and brought to one spelling."""

from __future__ import annotations

import unicodedata

import pytest

from aka.core import normalize
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey
from aka.core.settings import WorkspaceSettings

DEFAULTS = WorkspaceSettings()


def key(namespace: object, value: object, settings: WorkspaceSettings = DEFAULTS) -> IdentifierKey:
    return normalize.identifier_key(namespace, value, settings)


def refusal(namespace: object, value: object, settings: WorkspaceSettings = DEFAULTS) -> AkaError:
    with pytest.raises(AkaError) as caught:
        key(namespace, value, settings)
    return caught.value


# --- namespaces ----------------------------------------------------------------------


def test_a_namespace_may_hold_spaces_and_be_255_characters_long() -> None:
    """Coveo provider names have spaces; 255 characters is the documented ceiling."""
    assert key("Email Security Provider", "x").namespace == "Email Security Provider"
    assert key("n" * 255, "x").namespace == "n" * 255


@pytest.mark.parametrize(("raw", "actual"), [("", 0), ("n" * 256, 256)])
def test_a_namespace_outside_1_to_255_characters_is_refused_naming_the_limit(
    raw: str, actual: int
) -> None:
    """The message and details state the limit and the actual length; field: namespace."""
    error = refusal(raw, "x")
    assert error.code is Code.NAMESPACE_INVALID
    assert error.field == "namespace"
    assert "255" in error.message
    assert error.details == {"limit": 255, "actual": actual}


def test_namespace_length_counts_characters_not_bytes() -> None:
    """255 three-byte characters are a valid namespace."""
    assert len(key("€" * 255, "x").namespace) == 255


def test_namespace_length_is_measured_after_nfc() -> None:
    """255 decomposed é (510 code points) compose to 255 characters: accepted."""
    assert key("e\u0301" * 255, "x").namespace == "\u00e9" * 255


@pytest.mark.parametrize("raw", ["crm\nid", "crm\x00", "\x1bcrm", "crm\u0085", "\ud800"])
def test_a_namespace_with_control_characters_is_refused(raw: str) -> None:
    """Newlines, NUL, ESC, C1 controls and lone surrogates never name anything."""
    error = refusal(raw, "x")
    assert error.code is Code.NAMESPACE_INVALID
    assert error.field == "namespace"
    assert "control characters" in error.message


@pytest.mark.parametrize("raw", [None, 7, b"email", ["email"]])
def test_a_namespace_that_is_not_a_string_is_refused(raw: object) -> None:
    """Bodies come from JSON: numbers, bytes and lists are refused, not coerced."""
    error = refusal(raw, "x")
    assert (error.code, error.field) == (Code.NAMESPACE_INVALID, "namespace")
    assert "must be a string" in error.message


def test_namespaces_are_nfc_normalised() -> None:
    """Two spellings of é are one namespace."""
    assert key("caf\u0065\u0301", "x") == key("caf\u00e9", "x")


def test_namespaces_are_exact_otherwise() -> None:
    """Case and surrounding spaces are part of the name."""
    assert key("CRM", "x") != key("crm", "x")
    assert key(" crm", "x").namespace == " crm"


# --- values --------------------------------------------------------------------------


def test_a_value_may_be_1024_bytes_long() -> None:
    """The limit is inclusive."""
    assert key("device", "v" * 1024).value == "v" * 1024


def test_a_value_over_1024_bytes_is_refused_naming_the_limit_in_bytes() -> None:
    """The limit is in UTF-8 bytes: 342 three-byte characters are 1026 bytes."""
    error = refusal("device", "€" * 342)
    assert error.code is Code.VALUE_INVALID
    assert error.field == "value"
    assert "1026 bytes" in error.message
    assert "1024 bytes" in error.message
    assert error.details == {"limit": 1024, "actual": 1026}


def test_value_size_is_measured_after_nfc() -> None:
    """512 decomposed é are 1536 bytes raw but 1024 bytes composed: accepted."""
    assert key("device", "e\u0301" * 512).value == "\u00e9" * 512


def test_an_empty_value_is_refused_as_empty() -> None:
    """Checked before the blocked list, so the message says what is wrong."""
    error = refusal("device", "")
    assert (error.code, error.field) == (Code.VALUE_INVALID, "value")
    assert "empty" in error.message


@pytest.mark.parametrize("raw", ["a\nb", "a\tb", "\x00", "a\x7f", "\x1fredacted:1:0"])
def test_a_value_with_control_characters_is_refused(raw: str) -> None:
    """Including the redaction placeholder's prefix: no real value can look redacted."""
    error = refusal("device", raw)
    assert (error.code, error.field) == (Code.VALUE_INVALID, "value")
    assert "control characters" in error.message


@pytest.mark.parametrize("raw", [None, 42, 4.2, {"v": 1}])
def test_a_value_that_is_not_a_string_is_refused(raw: object) -> None:
    """Numbers and objects are refused, not coerced into strings."""
    error = refusal("device", raw)
    assert (error.code, error.field) == (Code.VALUE_INVALID, "value")


def test_values_are_nfc_normalised() -> None:
    """A decomposed and a composed ë are one identifier."""
    assert key("device", "Zoe\u0308") == key("device", "Zo\u00eb")


def test_values_in_an_exact_namespace_keep_case_and_spaces() -> None:
    """Exact means exact: only NFC is applied."""
    assert key("device", "ABC").value == "ABC"
    assert key("device", " abc ").value == " abc "


def test_the_field_prefix_is_placed_before_every_field_name() -> None:
    """Nested bodies (`identifiers[2]`) get errors pointing at the exact field."""
    with pytest.raises(AkaError) as caught:
        normalize.identifier_key("device", "", DEFAULTS, field="identifiers[2]")
    assert caught.value.field == "identifiers[2].value"
    with pytest.raises(AkaError) as caught:
        normalize.identifier_key("", "x", DEFAULTS, field="identifiers[2]")
    assert caught.value.field == "identifiers[2].namespace"


# --- blocked values ------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["null", "NULL", " Undefined ", "None", "0", "-1", "unknown"])
def test_default_blocked_values_are_refused_case_insensitively(raw: str) -> None:
    """Values that glue strangers together never become identifiers."""
    error = refusal("device", raw)
    assert error.code is Code.VALUE_BLOCKED
    assert error.field == "value"
    assert "'device'" in error.message


def test_a_workspace_blocked_list_replaces_the_default_one() -> None:
    """A workspace that sets its own list no longer blocks the defaults."""
    settings = WorkspaceSettings().updated({"blocked_values": ["N/A"]})
    assert refusal("device", "n/a", settings).code is Code.VALUE_BLOCKED
    assert key("device", "null", settings).value == "null"


def test_a_namespace_blocked_list_applies_only_to_that_namespace() -> None:
    """A rule's list replaces the workspace list in its namespace and nowhere else."""
    settings = WorkspaceSettings().updated({"namespaces": {"crm": {"blocked_values": ["guest"]}}})
    assert refusal("crm", "GUEST", settings).code is Code.VALUE_BLOCKED
    assert key("crm", "null", settings).value == "null"  # replaced, not added to
    assert key("device", "guest", settings).value == "guest"
    assert refusal("device", "null", settings).code is Code.VALUE_BLOCKED


def test_blocked_values_are_matched_on_the_raw_value_in_an_email_namespace() -> None:
    """Matched trimmed and case-insensitively, before the address is normalised."""
    settings = WorkspaceSettings().updated({"blocked_values": ["noreply@example.com"]})
    assert refusal("email", " NoReply@Example.com", settings).code is Code.VALUE_BLOCKED


def test_reads_never_fail_on_a_blocked_value() -> None:
    """lookup_key answers a key that simply matches nothing."""
    assert normalize.lookup_key("device", "null", DEFAULTS) == IdentifierKey("device", "null")


# --- email ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ann@Example.COM", "ann@example.com"),
        ("  ann@example.com  ", "ann@example.com"),
        ("ann@example.com.", "ann@example.com"),
        ("Ann@Bücher.Example", "ann@xn--bcher-kva.example"),
        ("ann@XN--BCHER-KVA.example", "ann@xn--bcher-kva.example"),
        ("a+tag@sub.example.org", "a+tag@sub.example.org"),
        ('"odd@local"@example.com', '"odd@local"@example.com'),
    ],
)
def test_email_values_are_lower_cased_with_an_idna_domain(raw: str, expected: str) -> None:
    """Trimmed, lower-cased, trailing dot dropped, Unicode domains in IDNA form."""
    assert key("email", raw).value == expected


def test_two_spellings_of_one_address_are_one_identifier() -> None:
    """Unicode and punycode spellings of one domain, any case: one key."""
    assert key("email", "ANN@BÜCHER.example") == key("email", "ann@xn--bcher-kva.example")


def test_email_rules_apply_only_to_namespaces_whose_rule_says_email() -> None:
    """The rule, not the name, decides: `EMAIL` is just another exact namespace."""
    settings = WorkspaceSettings().updated(
        {"namespaces": {"work mail": {"normalization": "email"}}}
    )
    assert key("work mail", "Ann@Example.com", settings).value == "ann@example.com"
    assert key("EMAIL", "Ann@Example.com").value == "Ann@Example.com"  # another namespace
    assert key("email", "Ann@Example.com").value == "ann@example.com"


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("ann", "is not an email address"),
        ("ann@", "is not an email address"),
        ("@example.com", "is not an email address"),
        ("an n@example.com", "is not an email address"),
        ("a" * 65 + "@example.com", "is not an email address"),
        ("ann@localhost", "has an invalid domain"),
        ("ann@example..com", "has an invalid domain"),
        ("ann@-example.com", "has an invalid domain"),
        ("ann@example-.com", "has an invalid domain"),
        ("ann@" + "x" * 64 + ".com", "has an invalid domain"),
        ("ann@" + ".".join(["abcdefghi"] * 26) + ".com", "has an invalid domain"),
    ],
)
def test_invalid_addresses_are_refused_with_a_reason(raw: str, why: str) -> None:
    """The message says whether the address or its domain is wrong."""
    error = refusal("email", raw)
    assert error.code is Code.EMAIL_INVALID
    assert error.field == "value"
    assert why in error.message


def test_a_64_character_local_part_is_allowed() -> None:
    """RFC 5321's local-part limit, inclusive."""
    assert key("email", "a" * 64 + "@example.com").value == "a" * 64 + "@example.com"


def test_a_lookup_of_a_non_address_in_an_email_namespace_is_just_not_found() -> None:
    """Reads normalise what they can and never fail on a malformed address."""
    assert normalize.lookup_key("email", "Not An Address", DEFAULTS).value == "Not An Address"
    assert normalize.lookup_key("email", "ANN@EXAMPLE.COM", DEFAULTS).value == "ann@example.com"


# --- external ids --------------------------------------------------------------------


def test_an_external_id_is_nfc_and_kept_exact() -> None:
    """NFC only: the customer's own id keeps its case; `0` is a real id."""
    assert normalize.external_id("User-E\u0301") == "User-\u00c9"
    assert normalize.external_id("0") == "0"  # a real id in many systems


@pytest.mark.parametrize("raw", ["null", "None", " UNDEFINED "])
def test_a_placeholder_external_id_is_refused(raw: str) -> None:
    """null/None/undefined would join every anonymous caller into one person."""
    with pytest.raises(AkaError) as caught:
        normalize.external_id(raw)
    assert (caught.value.code, caught.value.field) == (Code.VALUE_BLOCKED, "external_id")


def test_an_external_id_has_the_value_limits() -> None:
    """1-1024 bytes, a string, no control characters; the error names the limit."""
    assert normalize.external_id("x" * 1024) == "x" * 1024
    with pytest.raises(AkaError) as caught:
        normalize.external_id("x" * 1025)
    assert caught.value.code is Code.EXTERNAL_ID_INVALID
    assert caught.value.field == "external_id"
    assert caught.value.details == {"limit": 1024, "actual": 1025}
    for bad in ("", "a\nb", 12):
        with pytest.raises(AkaError) as caught:
            normalize.external_id(bad)
        assert caught.value.code is Code.EXTERNAL_ID_INVALID


def test_the_control_character_check_agrees_with_unicodedata_on_every_code_point() -> None:
    """The fast regex refuses exactly the code points of category Cc and Cs."""
    disagree = [
        cp
        for cp in range(0x110000)
        if normalize.has_control(chr(cp)) != (unicodedata.category(chr(cp)) in ("Cc", "Cs"))
    ]
    assert disagree == []


def test_the_email_space_check_agrees_with_str_isspace_on_every_code_point() -> None:
    """An address holding any character `str.isspace` calls a space is refused: the
    regex behind the check finds exactly those."""
    disagree = [
        cp
        for cp in range(0x110000)
        if (normalize._SPACE.search(chr(cp)) is not None) != chr(cp).isspace()
    ]
    assert disagree == []
    with pytest.raises(AkaError) as caught:
        normalize.email("a\u2003b@example.com")
    assert caught.value.code is Code.EMAIL_INVALID


# --- phone numbers -----------------------------------------------------------------


PHONE_RULE = WorkspaceSettings().updated({"namespaces": {"phone": {"normalization": "phone"}}})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+14155552671", "+14155552671"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("415.555.2671", "+14155552671"),  # no country code: a US number, as Braze reads it
        ("4155552671", "+14155552671"),
        ("+44 20 7183 8750", "+442071838750"),
        (" +55 11 5525 6325 ", "+551155256325"),
    ],
)
def test_phone_values_are_e164(raw: str, expected: str) -> None:
    """Spaces, dots, dashes and brackets go; a number without `+` is a US one."""
    assert normalize.phone(raw) == expected
    assert key("phone", raw, PHONE_RULE).value == expected


@pytest.mark.parametrize("raw", ["call me", "12", "+1 415", "+999 1234567", "++1415"])
def test_a_value_that_is_no_possible_phone_number_is_refused_naming_the_field(raw: str) -> None:
    """PHONE_INVALID, naming the field and the form to send."""
    with pytest.raises(AkaError) as caught:
        normalize.phone(raw, "attributes[0].phone")
    assert caught.value.code is Code.PHONE_INVALID
    assert caught.value.field == "attributes[0].phone"
    assert "E.164" in caught.value.message


def test_the_phone_rule_is_opt_in_and_a_lookup_of_a_non_number_is_not_found() -> None:
    """Without the rule a `phone` namespace is exact (stores written before it keep their
    values); with it, a lookup of text that is no number simply finds nothing."""
    assert key("phone", "+1 (415) 555-2671").value == "+1 (415) 555-2671"
    looked = normalize.lookup_key("phone", "not a number", PHONE_RULE)
    assert looked.value == "not a number"
    with pytest.raises(AkaError):
        key("phone", "not a number", PHONE_RULE)
