from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="IdentifyIn")


@_attrs_define
class IdentifyIn:
    profile: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    external_id: str

    def to_dict(self) -> dict[str, Any]:
        profile = self.profile.to_dict()

        external_id = self.external_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "profile": profile,
                "external_id": external_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        profile = ProfileRefIn.from_dict(d.pop("profile"))

        external_id = d.pop("external_id")

        identify_in = cls(
            profile=profile,
            external_id=external_id,
        )

        return identify_in
