from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dry_run_out import DryRunOut
    from ..models.identifier_out import IdentifierOut
    from ..models.profile_out_attributes import ProfileOutAttributes


T = TypeVar("T", bound="ProfileOut")


@_attrs_define
class ProfileOut:
    id: str
    external_id: None | str
    attributes: ProfileOutAttributes
    identifiers: list[IdentifierOut]
    created_at: None | str
    updated_at: None | str
    deprecated_match: bool | Unset = False
    """ Resolve only, present when true: the reference named one of the profile's deprecated identifiers (e.g. an
    external id it was renamed away from). It still resolves until removed; move callers to the current one. """
    dry_run: DryRunOut | Unset = UNSET
    """ What the real call would change. Nothing was written. """
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        external_id: None | str
        external_id = self.external_id

        attributes = self.attributes.to_dict()

        identifiers = []
        for identifiers_item_data in self.identifiers:
            identifiers_item = identifiers_item_data.to_dict()
            identifiers.append(identifiers_item)

        created_at: None | str
        created_at = self.created_at

        updated_at: None | str
        updated_at = self.updated_at

        deprecated_match = self.deprecated_match

        dry_run: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dry_run, Unset):
            dry_run = self.dry_run.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "external_id": external_id,
                "attributes": attributes,
                "identifiers": identifiers,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if deprecated_match is not UNSET:
            field_dict["deprecated_match"] = deprecated_match
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dry_run_out import DryRunOut  # noqa: PLC0415
        from ..models.identifier_out import IdentifierOut  # noqa: PLC0415
        from ..models.profile_out_attributes import ProfileOutAttributes  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_external_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        external_id = _parse_external_id(d.pop("external_id"))

        attributes = ProfileOutAttributes.from_dict(d.pop("attributes"))

        identifiers = []
        _identifiers = d.pop("identifiers")
        for identifiers_item_data in _identifiers:
            identifiers_item = IdentifierOut.from_dict(identifiers_item_data)

            identifiers.append(identifiers_item)

        def _parse_created_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        created_at = _parse_created_at(d.pop("created_at"))

        def _parse_updated_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        updated_at = _parse_updated_at(d.pop("updated_at"))

        deprecated_match = d.pop("deprecated_match", UNSET)

        _dry_run = d.pop("dry_run", UNSET)
        dry_run: DryRunOut | Unset
        if isinstance(_dry_run, Unset):
            dry_run = UNSET
        else:
            dry_run = DryRunOut.from_dict(_dry_run)

        profile_out = cls(
            id=id,
            external_id=external_id,
            attributes=attributes,
            identifiers=identifiers,
            created_at=created_at,
            updated_at=updated_at,
            deprecated_match=deprecated_match,
            dry_run=dry_run,
        )

        profile_out.additional_properties = d
        return profile_out

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
