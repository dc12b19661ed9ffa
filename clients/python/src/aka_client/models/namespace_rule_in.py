from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.normalization import Normalization, check_normalization
from ..types import UNSET, Unset

T = TypeVar("T", bound="NamespaceRuleIn")


@_attrs_define
class NamespaceRuleIn:
    normalization: Normalization | Unset = UNSET
    max_per_profile: int | Unset = UNSET
    blocked_values: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        normalization: str | Unset = UNSET
        if not isinstance(self.normalization, Unset):
            normalization = self.normalization

        max_per_profile = self.max_per_profile

        blocked_values: list[str] | None | Unset
        if isinstance(self.blocked_values, Unset):
            blocked_values = UNSET
        elif isinstance(self.blocked_values, list):
            blocked_values = self.blocked_values

        else:
            blocked_values = self.blocked_values

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if normalization is not UNSET:
            field_dict["normalization"] = normalization
        if max_per_profile is not UNSET:
            field_dict["max_per_profile"] = max_per_profile
        if blocked_values is not UNSET:
            field_dict["blocked_values"] = blocked_values

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _normalization = d.pop("normalization", UNSET)
        normalization: Normalization | Unset
        if isinstance(_normalization, Unset):
            normalization = UNSET
        else:
            normalization = check_normalization(_normalization)

        max_per_profile = d.pop("max_per_profile", UNSET)

        def _parse_blocked_values(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                blocked_values_type_0 = cast(list[str], data)

                return blocked_values_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        blocked_values = _parse_blocked_values(d.pop("blocked_values", UNSET))

        namespace_rule_in = cls(
            normalization=normalization,
            max_per_profile=max_per_profile,
            blocked_values=blocked_values,
        )

        return namespace_rule_in
