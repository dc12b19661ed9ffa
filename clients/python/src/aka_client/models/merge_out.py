from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dry_run_out import DryRunOut
    from ..models.profile_out import ProfileOut


T = TypeVar("T", bound="MergeOut")


@_attrs_define
class MergeOut:
    id: int
    """ The merge's id; `POST /v1/merges/{id}/undo` takes it. """
    profile: ProfileOut
    dry_run: DryRunOut | Unset = UNSET
    """ What the real call would change. Nothing was written. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        profile = self.profile.to_dict()

        dry_run: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dry_run, Unset):
            dry_run = self.dry_run.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "profile": profile,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dry_run_out import DryRunOut  # noqa: PLC0415
        from ..models.profile_out import ProfileOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        profile = ProfileOut.from_dict(d.pop("profile"))

        _dry_run = d.pop("dry_run", UNSET)
        dry_run: DryRunOut | Unset
        if isinstance(_dry_run, Unset):
            dry_run = UNSET
        else:
            dry_run = DryRunOut.from_dict(_dry_run)

        merge_out = cls(
            id=id,
            profile=profile,
            dry_run=dry_run,
        )

        merge_out.additional_properties = d
        return merge_out

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
