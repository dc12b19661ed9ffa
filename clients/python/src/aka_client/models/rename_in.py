from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RenameIn")


@_attrs_define
class RenameIn:
    external_id: str
    """ The profile's new external id; its current one stays as a deprecated identifier (namespace
    `aka:external_id`) until removed. """

    def to_dict(self) -> dict[str, Any]:
        external_id = self.external_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "external_id": external_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        external_id = d.pop("external_id")

        rename_in = cls(
            external_id=external_id,
        )

        return rename_in
