from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.workspace_out_settings import WorkspaceOutSettings


T = TypeVar("T", bound="WorkspaceOut")


@_attrs_define
class WorkspaceOut:
    id: str
    settings: WorkspaceOutSettings
    created_at: str
    last_seq: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        settings = self.settings.to_dict()

        created_at = self.created_at

        last_seq = self.last_seq

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "settings": settings,
                "created_at": created_at,
                "last_seq": last_seq,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workspace_out_settings import WorkspaceOutSettings  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        settings = WorkspaceOutSettings.from_dict(d.pop("settings"))

        created_at = d.pop("created_at")

        last_seq = d.pop("last_seq")

        workspace_out = cls(
            id=id,
            settings=settings,
            created_at=created_at,
            last_seq=last_seq,
        )

        workspace_out.additional_properties = d
        return workspace_out

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
