from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookOut")


@_attrs_define
class WebhookOut:
    id: str
    url: str
    events: list[str]
    namespaces: list[str] | None
    """ The namespace limit of the key that made it: what it delivers. """
    created_at: str
    created_by: None | str
    delivered_seq: int
    """ Every event up to this seq was delivered (or did not match). """
    failures: int
    """ Failed attempts in a row at the next batch. """
    next_attempt_at: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        events = self.events

        namespaces: list[str] | None
        if isinstance(self.namespaces, list):
            namespaces = self.namespaces

        else:
            namespaces = self.namespaces

        created_at = self.created_at

        created_by: None | str
        created_by = self.created_by

        delivered_seq = self.delivered_seq

        failures = self.failures

        next_attempt_at: None | str
        next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "events": events,
                "namespaces": namespaces,
                "created_at": created_at,
                "created_by": created_by,
                "delivered_seq": delivered_seq,
                "failures": failures,
                "next_attempt_at": next_attempt_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        events = cast(list[str], d.pop("events"))

        def _parse_namespaces(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                namespaces_type_0 = cast(list[str], data)

                return namespaces_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        namespaces = _parse_namespaces(d.pop("namespaces"))

        created_at = d.pop("created_at")

        def _parse_created_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_by = _parse_created_by(d.pop("created_by"))

        delivered_seq = d.pop("delivered_seq")

        failures = d.pop("failures")

        def _parse_next_attempt_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        webhook_out = cls(
            id=id,
            url=url,
            events=events,
            namespaces=namespaces,
            created_at=created_at,
            created_by=created_by,
            delivered_seq=delivered_seq,
            failures=failures,
            next_attempt_at=next_attempt_at,
        )

        webhook_out.additional_properties = d
        return webhook_out

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
