from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.identify_op_op import IdentifyOpOp, check_identify_op_op

if TYPE_CHECKING:
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="IdentifyOp")


@_attrs_define
class IdentifyOp:
    op: IdentifyOpOp
    profile: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    external_id: str

    def to_dict(self) -> dict[str, Any]:
        op: str = self.op

        profile = self.profile.to_dict()

        external_id = self.external_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "profile": profile,
                "external_id": external_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        op = check_identify_op_op(d.pop("op"))

        profile = ProfileRefIn.from_dict(d.pop("profile"))

        external_id = d.pop("external_id")

        identify_op = cls(
            op=op,
            profile=profile,
            external_id=external_id,
        )

        return identify_op
