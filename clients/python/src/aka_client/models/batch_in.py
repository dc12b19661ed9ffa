from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_op import CreateOp
    from ..models.identify_op import IdentifyOp
    from ..models.link_op import LinkOp
    from ..models.merge_op import MergeOp
    from ..models.unlink_op import UnlinkOp


T = TypeVar("T", bound="BatchIn")


@_attrs_define
class BatchIn:
    operations: list[CreateOp | IdentifyOp | LinkOp | MergeOp | UnlinkOp]
    """ At most AKA_BATCH_MAX_OPERATIONS (default 10,000) operations. """
    dry_run: bool | Unset = False
    """ true: the whole batch is a dry run, as `?dry_run=true`. """

    def to_dict(self) -> dict[str, Any]:
        from ..models.identify_op import IdentifyOp  # noqa: PLC0415
        from ..models.link_op import LinkOp  # noqa: PLC0415
        from ..models.merge_op import MergeOp  # noqa: PLC0415
        from ..models.unlink_op import UnlinkOp  # noqa: PLC0415

        operations = []
        for operations_item_data in self.operations:
            operations_item: dict[str, Any]
            if isinstance(operations_item_data, LinkOp):
                operations_item = operations_item_data.to_dict()
            elif isinstance(operations_item_data, UnlinkOp):
                operations_item = operations_item_data.to_dict()
            elif isinstance(operations_item_data, IdentifyOp):
                operations_item = operations_item_data.to_dict()
            elif isinstance(operations_item_data, MergeOp):
                operations_item = operations_item_data.to_dict()
            else:
                operations_item = operations_item_data.to_dict()

            operations.append(operations_item)

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "operations": operations,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_op import CreateOp  # noqa: PLC0415
        from ..models.identify_op import IdentifyOp  # noqa: PLC0415
        from ..models.link_op import LinkOp  # noqa: PLC0415
        from ..models.merge_op import MergeOp  # noqa: PLC0415
        from ..models.unlink_op import UnlinkOp  # noqa: PLC0415

        d = dict(src_dict)
        operations = []
        _operations = d.pop("operations")
        for operations_item_data in _operations:

            def _parse_operations_item(
                data: object,
            ) -> CreateOp | IdentifyOp | LinkOp | MergeOp | UnlinkOp:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    operations_item_type_0 = LinkOp.from_dict(data)

                    return operations_item_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    operations_item_type_1 = UnlinkOp.from_dict(data)

                    return operations_item_type_1
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    operations_item_type_2 = IdentifyOp.from_dict(data)

                    return operations_item_type_2
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    operations_item_type_3 = MergeOp.from_dict(data)

                    return operations_item_type_3
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                if not isinstance(data, dict):
                    raise TypeError()
                operations_item_type_4 = CreateOp.from_dict(data)

                return operations_item_type_4

            operations_item = _parse_operations_item(operations_item_data)

            operations.append(operations_item)

        dry_run = d.pop("dry_run", UNSET)

        batch_in = cls(
            operations=operations,
            dry_run=dry_run,
        )

        return batch_in
