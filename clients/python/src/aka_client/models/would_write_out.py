from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.would_write_out_payload import WouldWriteOutPayload


T = TypeVar("T", bound="WouldWriteOut")


@_attrs_define
class WouldWriteOut:
    """An event the real call would append (its `seq` and time are given when it is)."""

    type_: str
    profile_id: None | str
    payload: WouldWriteOutPayload
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        profile_id: None | str
        profile_id = self.profile_id

        payload = self.payload.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "profile_id": profile_id,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.would_write_out_payload import WouldWriteOutPayload  # noqa: PLC0415

        d = dict(src_dict)
        type_ = d.pop("type")

        def _parse_profile_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        profile_id = _parse_profile_id(d.pop("profile_id"))

        payload = WouldWriteOutPayload.from_dict(d.pop("payload"))

        would_write_out = cls(
            type_=type_,
            profile_id=profile_id,
            payload=payload,
        )

        would_write_out.additional_properties = d
        return would_write_out

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
