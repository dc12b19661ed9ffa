from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="MembershipIn")


@_attrs_define
class MembershipIn:
    group: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    member: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """

    def to_dict(self) -> dict[str, Any]:
        group = self.group.to_dict()

        member = self.member.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "group": group,
                "member": member,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        group = ProfileRefIn.from_dict(d.pop("group"))

        member = ProfileRefIn.from_dict(d.pop("member"))

        membership_in = cls(
            group=group,
            member=member,
        )

        return membership_in
