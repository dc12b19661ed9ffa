from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.merge_policy import MergePolicy, check_merge_policy
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.workspace_patch_in_namespace_aliases_type_0 import (
        WorkspacePatchInNamespaceAliasesType0,
    )
    from ..models.workspace_patch_in_namespaces import WorkspacePatchInNamespaces
    from ..models.workspace_patch_in_rate_limits_type_0 import WorkspacePatchInRateLimitsType0


T = TypeVar("T", bound="WorkspacePatchIn")


@_attrs_define
class WorkspacePatchIn:
    """A JSON merge patch over the workspace settings; a null namespace rule removes it."""

    merge_policy: MergePolicy | Unset = UNSET
    namespaces: WorkspacePatchInNamespaces | Unset = UNSET
    blocked_values: list[str] | Unset = UNSET
    """ At most 1,000 values. """
    internal_domains: list[str] | Unset = UNSET
    """ At most 1,000 values. """
    rate_limits: None | Unset | WorkspacePatchInRateLimitsType0 = UNSET
    namespace_aliases: None | Unset | WorkspacePatchInNamespaceAliasesType0 = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.workspace_patch_in_namespace_aliases_type_0 import (
            WorkspacePatchInNamespaceAliasesType0,  # noqa: PLC0415
        )
        from ..models.workspace_patch_in_rate_limits_type_0 import WorkspacePatchInRateLimitsType0  # noqa: PLC0415

        merge_policy: str | Unset = UNSET
        if not isinstance(self.merge_policy, Unset):
            merge_policy = self.merge_policy

        namespaces: dict[str, Any] | Unset = UNSET
        if not isinstance(self.namespaces, Unset):
            namespaces = self.namespaces.to_dict()

        blocked_values: list[str] | Unset = UNSET
        if not isinstance(self.blocked_values, Unset):
            blocked_values = self.blocked_values

        internal_domains: list[str] | Unset = UNSET
        if not isinstance(self.internal_domains, Unset):
            internal_domains = self.internal_domains

        rate_limits: dict[str, Any] | None | Unset
        if isinstance(self.rate_limits, Unset):
            rate_limits = UNSET
        elif isinstance(self.rate_limits, WorkspacePatchInRateLimitsType0):
            rate_limits = self.rate_limits.to_dict()
        else:
            rate_limits = self.rate_limits

        namespace_aliases: dict[str, Any] | None | Unset
        if isinstance(self.namespace_aliases, Unset):
            namespace_aliases = UNSET
        elif isinstance(self.namespace_aliases, WorkspacePatchInNamespaceAliasesType0):
            namespace_aliases = self.namespace_aliases.to_dict()
        else:
            namespace_aliases = self.namespace_aliases

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if merge_policy is not UNSET:
            field_dict["merge_policy"] = merge_policy
        if namespaces is not UNSET:
            field_dict["namespaces"] = namespaces
        if blocked_values is not UNSET:
            field_dict["blocked_values"] = blocked_values
        if internal_domains is not UNSET:
            field_dict["internal_domains"] = internal_domains
        if rate_limits is not UNSET:
            field_dict["rate_limits"] = rate_limits
        if namespace_aliases is not UNSET:
            field_dict["namespace_aliases"] = namespace_aliases

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.workspace_patch_in_namespace_aliases_type_0 import (
            WorkspacePatchInNamespaceAliasesType0,  # noqa: PLC0415
        )
        from ..models.workspace_patch_in_namespaces import WorkspacePatchInNamespaces  # noqa: PLC0415
        from ..models.workspace_patch_in_rate_limits_type_0 import WorkspacePatchInRateLimitsType0  # noqa: PLC0415

        d = dict(src_dict)
        _merge_policy = d.pop("merge_policy", UNSET)
        merge_policy: MergePolicy | Unset
        if isinstance(_merge_policy, Unset):
            merge_policy = UNSET
        else:
            merge_policy = check_merge_policy(_merge_policy)

        _namespaces = d.pop("namespaces", UNSET)
        namespaces: WorkspacePatchInNamespaces | Unset
        if isinstance(_namespaces, Unset):
            namespaces = UNSET
        else:
            namespaces = WorkspacePatchInNamespaces.from_dict(_namespaces)

        blocked_values = cast(list[str], d.pop("blocked_values", UNSET))

        internal_domains = cast(list[str], d.pop("internal_domains", UNSET))

        def _parse_rate_limits(data: object) -> None | Unset | WorkspacePatchInRateLimitsType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rate_limits_type_0 = WorkspacePatchInRateLimitsType0.from_dict(data)

                return rate_limits_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WorkspacePatchInRateLimitsType0, data)

        rate_limits = _parse_rate_limits(d.pop("rate_limits", UNSET))

        def _parse_namespace_aliases(
            data: object,
        ) -> None | Unset | WorkspacePatchInNamespaceAliasesType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                namespace_aliases_type_0 = WorkspacePatchInNamespaceAliasesType0.from_dict(data)

                return namespace_aliases_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | WorkspacePatchInNamespaceAliasesType0, data)

        namespace_aliases = _parse_namespace_aliases(d.pop("namespace_aliases", UNSET))

        workspace_patch_in = cls(
            merge_policy=merge_policy,
            namespaces=namespaces,
            blocked_values=blocked_values,
            internal_domains=internal_domains,
            rate_limits=rate_limits,
            namespace_aliases=namespace_aliases,
        )

        return workspace_patch_in
