from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.key_in_rate_limits_type_0 import KeyInRateLimitsType0


T = TypeVar("T", bound="KeyIn")


@_attrs_define
class KeyIn:
    name: str | Unset = ""
    scopes: list[str] | None | Unset = UNSET
    rate_limits: KeyInRateLimitsType0 | None | Unset = UNSET
    """ This key's own limits, over the workspace's. Per endpoint group (`read`, `write`, `admin`): `N/second`,
    `N/minute` or `N/hour`, e.g. `{"read": "100/minute"}`. """
    namespaces: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.key_in_rate_limits_type_0 import KeyInRateLimitsType0  # noqa: PLC0415

        name = self.name

        scopes: list[str] | None | Unset
        if isinstance(self.scopes, Unset):
            scopes = UNSET
        elif isinstance(self.scopes, list):
            scopes = self.scopes

        else:
            scopes = self.scopes

        rate_limits: dict[str, Any] | None | Unset
        if isinstance(self.rate_limits, Unset):
            rate_limits = UNSET
        elif isinstance(self.rate_limits, KeyInRateLimitsType0):
            rate_limits = self.rate_limits.to_dict()
        else:
            rate_limits = self.rate_limits

        namespaces: list[str] | None | Unset
        if isinstance(self.namespaces, Unset):
            namespaces = UNSET
        elif isinstance(self.namespaces, list):
            namespaces = self.namespaces

        else:
            namespaces = self.namespaces

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if rate_limits is not UNSET:
            field_dict["rate_limits"] = rate_limits
        if namespaces is not UNSET:
            field_dict["namespaces"] = namespaces

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.key_in_rate_limits_type_0 import KeyInRateLimitsType0  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        def _parse_scopes(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = cast(list[str], data)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        scopes = _parse_scopes(d.pop("scopes", UNSET))

        def _parse_rate_limits(data: object) -> KeyInRateLimitsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rate_limits_type_0 = KeyInRateLimitsType0.from_dict(data)

                return rate_limits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KeyInRateLimitsType0 | None | Unset, data)

        rate_limits = _parse_rate_limits(d.pop("rate_limits", UNSET))

        def _parse_namespaces(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                namespaces_type_0 = cast(list[str], data)

                return namespaces_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        namespaces = _parse_namespaces(d.pop("namespaces", UNSET))

        key_in = cls(
            name=name,
            scopes=scopes,
            rate_limits=rate_limits,
            namespaces=namespaces,
        )

        return key_in
