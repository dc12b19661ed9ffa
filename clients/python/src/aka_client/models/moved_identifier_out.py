from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MovedIdentifierOut")


@_attrs_define
class MovedIdentifierOut:
    namespace: str
    value: str
    from_profile: str
    to_profile: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        value = self.value

        from_profile = self.from_profile

        to_profile = self.to_profile

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "namespace": namespace,
                "value": value,
                "from_profile": from_profile,
                "to_profile": to_profile,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        namespace = d.pop("namespace")

        value = d.pop("value")

        from_profile = d.pop("from_profile")

        to_profile = d.pop("to_profile")

        moved_identifier_out = cls(
            namespace=namespace,
            value=value,
            from_profile=from_profile,
            to_profile=to_profile,
        )

        moved_identifier_out.additional_properties = d
        return moved_identifier_out

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
