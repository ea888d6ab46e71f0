"""The chain of custody as a picture: nations as boxes, transfers as labelled arrows.

Server-rendered SVG built from `gsomia.node.control.custody_chain.custody`'s answer, with no
script and no library: the originator stands on the left, each holder one column further
right for every hop on its path, and each arrow carries the marking the receiver gave the item
and the consent that allowed an onward hop. The picture repeats what the transfer table says, so the
page stays readable without it (the SVG has a title and a text description).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

BOX_W, BOX_H = 96, 44
COL_GAP, ROW_GAP = 190, 40
MARGIN = 24
#: The language of each nation's markings, so CJK glyphs come from the right regional font.
LANG = {"KOR": "ko", "JPN": "ja"}


@dataclass(frozen=True)
class Box:
    nation: str
    x: int
    y: int
    originator: bool


@dataclass(frozen=True)
class Arrow:
    source: Box
    target: Box
    marking: str
    consent_id: str | None
    hub: str | None


def layout(custody: Mapping[str, Any]) -> tuple[list[Box], list[Arrow], int, int]:
    """Boxes by depth (hops from the originator) and arrows between them; width, height."""
    originator = str(custody["originator"])
    paths: Mapping[str, Sequence[str]] = custody.get("paths") or {originator: [originator]}
    columns: dict[int, list[str]] = {}
    for nation in sorted(paths, key=lambda n: (len(paths[n]), n)):
        columns.setdefault(max(len(paths[nation]) - 1, 0), []).append(nation)
    if originator not in paths:
        columns.setdefault(0, []).insert(0, originator)
    boxes: dict[str, Box] = {}
    for depth, nations in sorted(columns.items()):
        for row, nation in enumerate(nations):
            x = MARGIN + depth * (BOX_W + COL_GAP)
            y = MARGIN + row * (BOX_H + ROW_GAP)
            boxes[nation] = Box(nation, x, y, nation == originator)
    arrows = []
    for t in custody.get("transfers", []):
        source, target = boxes.get(str(t["from"])), boxes.get(str(t["to"]))
        if source is None or target is None:
            continue
        arrows.append(
            Arrow(source, target, str(t.get("level") or ""), t.get("consent_id"), t.get("hub"))
        )
    width = max((b.x for b in boxes.values()), default=0) + BOX_W + MARGIN
    height = max((b.y for b in boxes.values()), default=0) + BOX_H + MARGIN + 16
    return list(boxes.values()), arrows, width, height


def _short(consent_id: str) -> str:
    return consent_id if len(consent_id) <= 10 else consent_id[:8] + "…"


def render_svg(custody: Mapping[str, Any], *, title: str, consent_word: str) -> Markup:
    """The chain as an inline `<svg>` element (escaped text throughout)."""
    boxes, arrows, width, height = layout(custody)
    e = escape
    parts = [
        f'<svg class="chain" role="img" aria-labelledby="chain-title chain-desc" '
        f'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="chain-title">{e(title)}</title>',
    ]
    lines = []
    for a in arrows:
        how = f"{a.marking}" + (f", {consent_word} {a.consent_id}" if a.consent_id else "")
        lines.append(f"{a.source.nation} → {a.target.nation} ({how})")
    parts.append(f'<desc id="chain-desc">{e("; ".join(lines) or custody["originator"])}</desc>')
    parts.append(
        '<defs><marker id="chain-head" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="chain-head"/></marker></defs>'
    )
    for a in arrows:
        x1, y1 = a.source.x + BOX_W, a.source.y + BOX_H // 2
        x2, y2 = a.target.x, a.target.y + BOX_H // 2
        if a.target.x <= a.source.x:  # a hop back (a return): go underneath
            x1, x2 = a.source.x + BOX_W // 2, a.target.x + BOX_W // 2
            y1, y2 = a.source.y + BOX_H, a.target.y + BOX_H
        mx, my = (x1 + x2) // 2, (y1 + y2) // 2
        parts.append(
            f'<g class="chain-transfer" data-from="{e(a.source.nation)}" '
            f'data-to="{e(a.target.nation)}" data-consent="{e(a.consent_id or "")}">'
            f'<line x1="{x1}" y1="{y1}" x2="{x2 - 2}" y2="{y2}" class="chain-arrow" '
            'marker-end="url(#chain-head)"/>'
            f'<text x="{mx}" y="{my - 8}" text-anchor="middle" class="chain-marking" '
            f'lang="{LANG.get(a.target.nation, "en")}">'
            f"{e(a.marking)}</text>"
        )
        if a.consent_id:
            parts.append(
                f'<text x="{mx}" y="{my + 16}" text-anchor="middle" class="chain-consent">'
                f"{e(consent_word)} {e(_short(a.consent_id))}</text>"
            )
        if a.hub:
            parts.append(
                f'<text x="{mx}" y="{my + 30}" text-anchor="middle" class="chain-consent">'
                f"hub {e(a.hub)}</text>"
            )
        parts.append("</g>")
    for b in boxes:
        kind = "chain-origin" if b.originator else "chain-holder"
        parts.append(
            f'<g class="chain-nation {kind}" data-nation="{e(b.nation)}">'
            f'<rect x="{b.x}" y="{b.y}" width="{BOX_W}" height="{BOX_H}" rx="6"/>'
            f'<text x="{b.x + BOX_W // 2}" y="{b.y + BOX_H // 2 + 6}" text-anchor="middle">'
            f"{e(b.nation)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated value is escaped above
