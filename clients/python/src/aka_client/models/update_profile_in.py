from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.update_profile_in_attributes import UpdateProfileInAttributes


T = TypeVar("T", bound="UpdateProfileIn")


@_attrs_define
class UpdateProfileIn:
    attributes: UpdateProfileInAttributes
    """ JSON merge patch: a null value removes the key. """

    def to_dict(self) -> dict[str, Any]:
        attributes = self.attributes.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "attributes": attributes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_profile_in_attributes import UpdateProfileInAttributes  # noqa: PLC0415

        d = dict(src_dict)
        attributes = UpdateProfileInAttributes.from_dict(d.pop("attributes"))

        update_profile_in = cls(
            attributes=attributes,
        )

        return update_profile_in
