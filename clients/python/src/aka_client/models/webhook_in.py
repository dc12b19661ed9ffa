from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="WebhookIn")


@_attrs_define
class WebhookIn:
    url: str
    """ Where deliveries are POSTed: http:// or https://. """
    events: list[str]
    """ The event types to deliver, e.g. `profile.merged`. """
    secret: str
    """ 16 to 256 characters: the key of each delivery's HMAC-SHA256 signature (`Aka-Signature`). Never shown again.
    """

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        events = self.events

        secret = self.secret

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "events": events,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        events = cast(list[str], d.pop("events"))

        secret = d.pop("secret")

        webhook_in = cls(
            url=url,
            events=events,
            secret=secret,
        )

        return webhook_in
