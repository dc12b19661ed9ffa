from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.link_op_op import LinkOpOp, check_link_op_op
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.identifier_in import IdentifierIn
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="LinkOp")


@_attrs_define
class LinkOp:
    op: LinkOpOp
    identifier: IdentifierIn
    profile: None | ProfileRefIn | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        op: str = self.op

        identifier = self.identifier.to_dict()

        profile: dict[str, Any] | None | Unset
        if isinstance(self.profile, Unset):
            profile = UNSET
        elif isinstance(self.profile, ProfileRefIn):
            profile = self.profile.to_dict()
        else:
            profile = self.profile

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "identifier": identifier,
            }
        )
        if profile is not UNSET:
            field_dict["profile"] = profile

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identifier_in import IdentifierIn  # noqa: PLC0415
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        op = check_link_op_op(d.pop("op"))

        identifier = IdentifierIn.from_dict(d.pop("identifier"))

        def _parse_profile(data: object) -> None | ProfileRefIn | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                profile_type_0 = ProfileRefIn.from_dict(data)

                return profile_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProfileRefIn | Unset, data)

        profile = _parse_profile(d.pop("profile", UNSET))

        link_op = cls(
            op=op,
            identifier=identifier,
            profile=profile,
        )

        return link_op
