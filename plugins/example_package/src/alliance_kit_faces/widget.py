"""The kiosk widget for a ``faces-5`` item: five radio buttons, each a face and its label.

No raw HTML: each choice is the face emoji followed by its text label (Markdown-escaped,
as definition text must be), so a screen reader reads the label ("Very bad") and a sighted
respondent sees both. The answer lives in the widget's own session-state ``key``, as the
kiosk expects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from alliance_kit.ui.text import plain
from alliance_kit_faces.scale import DEFAULT_LABELS, FACES


def face_labels(item: Any, wording: Any) -> dict[int, str]:
    """The text label of each face in the respondent's language (defaults where missing)."""
    found = wording.options.get(item.scale_id, {}) if wording is not None else {}
    return {value: found.get(float(value)) or DEFAULT_LABELS[value] for value in FACES}


def render_faces(item: Any, wording: Any, key: str, *, label: str | None = None,
                 on_change: Callable[[], None] | None = None,
                 translate: Callable[[str], str] | None = None) -> int | None:
    """Ask ``item`` with five faces; the chosen value (1-5), or None while unanswered.

    ``label`` replaces the question text (the kiosk passes "Question 2 of 3 — ...") as
    plain text; ``on_change`` is called when the answer changes. The face labels come
    from the wording, so ``translate`` is not needed here.
    """
    labels = face_labels(item, wording)
    if label is None:
        label = (wording.item(item.id) if wording is not None else "") or item.id
    return st.radio(
        plain(label),
        options=list(FACES),
        format_func=lambda value: f"{FACES[value]} {plain(labels[value])}",
        index=None,
        horizontal=True,
        key=key,
        on_change=on_change,
    )
