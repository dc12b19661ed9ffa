from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.profile_out import ProfileOut


T = TypeVar("T", bound="ExpansionOut")


@_attrs_define
class ExpansionOut:
    profile: ProfileOut
    groups: list[ProfileOut]
    depth_limited: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        profile = self.profile.to_dict()

        groups = []
        for groups_item_data in self.groups:
            groups_item = groups_item_data.to_dict()
            groups.append(groups_item)

        depth_limited = self.depth_limited

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "profile": profile,
                "groups": groups,
                "depth_limited": depth_limited,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_out import ProfileOut  # noqa: PLC0415

        d = dict(src_dict)
        profile = ProfileOut.from_dict(d.pop("profile"))

        groups = []
        _groups = d.pop("groups")
        for groups_item_data in _groups:
            groups_item = ProfileOut.from_dict(groups_item_data)

            groups.append(groups_item)

        depth_limited = d.pop("depth_limited")

        expansion_out = cls(
            profile=profile,
            groups=groups,
            depth_limited=depth_limited,
        )

        expansion_out.additional_properties = d
        return expansion_out

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
