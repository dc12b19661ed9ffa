from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.profile_ref_in import ProfileRefIn


T = TypeVar("T", bound="ExplainIn")


@_attrs_define
class ExplainIn:
    a: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """
    b: ProfileRefIn
    """ Exactly one of: `profile_id`; `external_id`; `namespace` + `value`. """

    def to_dict(self) -> dict[str, Any]:
        a = self.a.to_dict()

        b = self.b.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "a": a,
                "b": b,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.profile_ref_in import ProfileRefIn  # noqa: PLC0415

        d = dict(src_dict)
        a = ProfileRefIn.from_dict(d.pop("a"))

        b = ProfileRefIn.from_dict(d.pop("b"))

        explain_in = cls(
            a=a,
            b=b,
        )

        return explain_in
