from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="IdentifierKeyIn")


@_attrs_define
class IdentifierKeyIn:
    namespace: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        namespace = self.namespace

        value = self.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "namespace": namespace,
                "value": value,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        namespace = d.pop("namespace")

        value = d.pop("value")

        identifier_key_in = cls(
            namespace=namespace,
            value=value,
        )

        return identifier_key_in
