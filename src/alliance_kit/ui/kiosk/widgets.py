"""The built-in kiosk widgets, one per built-in scale type (registered like a plugin's).

Each draws one question and keeps its answer in ``st.session_state[key]``; the kiosk turns
that into the stored answer (untouched means not answered, never 0).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from alliance_kit.engine.definitions import Item
from alliance_kit.engine.wording import Wording
from alliance_kit.i18n import N_
from alliance_kit.types import Widget
from alliance_kit.ui.kiosk import common
from alliance_kit.ui.kiosk.choice import choice
from alliance_kit.ui.kiosk.vas import vas
from alliance_kit.ui.text import plain

Render = Callable[..., None]


def visual_analogue(item: Item, wording: Wording, key: str, *, label: str,
                    on_change: Callable[[], None], translate: Callable[[str], str]) -> None:
    """A 0-10 line with both anchors and no preset value (see vas.py)."""
    st.markdown(f"**{plain(label)}**")
    anchors = wording.anchors.get(item.scale_id, {})
    low, high = item.scale_type.bounds(item.scale)
    vas(key, label=label, low=anchors.get("min", ""), high=anchors.get("max", ""),
        unset=translate(N_("Not answered yet")), minimum=low, maximum=high,
        step=item.scale.get("step", 1), on_change=on_change)


def options(item: Item, wording: Wording, key: str, *, label: str,
            on_change: Callable[[], None], translate: Callable[[str], str]) -> None:
    """Large answer boxes, none chosen until the respondent taps one."""
    choices = [o["value"] for o in item.scale["options"]]
    names = {v: wording.option(item.scale_id, v) or str(v) for v in choices}
    _radio(label, choices, names, key, on_change)


def yes_no(item: Item, wording: Wording, key: str, *, label: str,
           on_change: Callable[[], None], translate: Callable[[str], str]) -> None:
    labels = wording.labels.get(item.scale_id, {})
    names = {1: labels.get("yes") or translate(N_("Yes")),
             0: labels.get("no") or translate(N_("No"))}
    _radio(label, [1, 0], names, key, on_change)


def text(item: Item, wording: Wording, key: str, *, label: str,
         on_change: Callable[[], None], translate: Callable[[str], str]) -> None:
    st.text_area(common.label_text(label), key=key, max_chars=item.scale.get("max_length"),
                 on_change=on_change, height=120 if item.scale.get("multiline") else 68)


def numeric(item: Item, wording: Wording, key: str, *, label: str,
            on_change: Callable[[], None], translate: Callable[[str], str]) -> None:
    """A number field, empty until filled; also the fallback for numeric plugin types."""
    low, high = item.scale_type.bounds(item.scale)
    unit = wording.units.get(item.scale_id, "")
    st.number_input(common.label_text(f"{label} ({unit})" if unit else label), min_value=low,
                    max_value=high, value=None, key=key, on_change=on_change,
                    step=item.scale.get("step") or None)


def _radio(label: str, choices: list[Any], names: dict[Any, str], key: str,
           on_change: Callable[[], None]) -> None:
    """Big answers of our own (see choice.py): none chosen until the respondent taps one."""
    choice(key, label=label, options=[(value, str(names.get(value, value))) for value in choices],
           on_change=on_change)


BUILTIN = [Widget("visual-analogue", visual_analogue), Widget("options", options),
           Widget("yes-no", yes_no), Widget("text", text), Widget("numeric", numeric)]
