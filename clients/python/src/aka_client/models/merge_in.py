from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="MergeIn")


@_attrs_define
class MergeIn:
    keep: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    merge: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    force: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        keep = self.keep.to_dict()

        merge = self.merge.to_dict()

        force = self.force

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "keep": keep,
                "merge": merge,
            }
        )
        if force is not UNSET:
            field_dict["force"] = force

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        keep = ProfileRefIn.from_dict(d.pop("keep"))

        merge = ProfileRefIn.from_dict(d.pop("merge"))

        force = d.pop("force", UNSET)

        merge_in = cls(
            keep=keep,
            merge=merge,
            force=force,
        )

        return merge_in
