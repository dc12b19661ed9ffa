from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryOut")


@_attrs_define
class DeliveryOut:
    id: str
    first_seq: int
    last_seq: int
    events: int
    attempt: int
    """ 1 for a batch's first attempt, then 2, 3... """
    status_code: int | None
    """ The receiver's answer, if any. """
    error: None | str
    """ Why there was no answer (a timeout...). """
    at: str
    duration_ms: int
    next_attempt_at: None | str
    """ When a failed batch is tried again. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        first_seq = self.first_seq

        last_seq = self.last_seq

        events = self.events

        attempt = self.attempt

        status_code: int | None
        status_code = self.status_code

        error: None | str
        error = self.error

        at = self.at

        duration_ms = self.duration_ms

        next_attempt_at: None | str
        next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "first_seq": first_seq,
                "last_seq": last_seq,
                "events": events,
                "attempt": attempt,
                "status_code": status_code,
                "error": error,
                "at": at,
                "duration_ms": duration_ms,
                "next_attempt_at": next_attempt_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        first_seq = d.pop("first_seq")

        last_seq = d.pop("last_seq")

        events = d.pop("events")

        attempt = d.pop("attempt")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        at = d.pop("at")

        duration_ms = d.pop("duration_ms")

        def _parse_next_attempt_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        delivery_out = cls(
            id=id,
            first_seq=first_seq,
            last_seq=last_seq,
            events=events,
            attempt=attempt,
            status_code=status_code,
            error=error,
            at=at,
            duration_ms=duration_ms,
            next_attempt_at=next_attempt_at,
        )

        delivery_out.additional_properties = d
        return delivery_out

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
