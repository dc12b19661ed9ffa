"""Right to erasure, outside the event log: the copies of a deleted person's values that
other records keep (the answer stored for an `Idempotency-Key`, a job's per-item errors).

`core.redact` rewrites the log event by event, knowing each event's shape. Copies have
no shape we own (any door's JSON envelope, free-text error messages), so they are
cleaned by value:

- a string that is one of the person's identifier values or external ids becomes that
  value's placeholder (the same one the log uses), and so does a value quoted inside a
  longer string (as error messages quote it);
- in a copy that is about the person (it names one of the deleted profile ids, or one
  of the values as above), every occurrence of a value goes, and so does a string
  equal to one of the person's attribute strings. Elsewhere they stay: "pro", "en" or
  an alias `7` say nothing about anyone on their own, and belong to other people there.

Numbers and booleans stay: once every string that identified the person is gone they
describe no one. Placeholders start with a control character, which no real value may
contain, so the result never matches a live value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from aka.core import events as ev
from aka.core.model import Event


@dataclass(frozen=True)
class Scrubber:
    # Each identifier value and external id of the person -> its placeholder.
    values: dict[str, str]
    # The person's attribute strings, and the one placeholder they all become.
    attributes: frozenset[str]
    attribute_placeholder: str
    # The deleted profile and its tombstones: a copy naming one is about the person.
    profile_ids: frozenset[str]

    @classmethod
    def for_deletion(
        cls,
        delete_seq: int,
        values: dict[str, str],
        attributes: Collection[str],
        profile_ids: Collection[str],
    ) -> Scrubber:
        placeholder = f"{ev.REDACTED_PREFIX}{delete_seq}:a"
        # An empty string would "occur" everywhere; it identifies no one.
        kept = {v: p for v, p in values.items() if v}
        return cls(kept, frozenset(a for a in attributes if a), placeholder, frozenset(profile_ids))

    def needles(self) -> list[str]:
        """Every text whose presence in a stored record may make it a copy to clean, in
        each form a JSON encoder may have written it (raw, escaped, ASCII-escaped): a
        store narrows its scan with these, then `document`/`body` decide exactly."""
        found: set[str] = set()
        for text in (*self.values, *self.profile_ids):
            found.add(text)
            found.add(json.dumps(text, ensure_ascii=False)[1:-1])
            found.add(json.dumps(text)[1:-1])
        return sorted(found)

    def about_person(self, texts: Iterable[str]) -> bool:
        """Whether a copy holding these strings names the person: one of the deleted
        profile ids anywhere (random, so a substring says it), or one of the values as
        a whole string or quoted inside one (as messages quote a value)."""
        return any(self._names_person(text) for text in texts)

    def _names_person(self, text: str) -> bool:
        if text in self.values or any(pid in text for pid in self.profile_ids):
            return True
        return any(f"'{v}'" in text or f'"{v}"' in text for v in self.values)

    def names_in_key(self, key: str) -> bool:
        """Whether a client-chosen key (an `Idempotency-Key`) holds one of the values as
        a token of its own (`create-u-zoe` holds `u-zoe`; `req-17` does not hold `7`)."""
        return any(
            re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", key)
            for value in self.values
        )

    def text(self, text: str, *, about_person: bool) -> str:
        """One string cleaned. A whole value always goes; inside a longer string only a
        quoted value goes, unless the copy is about the person: then every occurrence,
        and its attribute strings too. (A short value such as `7` must not mangle
        `user-17` in an answer about somebody else.)"""
        if text in self.values:
            return self.values[text]
        if about_person and text in self.attributes:
            return self.attribute_placeholder
        # Longest first: a value inside another value must not split the longer one.
        for value in sorted(self.values, key=len, reverse=True):
            if value not in text:
                continue
            if about_person:
                text = text.replace(value, self.values[value])
            else:
                for quote in ("'", '"'):
                    text = text.replace(
                        f"{quote}{value}{quote}", f"{quote}{self.values[value]}{quote}"
                    )
        return text

    def document(self, doc: Any) -> Any:
        """A JSON document with the person's values replaced (the same object when
        nothing changed)."""
        about = self.about_person(_strings(doc))
        return _map_strings(
            doc,
            lambda s: self.text(s, about_person=about),
            # Keys are names, not attribute values: only the person's values go there.
            lambda k: self.text(k, about_person=False),
        )

    def body(self, raw: bytes) -> bytes:
        """A stored HTTP answer body cleaned: as JSON when it is JSON (re-encoded only if
        something changed), else as UTF-8 text."""
        try:
            doc = json.loads(raw)
        except ValueError:
            text = raw.decode("utf-8", errors="replace")
            cleaned = self.text(text, about_person=self.about_person([text]))
            return raw if cleaned == text else cleaned.encode()
        scrubbed = self.document(doc)
        if scrubbed is doc:
            return raw
        return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":")).encode()


def attribute_strings(events: Iterable[Event]) -> set[str]:
    """Every string inside the attributes the events set (profiles' and identifiers'),
    including values merges carried: what a person's attributes ever held."""
    found: set[str] = set()
    for event in events:
        held = [event.payload.get("attributes"), event.payload.get("attributes_added")]
        if event.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
            held += [item.get("attributes") for item in ev.linked_items(event.payload)]
        for attributes in held:
            if isinstance(attributes, dict):
                found.update(_strings(list(attributes.values())))
    return found


def _strings(doc: Any) -> Iterable[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, dict):
        for key, value in doc.items():
            yield key
            yield from _strings(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _strings(item)


def _map_strings(doc: Any, change: Callable[[str], str], change_key: Callable[[str], str]) -> Any:
    """`doc` with `change` applied to every string value and `change_key` to every key;
    the very same object when nothing changed, so callers can tell without comparing."""
    if isinstance(doc, str):
        changed = change(doc)
        return doc if changed == doc else changed
    if isinstance(doc, dict):
        items = [
            (_map_strings(k, change_key, change_key), _map_strings(v, change, change_key))
            for k, v in doc.items()
        ]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, doc.items(), strict=True)):
            return doc
        return dict(items)
    if isinstance(doc, list):
        mapped = [_map_strings(item, change, change_key) for item in doc]
        if all(m is o for m, o in zip(mapped, doc, strict=True)):
            return doc
        return mapped
    return doc
