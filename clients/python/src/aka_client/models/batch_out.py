from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.batch_result_out import BatchResultOut
    from ..models.dry_run_out import DryRunOut


T = TypeVar("T", bound="BatchOut")


@_attrs_define
class BatchOut:
    results: list[BatchResultOut]
    dry_run: DryRunOut | Unset = UNSET
    """ What the real call would change. Nothing was written. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        dry_run: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dry_run, Unset):
            dry_run = self.dry_run.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "results": results,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_result_out import BatchResultOut  # noqa: PLC0415
        from ..models.dry_run_out import DryRunOut  # noqa: PLC0415

        d = dict(src_dict)
        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = BatchResultOut.from_dict(results_item_data)

            results.append(results_item)

        _dry_run = d.pop("dry_run", UNSET)
        dry_run: DryRunOut | Unset
        if isinstance(_dry_run, Unset):
            dry_run = UNSET
        else:
            dry_run = DryRunOut.from_dict(_dry_run)

        batch_out = cls(
            results=results,
            dry_run=dry_run,
        )

        batch_out.additional_properties = d
        return batch_out

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
