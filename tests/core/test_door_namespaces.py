"""Door namespaces (ADR 0027): the one reading of `namespace_aliases`, its defaults,
its reverse for answers in a door's shape, and how the setting is validated."""

from __future__ import annotations

import pytest

from aka.core import door_namespaces as dn
from aka.core import normalize
from aka.core.door_namespaces import DoorNamespace
from aka.core.errors import AkaError, Code
from aka.core.model import IdentifierKey
from aka.core.settings import WorkspaceSettings

ESP = "Email Security Provider"


def test_defaults_say_where_each_door_stores_today() -> None:
    """Without the setting: a provider or an alias label is its own namespace, Mimecast's
    addresses are `email`, Appizer's fields their own names."""
    plain = WorkspaceSettings()
    assert plain.stored_namespace("coveo", ESP) == ESP
    assert plain.stored_namespace("braze", "cookie") == "cookie"
    assert plain.stored_namespace("mimecast", "address") == "email"
    assert (
        plain.stored_namespace("appizer", "alias"),
        plain.stored_namespace("appizer", "email"),
    ) == ("alias", "email")


def test_a_mapped_door_namespace_is_normalised_by_the_targets_rule() -> None:
    settings = WorkspaceSettings().updated({"namespace_aliases": {f"coveo:{ESP}": "email"}})
    got = normalize.identifier_key(DoorNamespace("coveo", ESP), " Ann@X.io", settings)
    assert got == IdentifierKey("email", "ann@x.io")
    assert normalize.lookup_key(DoorNamespace("coveo", ESP), "ANN@x.io", settings) == got
    # The native API names stored namespaces: a plain string is never mapped.
    assert normalize.identifier_key(ESP, "Ann@X.io", settings) == IdentifierKey(ESP, "Ann@X.io")
    # Another door's namespace of the same name is not mapped either.
    assert normalize.identifier_key(DoorNamespace("braze", ESP), "a", settings).namespace == ESP


def test_answers_name_the_door_namespace_again() -> None:
    settings = WorkspaceSettings().updated(
        {
            "namespace_aliases": {
                f"coveo:{ESP}": "email",
                "coveo:Another": "email",
                "braze:crm": "crm_id",
            }
        }
    )
    assert settings.door_namespace("coveo", "email") == "Another"  # the first key, sorted
    assert settings.door_namespace("coveo", "device") == "device"
    assert settings.door_namespace("braze", "crm_id") == "crm"
    assert settings.door_namespace("braze", "email") == "email"
    assert WorkspaceSettings().door_namespace("mimecast", "email") == "address"


def test_the_setting_round_trips_and_is_a_merge_patch() -> None:
    settings = WorkspaceSettings().updated(
        {"namespace_aliases": {"coveo:P": "email", "braze:x": "y"}}
    )
    assert WorkspaceSettings.from_json(settings.to_json()) == settings
    fewer = settings.updated({"namespace_aliases": {"braze:x": None}})
    assert fewer.namespace_aliases == {"coveo:P": "email"}
    assert settings.updated({"namespace_aliases": None}).namespace_aliases == {}


@pytest.mark.parametrize(
    ("patch", "field", "says"),
    [
        ("email", "namespace_aliases", "object"),
        ({"email": "x"}, "namespace_aliases.email", "<door>:<door namespace>"),
        ({"native:email": "x"}, "namespace_aliases.native:email", "coveo"),
        ({"coveo:": "x"}, "namespace_aliases.coveo:", "1 to 255"),
        ({"coveo:P": 3}, "namespace_aliases.coveo:P", "string"),
        ({"coveo:P": "x" * 256}, "namespace_aliases.coveo:P", "255"),
        ({f"coveo:p{n}": "x" for n in range(dn.MAX_ALIASES + 1)}, "namespace_aliases", "100"),
        ({"braze:old_ids": "aka:external_id"}, "namespace_aliases.braze:old_ids", "reserved"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_the_limit(
    patch: object, field: str, says: str
) -> None:
    with pytest.raises(AkaError) as caught:
        WorkspaceSettings().updated({"namespace_aliases": patch})
    assert (caught.value.code, caught.value.field) == (Code.SETTINGS_INVALID, field)
    assert says in caught.value.message


def test_changed_keys_compare_what_is_in_force() -> None:
    """Mapping `mimecast:address` onto `email` (its default) changes nothing."""
    assert dn.changed_keys({}, {"mimecast:address": "email"}) == {}
    assert dn.changed_keys({}, {"coveo:P": "email"}) == {"coveo:P": ("P", "email")}
    assert dn.changed_keys({"coveo:P": "email"}, {}) == {"coveo:P": ("email", "P")}
