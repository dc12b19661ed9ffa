from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.job_out_errors_item import JobOutErrorsItem


T = TypeVar("T", bound="JobOut")


@_attrs_define
class JobOut:
    """`status`: queued, running, done or failed. `done` items were applied (`failed`
    of them were refused, the first 100 listed in `errors` with their `item` index).

    """

    id: str
    kind: str
    status: str
    done: int
    failed: int
    total: int | None
    errors: list[JobOutErrorsItem]
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        kind = self.kind

        status = self.status

        done = self.done

        failed = self.failed

        total: int | None
        total = self.total

        errors = []
        for errors_item_data in self.errors:
            errors_item = errors_item_data.to_dict()
            errors.append(errors_item)

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "kind": kind,
                "status": status,
                "done": done,
                "failed": failed,
                "total": total,
                "errors": errors,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.job_out_errors_item import JobOutErrorsItem  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        kind = d.pop("kind")

        status = d.pop("status")

        done = d.pop("done")

        failed = d.pop("failed")

        def _parse_total(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        total = _parse_total(d.pop("total"))

        errors = []
        _errors = d.pop("errors")
        for errors_item_data in _errors:
            errors_item = JobOutErrorsItem.from_dict(errors_item_data)

            errors.append(errors_item)

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        job_out = cls(
            id=id,
            kind=kind,
            status=status,
            done=done,
            failed=failed,
            total=total,
            errors=errors,
            created_at=created_at,
            updated_at=updated_at,
        )

        job_out.additional_properties = d
        return job_out

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
