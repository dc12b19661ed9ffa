from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.linked_identifier_out import LinkedIdentifierOut
    from ..models.merged_profiles_out import MergedProfilesOut
    from ..models.moved_identifier_out import MovedIdentifierOut
    from ..models.moved_membership_out import MovedMembershipOut
    from ..models.would_write_out import WouldWriteOut


T = TypeVar("T", bound="DryRunOut")


@_attrs_define
class DryRunOut:
    """What the real call would change. Nothing was written."""

    status: int
    """ The status the real call would answer. """
    profiles_created: list[str]
    profiles_updated: list[str]
    profiles_merged: list[MergedProfilesOut]
    profiles_revived: list[str]
    profiles_deleted: list[str]
    identifiers_linked: list[LinkedIdentifierOut]
    identifiers_moved: list[MovedIdentifierOut]
    identifiers_changed: list[LinkedIdentifierOut]
    identifiers_unlinked: list[LinkedIdentifierOut]
    memberships_added: list[MovedMembershipOut]
    memberships_removed: list[MovedMembershipOut]
    memberships_moved: list[MovedMembershipOut]
    events: list[WouldWriteOut]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        status = self.status

        profiles_created = self.profiles_created

        profiles_updated = self.profiles_updated

        profiles_merged = []
        for profiles_merged_item_data in self.profiles_merged:
            profiles_merged_item = profiles_merged_item_data.to_dict()
            profiles_merged.append(profiles_merged_item)

        profiles_revived = self.profiles_revived

        profiles_deleted = self.profiles_deleted

        identifiers_linked = []
        for identifiers_linked_item_data in self.identifiers_linked:
            identifiers_linked_item = identifiers_linked_item_data.to_dict()
            identifiers_linked.append(identifiers_linked_item)

        identifiers_moved = []
        for identifiers_moved_item_data in self.identifiers_moved:
            identifiers_moved_item = identifiers_moved_item_data.to_dict()
            identifiers_moved.append(identifiers_moved_item)

        identifiers_changed = []
        for identifiers_changed_item_data in self.identifiers_changed:
            identifiers_changed_item = identifiers_changed_item_data.to_dict()
            identifiers_changed.append(identifiers_changed_item)

        identifiers_unlinked = []
        for identifiers_unlinked_item_data in self.identifiers_unlinked:
            identifiers_unlinked_item = identifiers_unlinked_item_data.to_dict()
            identifiers_unlinked.append(identifiers_unlinked_item)

        memberships_added = []
        for memberships_added_item_data in self.memberships_added:
            memberships_added_item = memberships_added_item_data.to_dict()
            memberships_added.append(memberships_added_item)

        memberships_removed = []
        for memberships_removed_item_data in self.memberships_removed:
            memberships_removed_item = memberships_removed_item_data.to_dict()
            memberships_removed.append(memberships_removed_item)

        memberships_moved = []
        for memberships_moved_item_data in self.memberships_moved:
            memberships_moved_item = memberships_moved_item_data.to_dict()
            memberships_moved.append(memberships_moved_item)

        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
                "profiles_created": profiles_created,
                "profiles_updated": profiles_updated,
                "profiles_merged": profiles_merged,
                "profiles_revived": profiles_revived,
                "profiles_deleted": profiles_deleted,
                "identifiers_linked": identifiers_linked,
                "identifiers_moved": identifiers_moved,
                "identifiers_changed": identifiers_changed,
                "identifiers_unlinked": identifiers_unlinked,
                "memberships_added": memberships_added,
                "memberships_removed": memberships_removed,
                "memberships_moved": memberships_moved,
                "events": events,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.linked_identifier_out import LinkedIdentifierOut  # noqa: PLC0415
        from ..models.merged_profiles_out import MergedProfilesOut  # noqa: PLC0415
        from ..models.moved_identifier_out import MovedIdentifierOut  # noqa: PLC0415
        from ..models.moved_membership_out import MovedMembershipOut  # noqa: PLC0415
        from ..models.would_write_out import WouldWriteOut  # noqa: PLC0415

        d = dict(src_dict)
        status = d.pop("status")

        profiles_created = cast(list[str], d.pop("profiles_created"))

        profiles_updated = cast(list[str], d.pop("profiles_updated"))

        profiles_merged = []
        _profiles_merged = d.pop("profiles_merged")
        for profiles_merged_item_data in _profiles_merged:
            profiles_merged_item = MergedProfilesOut.from_dict(profiles_merged_item_data)

            profiles_merged.append(profiles_merged_item)

        profiles_revived = cast(list[str], d.pop("profiles_revived"))

        profiles_deleted = cast(list[str], d.pop("profiles_deleted"))

        identifiers_linked = []
        _identifiers_linked = d.pop("identifiers_linked")
        for identifiers_linked_item_data in _identifiers_linked:
            identifiers_linked_item = LinkedIdentifierOut.from_dict(identifiers_linked_item_data)

            identifiers_linked.append(identifiers_linked_item)

        identifiers_moved = []
        _identifiers_moved = d.pop("identifiers_moved")
        for identifiers_moved_item_data in _identifiers_moved:
            identifiers_moved_item = MovedIdentifierOut.from_dict(identifiers_moved_item_data)

            identifiers_moved.append(identifiers_moved_item)

        identifiers_changed = []
        _identifiers_changed = d.pop("identifiers_changed")
        for identifiers_changed_item_data in _identifiers_changed:
            identifiers_changed_item = LinkedIdentifierOut.from_dict(identifiers_changed_item_data)

            identifiers_changed.append(identifiers_changed_item)

        identifiers_unlinked = []
        _identifiers_unlinked = d.pop("identifiers_unlinked")
        for identifiers_unlinked_item_data in _identifiers_unlinked:
            identifiers_unlinked_item = LinkedIdentifierOut.from_dict(
                identifiers_unlinked_item_data
            )

            identifiers_unlinked.append(identifiers_unlinked_item)

        memberships_added = []
        _memberships_added = d.pop("memberships_added")
        for memberships_added_item_data in _memberships_added:
            memberships_added_item = MovedMembershipOut.from_dict(memberships_added_item_data)

            memberships_added.append(memberships_added_item)

        memberships_removed = []
        _memberships_removed = d.pop("memberships_removed")
        for memberships_removed_item_data in _memberships_removed:
            memberships_removed_item = MovedMembershipOut.from_dict(memberships_removed_item_data)

            memberships_removed.append(memberships_removed_item)

        memberships_moved = []
        _memberships_moved = d.pop("memberships_moved")
        for memberships_moved_item_data in _memberships_moved:
            memberships_moved_item = MovedMembershipOut.from_dict(memberships_moved_item_data)

            memberships_moved.append(memberships_moved_item)

        events = []
        _events = d.pop("events")
        for events_item_data in _events:
            events_item = WouldWriteOut.from_dict(events_item_data)

            events.append(events_item)

        dry_run_out = cls(
            status=status,
            profiles_created=profiles_created,
            profiles_updated=profiles_updated,
            profiles_merged=profiles_merged,
            profiles_revived=profiles_revived,
            profiles_deleted=profiles_deleted,
            identifiers_linked=identifiers_linked,
            identifiers_moved=identifiers_moved,
            identifiers_changed=identifiers_changed,
            identifiers_unlinked=identifiers_unlinked,
            memberships_added=memberships_added,
            memberships_removed=memberships_removed,
            memberships_moved=memberships_moved,
            events=events,
        )

        dry_run_out.additional_properties = d
        return dry_run_out

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
