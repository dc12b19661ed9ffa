from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.create_op_op import CreateOpOp, check_create_op_op
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_op_attributes import CreateOpAttributes
    from ..models.identifier_in import IdentifierIn


T = TypeVar("T", bound="CreateOp")


@_attrs_define
class CreateOp:
    op: CreateOpOp
    external_id: None | str | Unset = UNSET
    attributes: CreateOpAttributes | Unset = UNSET
    """ A small JSON object (≤256 keys, ≤16 KiB). """
    identifiers: list[IdentifierIn] | Unset = UNSET
    """ At most 1,000 identifiers. """

    def to_dict(self) -> dict[str, Any]:
        op: str = self.op

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.to_dict()

        identifiers: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.identifiers, Unset):
            identifiers = []
            for identifiers_item_data in self.identifiers:
                identifiers_item = identifiers_item_data.to_dict()
                identifiers.append(identifiers_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "op": op,
            }
        )
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if attributes is not UNSET:
            field_dict["attributes"] = attributes
        if identifiers is not UNSET:
            field_dict["identifiers"] = identifiers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_op_attributes import CreateOpAttributes  # noqa: PLC0415
        from ..models.identifier_in import IdentifierIn  # noqa: PLC0415

        d = dict(src_dict)
        op = check_create_op_op(d.pop("op"))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        _attributes = d.pop("attributes", UNSET)
        attributes: CreateOpAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = CreateOpAttributes.from_dict(_attributes)

        _identifiers = d.pop("identifiers", UNSET)
        identifiers: list[IdentifierIn] | Unset = UNSET
        if _identifiers is not UNSET:
            identifiers = []
            for identifiers_item_data in _identifiers:
                identifiers_item = IdentifierIn.from_dict(identifiers_item_data)

                identifiers.append(identifiers_item)

        create_op = cls(
            op=op,
            external_id=external_id,
            attributes=attributes,
            identifiers=identifiers,
        )

        return create_op
