"""The recovery focus in the client's PDF report: the motivation profile over time, the
guidance it brings up, and the what-works notes with their history.

Content only, as :class:`Block`s (plain text and plain tables); ``clinic/reports.py`` lays
them out with the rest of the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from alliance_kit.clinic.services.recovery import WhatWorks
from alliance_kit.engine.guidance import Entry
from alliance_kit.engine.motivation import QUADRANT_WORDS, MotivationProfile

#: Column widths of the profile table, in millimetres.
PROFILE_WIDTHS = (20, 18, 18, 40, 30, 17, 14, 18)
PROFILE_HEADER = ("Date", "Importance", "Confidence", "Quadrant", "URICA stage", "Readiness",
                  "AUDIT-C", "Screen")


@dataclass(frozen=True)
class Block:
    """A paragraph (``text``, ``size``, ``space_after``, ``grey``) or a table (``rows``)."""

    text: str = ""
    size: float = 9
    space_after: float = 2
    grey: bool = False
    header: tuple[str, ...] = ()
    rows: list[list[str]] = field(default_factory=list)
    widths_mm: tuple[float, ...] = ()


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "positive" if value else "negative"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def profile_rows(profile: MotivationProfile) -> list[list[str]]:
    """One row per date: the values known by then, in words."""
    rows = []
    for row in profile.table().itertuples():
        quadrant = QUADRANT_WORDS.get(row.quadrant, "—") if isinstance(row.quadrant, str) else "—"
        rows.append([f"{pd.Timestamp(row.date):%Y-%m-%d}", _show(row.importance),
                     _show(row.confidence), quadrant, _show(row.stage), _show(row.readiness),
                     _show(row.audit_c), _show(row.audit_c_positive)])
    return rows


def recovery_blocks(profile: MotivationProfile, entries: Sequence[Entry],
                    notes: Sequence[WhatWorks]) -> list[Block]:
    """The report's "Motivation profile" and "What works for this client" sections."""
    blocks = [Block("Motivation profile", 12, 4)]
    if profile.empty:
        blocks.append(Block("No readiness ruler, URICA or AUDIT-C answers yet.", 9, 8))
    else:
        blocks.append(Block(header=PROFILE_HEADER, rows=profile_rows(profile),
                            widths_mm=PROFILE_WIDTHS, space_after=8))
    if entries:
        blocks.append(Block("Prompts for the clinician (from the guidance packs)", 11, 3))
        for entry in entries:
            blocks += [Block(entry.title_in("en"), 9, 1), Block(entry.text_in("en"), 8.5, 1),
                       Block(entry.citation, 7, 5, grey=True)]
    blocks.append(Block("What works for this client", 12, 4))
    if not notes:
        blocks.append(Block("No notes yet.", 9, 8))
    for number, note in enumerate(notes):
        label = "current" if number == 0 else "earlier"
        blocks.append(Block(f"{note.written_at:%Y-%m-%d %H:%M} UTC · {note.author} · {label}",
                            8, 1, grey=True))
        if note.reasons:
            blocks.append(Block(f"Their reasons for change: {note.reasons}", 9, 1))
        if note.approach:
            blocks.append(Block(f"Approach: {note.approach}", 9, 1))
        if note.guidance:
            picked = "; ".join(g.get("title", g.get("id", "")) for g in note.guidance)
            blocks.append(Block(f"Guidance picked: {picked}", 9, 1))
        blocks.append(Block("", 4, 4))
    return blocks





def headline(profile: MotivationProfile) -> list[tuple[str, str, str]]:
    """(label, value, when and what changed) for the client page's summary row."""
    summary = profile.summary()
    facts = []
    ruler = profile.latest_point("readiness-ruler")
    if ruler is not None:
        before = [p for p in profile.points if p.instrument_id == "readiness-ruler"][:-1]
        for label, key in (("Importance", "importance"), ("Confidence", "confidence")):
            value = summary[key]
            note = f"{ruler.when:%d %b %Y}"
            if before and value is not None:
                old = before[-1].values.get(f"{key}-score", before[-1].values.get(key))
                if old is not None:
                    note += f" · was {_show(float(old))}"
            facts.append((label, "—" if value is None else f"{_show(float(value))} / 10", note))
    urica = profile.latest_point("urica")
    if urica is not None:
        readiness = summary["readiness"]
        facts.append(("URICA stage", _show(summary["stage"]),
                      f"{urica.when:%d %b %Y} · readiness {_show(readiness)}"))
    audit_c = profile.latest_point("audit-c")
    if audit_c is not None:
        screen = summary["audit_c_positive"]
        facts.append(("AUDIT-C", _show(summary["audit_c"]),
                      f"{audit_c.when:%d %b %Y} · screen {_show(screen)}"))
    return facts
__all__ = ["Block", "headline", "profile_rows", "recovery_blocks"]
