"""The kiosk's option scale: big tappable answers, none chosen until the client taps one.

Our own ``st.components.v2`` component (as the slider in vas.py), so the kiosk never has to
style Streamlit's internal markup: a ``<fieldset>`` whose ``<legend>`` is the question and
whose answers are native radio buttons (keyboard, screen readers and touch work as the
browser makes them). Each answer's radio button covers its whole box, at least 56 px high,
so the tap target is the box. The HTML, CSS and JavaScript are static; the question and
the answers arrive as data and are set with ``textContent``, never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

HTML = """
<fieldset class="choice" data-layout="column">
  <legend class="choice-question"></legend>
  <div class="choice-options"></div>
</fieldset>
"""

CSS = """
.choice { border: 0; margin: 0; padding: 0; min-width: 0;
          font-family: var(--st-font, "Source Sans Pro", sans-serif);
          color: var(--st-text-color, #1d2733); }
.choice-question { font-size: 22px; line-height: 30px; font-weight: 600; padding: 0;
                   margin: 0 0 12px; }
.choice[data-bare="1"] .choice-question { font-size: 18px; line-height: 24px;
                                         font-weight: 600; margin-bottom: 8px; }
.choice-options { display: flex; flex-direction: column; gap: 10px; }
.choice[data-layout="row"] .choice-options { flex-direction: row; flex-wrap: wrap; }
.choice-option { position: relative; display: flex; align-items: center; gap: 14px;
                 min-height: 56px; min-width: 56px; box-sizing: border-box;
                 padding: 10px 18px 10px 14px; border: 2px solid #5b6b7b; border-radius: 12px;
                 background: #ffffff; cursor: pointer; font-size: 21px; line-height: 28px; }
.choice[data-layout="row"] .choice-option { flex: 1 1 160px; }
.choice-option input { position: absolute; inset: 0; width: 100%; height: 100%; margin: 0;
                       opacity: 0; cursor: pointer; }
.choice-mark { flex: none; width: 26px; height: 26px; border-radius: 50%;
               border: 2px solid #5b6b7b; background: #ffffff; box-sizing: border-box; }
.choice-option:has(input:checked) { border-color: #1f5f8b; background: #e3edf5;
                                    box-shadow: inset 0 0 0 2px #1f5f8b; }
.choice-option:has(input:checked) .choice-mark { border: 8px solid #1f5f8b; }
.choice-option:has(input:focus-visible) { outline: 3px solid #1f5f8b; outline-offset: 3px; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".choice");
  const list = root.querySelector(".choice-options");
  const d = data || {};
  const options = Array.isArray(d.options) ? d.options : [];
  root.dataset.layout = d.horizontal ? "row" : "column";
  root.dataset.bare = d.small ? "1" : "0";
  root.querySelector(".choice-question").textContent = d.label || "";
  const signature = JSON.stringify([d.name, options]);
  if (root.dataset.signature !== signature) {
    list.replaceChildren();
    options.forEach((option, index) => {
      const box = document.createElement("label");
      box.className = "choice-option";
      const input = document.createElement("input");
      input.type = "radio";
      input.name = String(d.name || "choice");
      input.value = String(index);
      const mark = document.createElement("span");
      mark.className = "choice-mark";
      mark.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.className = "choice-text";
      text.textContent = String(option.label);
      if (option.lang) { text.lang = String(option.lang); }
      box.append(input, mark, text);
      list.append(box);
    });
    root.dataset.signature = signature;
  }
  const inputs = Array.from(list.querySelectorAll("input"));
  // Show only what Python last confirmed, unless a tap is on its way to Python.
  if (!root.dataset.busy) {
    inputs.forEach((input, index) => {
      const option = options[index];
      input.checked = d.value !== null && d.value !== undefined && option !== undefined
        && option.value === d.value;
    });
  }
  root.dataset.busy = "";
  inputs.forEach((input, index) => {
    input.onchange = () => {
      if (!input.checked) return;
      root.dataset.busy = "1";
      setStateValue("value", options[index].value);
    };
  });
}
"""

_choice = st.components.v2.component("alliance_kit.kiosk_choice", html=HTML, css=CSS, js=JS)


def choice(key: str, *, label: str, options: Sequence[tuple[Any, str]],
           horizontal: bool = False, small: bool = False, on_change: Callable[[], None] | None
           = None, languages: dict[Any, str] | None = None) -> Any:
    """Draw the answers; returns the chosen value, or None while none is chosen.

    ``options`` are (value, label) pairs; values must be JSON numbers or strings. The
    answer is kept under ``key`` (a plain session-state value, so it survives a language
    switch and is easy to clear); the component's own state sits under ``key + ":choice"``
    and is copied over whenever the client taps an answer. ``languages`` gives an option's
    language (``lang``), for a screen reader to pronounce names such as "Español".
    """
    widget_key = f"{key}:choice"
    values = [value for value, _ in options]

    def changed() -> None:
        state = st.session_state.get(widget_key)
        value = state.get("value") if isinstance(state, dict) else None
        if value in values:
            st.session_state[key] = value
        if on_change is not None:
            on_change()

    value = st.session_state.get(key)
    data = {"name": key, "label": label, "horizontal": horizontal, "small": small,
            "value": value if value in values else None,
            "options": [{"value": v, "label": str(text),
                         **({"lang": languages[v]} if languages and v in languages else {})}
                        for v, text in options]}
    _choice(key=widget_key, data=data, default={"value": None}, on_value_change=changed)
    value = st.session_state.get(key)
    return value if value in values else None
