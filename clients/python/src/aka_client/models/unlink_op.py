from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.unlink_op_op import UnlinkOpOp, check_unlink_op_op

if TYPE_CHECKING:
    from ..models.identifier_key_in import IdentifierKeyIn


T = TypeVar("T", bound="UnlinkOp")


@_attrs_define
class UnlinkOp:
    op: UnlinkOpOp
    identifier: IdentifierKeyIn

    def to_dict(self) -> dict[str, Any]:
        op: str = self.op

        identifier = self.identifier.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
                "identifier": identifier,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.identifier_key_in import IdentifierKeyIn  # noqa: PLC0415

        d = dict(src_dict)
        op = check_unlink_op_op(d.pop("op"))

        identifier = IdentifierKeyIn.from_dict(d.pop("identifier"))

        unlink_op = cls(
            op=op,
            identifier=identifier,
        )

        return unlink_op
