"""What the console draws, laid out on the server: boxes and lines with coordinates,
which a template writes as inline SVG (no script, no layout engine in the browser).

Only geometry and words live here; what the graph holds comes from the use cases
(`service.profile_view`, `queries.explain`), already limited to what the key may see.
Labels are plain text: the template escapes them, in the SVG as in the HTML.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from aka.core import events as ev
from aka.core.model import Event
from aka.service.profile_view import ProfileView

WIDTH: Final = 880
BOX_W: Final = 230
BOX_H: Final = 44
SHOWN_MAX: Final = 10  # boxes per side; the rest is one "+N more" box
LABEL_MAX: Final = 24  # characters in a box's line, the rest cut with an ellipsis


@dataclass(frozen=True, slots=True)
class Box:
    x: int  # centre
    y: int
    title: str
    subtitle: str
    kind: str  # css class: self, merged, group, member, identifier, ref, event, more
    href: str | None = None

    @property
    def left(self) -> int:
        return self.x - BOX_W // 2

    @property
    def top(self) -> int:
        return self.y - BOX_H // 2


@dataclass(frozen=True, slots=True)
class Line:
    x1: int
    y1: int
    x2: int
    y2: int
    kind: str
    label: str = ""


@dataclass(slots=True)
class Drawing:
    width: int
    height: int
    title: str
    boxes: list[Box] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    box_w: int = BOX_W
    box_h: int = BOX_H


def short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def profile_href(profile_id: str) -> str:
    return f"/console/profiles/{profile_id}"


def profile_graph(view: ProfileView) -> Drawing:
    """The profile in the middle; the groups it belongs to above, its members below, the
    profiles merged into it on the left, its identifiers on the right."""
    me = view.profile.profile
    left = [(pid, "merged into it", "merged") for pid in view.merged]
    right = [
        (f"{i.namespace}: {i.value}", _flags(i.primary, i.disabled, i.deprecated), "identifier")
        for i in view.profile.identifiers
    ]
    rows = max(len(_capped(left)), len(_capped(right)), 1)
    top_y = 40
    middle_top = top_y + (BOX_H + 50 if view.groups else 0)
    column_h = rows * (BOX_H + 14)
    centre_y = middle_top + column_h // 2
    bottom_y = middle_top + column_h + 50
    height = bottom_y + BOX_H // 2 + 16 if view.members else middle_top + column_h + 10
    drawing = Drawing(WIDTH, height, f"The graph of profile {me.id}")
    centre = Box(WIDTH // 2, centre_y, short(me.external_id or "(anonymous)"), me.id, "self")

    def column(items: list[tuple[str, str, str]], x: int, edge: str) -> None:
        shown = _capped(items)
        for n, (title, subtitle, kind) in enumerate(shown):
            y = middle_top + n * (BOX_H + 14) + BOX_H // 2
            href = profile_href(title) if kind == "merged" else None
            drawing.boxes.append(Box(x, y, short(title), short(subtitle), kind, href))
            drawing.lines.append(Line(x, y, centre.x, centre.y, edge))

    def row(ids: list[str], y: int, kind: str, label: str) -> None:
        shown = _capped([(pid, label, kind) for pid in ids])
        step = WIDTH // (len(shown) + 1)
        for n, (title, subtitle, box_kind) in enumerate(shown, start=1):
            href = profile_href(title) if box_kind != "more" else None
            drawing.boxes.append(Box(n * step, y, short(title), subtitle, box_kind, href))
            drawing.lines.append(Line(n * step, y, centre.x, centre.y, kind))

    column(left, BOX_W // 2 + 10, "merged")
    column(right, WIDTH - BOX_W // 2 - 10, "identifier")
    if view.groups:
        row(view.groups, top_y, "group", "a group it belongs to")
    if view.members:
        row(view.members, bottom_y, "member", "a member")
    drawing.boxes.append(centre)
    return drawing


def explain_chain(a_label: str, b_label: str, profile_id: str, events: Sequence[Event]) -> Drawing:
    """Why two references are one person: the first, then each event that joined them,
    oldest first, then the second; each step an arrow down to the next."""
    step = BOX_H + 34
    boxes = [Box(WIDTH // 2, 40, short(a_label), "the first reference", "ref")]
    for event in events:
        boxes.append(
            Box(
                WIDTH // 2,
                40 + len(boxes) * step,
                short(f"#{event.seq} {event.type}"),
                short(describe(event), 44),
                "event",
            )
        )
    boxes.append(Box(WIDTH // 2, 40 + len(boxes) * step, short(b_label), "the second", "ref"))
    drawing = Drawing(WIDTH, 40 + len(boxes) * step, f"Why both are profile {profile_id}")
    drawing.box_w = BOX_W + 120
    drawing.boxes = boxes
    for upper, lower in itertools.pairwise(boxes):
        drawing.lines.append(
            Line(upper.x, upper.y + BOX_H // 2, lower.x, lower.y - BOX_H // 2 - 4, "chain")
        )
    return drawing


def describe(event: Event) -> str:
    """One line saying what an event did, for a timeline or a chain."""
    p = event.payload
    if event.type == ev.PROFILE_MERGED:
        moved = len(p.get("identifiers", []))
        return f"{p.get('merge')} merged into {p.get('keep')} ({moved} identifiers moved)"
    if event.type == ev.PROFILE_UNMERGED:
        return f"merge #{p.get('merge_seq')} undone: {p.get('merge')} split from {p.get('keep')}"
    if event.type in (ev.PROFILE_CREATED, ev.IDENTIFIER_LINKED):
        keys = ", ".join(f"{k.namespace}:{k.value}" for k in ev.linked_keys(p))
        external = p.get("external_id")
        named = f"external id {external}" if external else ""
        return "; ".join(part for part in (named, keys) if part) or "no identifiers"
    if event.type == ev.PROFILE_IDENTIFIED:
        return f"identified as {p.get('external_id')}"
    if "group_id" in p and "member_id" in p:
        return f"group {p['group_id']}, member {p['member_id']}"
    if "namespace" in p and "value" in p:
        renamed = f" -> {p['new_value']}" if "new_value" in p else ""
        return f"{p['namespace']}:{p['value']}{renamed}"
    return ", ".join(sorted(p))[:80]


def _flags(primary: bool, disabled: bool, deprecated: bool) -> str:
    said = [name for name, on in (("primary", primary), ("disabled", disabled)) if on]
    if deprecated:
        said.append("deprecated")
    return ", ".join(said) or "identifier"


def _capped(items: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    if len(items) <= SHOWN_MAX:
        return items
    rest = len(items) - (SHOWN_MAX - 1)
    return [*items[: SHOWN_MAX - 1], (f"+{rest} more", "listed below", "more")]
