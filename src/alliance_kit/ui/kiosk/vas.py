"""A 0-10 visual-analogue slider with no preset value, as an ``st.components.v2`` component.

``st.slider`` always holds a value, so it cannot say "not answered". This is a native
``<input type="range">`` (touch, mouse and keyboard work as the browser makes them) whose
marker stays hidden, and whose value reads "Not answered yet", until the client touches it.
The HTML, CSS and JavaScript below are static; every text (question, anchors, the
"not answered" words) arrives as data and is set with ``textContent`` or an attribute,
never as HTML.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

HTML = """
<div class="vas" data-state="unset">
  <p class="vas-value" aria-hidden="true"></p>
  <input class="vas-range" type="range">
  <div class="vas-anchors" aria-hidden="true">
    <span class="vas-end vas-min"><b class="vas-num"></b> <span class="vas-word"></span></span>
    <span class="vas-end vas-max"><b class="vas-num"></b> <span class="vas-word"></span></span>
  </div>
</div>
"""

CSS = """
.vas { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #1d2733);
       padding: 4px 14px 8px; }
.vas-value { font-size: 24px; line-height: 32px; margin: 0 0 6px; text-align: center;
             font-weight: 600; min-height: 32px; }
.vas[data-state="unset"] .vas-value { font-weight: 400; font-style: italic; color: #3d4a59; }
.vas-range { width: 100%; height: 56px; margin: 0; cursor: pointer; background: transparent;
             -webkit-appearance: none; appearance: none; touch-action: none; }
.vas-range:focus-visible { outline: 3px solid #1f5f8b; outline-offset: 4px; border-radius: 8px; }
.vas-range::-webkit-slider-runnable-track { height: 12px; border-radius: 6px;
             background: #c5d0db; border: 1px solid #5b6b7b; }
.vas-range::-webkit-slider-thumb { -webkit-appearance: none; appearance: none; width: 44px;
             height: 44px; margin-top: -17px; border-radius: 50%; background: #1f5f8b;
             border: 4px solid #ffffff; box-shadow: 0 0 0 2px #1f5f8b; }
.vas[data-state="unset"] .vas-range::-webkit-slider-thumb { background: transparent;
             border-color: transparent; box-shadow: none; }
.vas-range::-moz-range-track { height: 12px; border-radius: 6px; background: #c5d0db; }
.vas-range::-moz-range-thumb { width: 40px; height: 40px; border-radius: 50%;
             background: #1f5f8b; border: 4px solid #ffffff; }
.vas[data-state="unset"] .vas-range::-moz-range-thumb { background: transparent;
             border-color: transparent; }
.vas-anchors { display: flex; justify-content: space-between; gap: 24px; margin-top: 6px;
               font-size: 20px; line-height: 26px; }
.vas-end { max-width: 46%; }
.vas-max { text-align: right; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setStateValue } = component;
  const root = parentElement.querySelector(".vas");
  const input = root.querySelector(".vas-range");
  const shown = root.querySelector(".vas-value");
  const d = data || {};
  input.min = String(d.min); input.max = String(d.max); input.step = String(d.step || 1);
  input.setAttribute("aria-label", d.label || "");
  root.querySelector(".vas-min .vas-num").textContent = String(d.min);
  root.querySelector(".vas-max .vas-num").textContent = String(d.max);
  root.querySelector(".vas-min .vas-word").textContent = d.low || "";
  root.querySelector(".vas-max .vas-word").textContent = d.high || "";
  const ends = String(d.min) + " " + (d.low || "") + ", " + String(d.max) + " " + (d.high || "");
  const show = (value) => {
    if (value === null || value === undefined) {
      root.dataset.state = "unset";
      shown.textContent = d.unset || "";
      input.value = String((Number(d.min) + Number(d.max)) / 2);
      input.setAttribute("aria-valuetext", (d.unset || "") + ". " + ends);
    } else {
      root.dataset.state = "set";
      shown.textContent = String(value);
      input.value = String(value);
      input.setAttribute("aria-valuetext", String(value) + ". " + ends);
    }
  };
  // Only the value Python last confirmed is shown when the page reruns.
  if (!root.dataset.busy) { show(d.value); }
  const commit = () => {
    const value = Number(input.value);
    show(value);
    root.dataset.busy = "";
    setStateValue("value", value);
  };
  // A tap on the middle of an untouched slider fires no "input" (the value did not change),
  // so a release also commits. Keyboard arrows fire "input".
  input.oninput = () => { root.dataset.busy = "1"; show(Number(input.value)); };
  input.onchange = commit;
  input.onpointerup = () => { if (root.dataset.state === "unset" || root.dataset.busy) commit(); };
  input.onkeyup = (event) => {
    if (root.dataset.state === "unset" && (event.key === "Enter" || event.key === " ")) commit();
  };
}
"""

_vas = st.components.v2.component("alliance_kit.kiosk_vas", html=HTML, css=CSS, js=JS)


def vas(key: str, *, label: str, low: str, high: str, unset: str, minimum: float,
        maximum: float, step: float = 1, on_change=None) -> float | None:
    """Draw the slider; its value, or None while it has not been touched.

    The answer is kept under ``key`` (a plain session-state value, so it survives a
    language switch and is easy to clear); the component's own state sits under
    ``key + ":vas"`` and is copied over whenever the client moves the marker.
    """
    widget_key = f"{key}:vas"

    def changed() -> None:
        state = st.session_state.get(widget_key)
        value = state.get("value") if isinstance(state, dict) else None
        st.session_state[key] = None if value is None else float(value)
        if on_change is not None:
            on_change()

    value = st.session_state.get(key)
    data: dict[str, Any] = {"label": label, "low": low, "high": high, "unset": unset,
                            "min": minimum, "max": maximum, "step": step or 1, "value": value}
    _vas(key=widget_key, data=data, default={"value": None}, on_value_change=changed)
    value = st.session_state.get(key)
    return None if value is None else float(value)
