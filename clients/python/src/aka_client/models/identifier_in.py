from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.kind import Kind, check_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.identifier_in_attributes import IdentifierInAttributes


T = TypeVar("T", bound="IdentifierIn")


@_attrs_define
class IdentifierIn:
    namespace: str
    value: str
    kind: Kind | Unset = UNSET
    """ What an identifier names: a person, a group, or something the caller did not say. """
    primary: bool | Unset = False
    attributes: IdentifierInAttributes | Unset = UNSET
    """ A small JSON object (≤256 keys, ≤16 KiB). """

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        value = self.value

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind

        primary = self.primary

        attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "namespace": namespace,
                "value": value,
            }
        )
        if kind is not UNSET:
            field_dict["kind"] = kind
        if primary is not UNSET:
            field_dict["primary"] = primary
        if attributes is not UNSET:
            field_dict["attributes"] = attributes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identifier_in_attributes import IdentifierInAttributes  # noqa: PLC0415

        d = dict(src_dict)
        namespace = d.pop("namespace")

        value = d.pop("value")

        _kind = d.pop("kind", UNSET)
        kind: Kind | Unset
        if isinstance(_kind, Unset):
            kind = UNSET
        else:
            kind = check_kind(_kind)

        primary = d.pop("primary", UNSET)

        _attributes = d.pop("attributes", UNSET)
        attributes: IdentifierInAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = IdentifierInAttributes.from_dict(_attributes)

        identifier_in = cls(
            namespace=namespace,
            value=value,
            kind=kind,
            primary=primary,
            attributes=attributes,
        )

        return identifier_in
