from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.kind import Kind, check_kind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.identifier_out_attributes import IdentifierOutAttributes


T = TypeVar("T", bound="IdentifierOut")


@_attrs_define
class IdentifierOut:
    namespace: str
    value: str
    kind: Kind
    """ What an identifier names: a person, a group, or something the caller did not say. """
    primary: bool
    disabled: bool
    attributes: IdentifierOutAttributes
    created_at: None | str
    deprecated: bool | Unset = False
    """ A name the profile was renamed away from (an old external id in `aka:external_id`, an alias kept on update):
    it still resolves, until removed. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        value = self.value

        kind: str = self.kind

        primary = self.primary

        disabled = self.disabled

        attributes = self.attributes.to_dict()

        created_at: None | str
        created_at = self.created_at

        deprecated = self.deprecated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "namespace": namespace,
                "value": value,
                "kind": kind,
                "primary": primary,
                "disabled": disabled,
                "attributes": attributes,
                "created_at": created_at,
            }
        )
        if deprecated is not UNSET:
            field_dict["deprecated"] = deprecated

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identifier_out_attributes import IdentifierOutAttributes  # noqa: PLC0415

        d = dict(src_dict)
        namespace = d.pop("namespace")

        value = d.pop("value")

        kind = check_kind(d.pop("kind"))

        primary = d.pop("primary")

        disabled = d.pop("disabled")

        attributes = IdentifierOutAttributes.from_dict(d.pop("attributes"))

        def _parse_created_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_at = _parse_created_at(d.pop("created_at"))

        deprecated = d.pop("deprecated", UNSET)

        identifier_out = cls(
            namespace=namespace,
            value=value,
            kind=kind,
            primary=primary,
            disabled=disabled,
            attributes=attributes,
            created_at=created_at,
            deprecated=deprecated,
        )

        identifier_out.additional_properties = d
        return identifier_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
