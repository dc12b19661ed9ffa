from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MovedMembershipOut")


@_attrs_define
class MovedMembershipOut:
    """`group_id` -> `member_id` as it is; `to_*` as it would be (null: it would go)."""

    group_id: str
    member_id: str
    to_group_id: None | str
    to_member_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        group_id = self.group_id

        member_id = self.member_id

        to_group_id: None | str
        to_group_id = self.to_group_id

        to_member_id: None | str
        to_member_id = self.to_member_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "group_id": group_id,
                "member_id": member_id,
                "to_group_id": to_group_id,
                "to_member_id": to_member_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        group_id = d.pop("group_id")

        member_id = d.pop("member_id")

        def _parse_to_group_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        to_group_id = _parse_to_group_id(d.pop("to_group_id"))

        def _parse_to_member_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        to_member_id = _parse_to_member_id(d.pop("to_member_id"))

        moved_membership_out = cls(
            group_id=group_id,
            member_id=member_id,
            to_group_id=to_group_id,
            to_member_id=to_member_id,
        )

        moved_membership_out.additional_properties = d
        return moved_membership_out

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
