from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.dry_run_out import DryRunOut


T = TypeVar("T", bound="DryRunAnswerOut")


@_attrs_define
class DryRunAnswerOut:
    """A dry run's answer where the real call answers 204 (no body): 200 and this."""

    dry_run: DryRunOut
    """ What the real call would change. Nothing was written. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        dry_run = self.dry_run.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "dry_run": dry_run,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dry_run_out import DryRunOut  # noqa: PLC0415

        d = dict(src_dict)
        dry_run = DryRunOut.from_dict(d.pop("dry_run"))

        dry_run_answer_out = cls(
            dry_run=dry_run,
        )

        dry_run_answer_out.additional_properties = d
        return dry_run_answer_out

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
