"""The staff unlock on a kiosk tablet: a small form of our own (PIN, or username and password).

Streamlit's password field carries a 42×21 px "show password" eye, a target too small for a
tablet and one that would show the PIN to whoever stands by. This form is an
``st.components.v2`` component with 56 px fields and button: what staff type is sent to
Python once, as a trigger value when they press the button (or Enter), and the fields are
emptied at once; it is never kept in the session. The HTML, CSS and JavaScript are static;
labels arrive as data and are set with ``textContent``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

HTML = """
<form class="unlock" autocomplete="off" novalidate>
  <div class="unlock-fields"></div>
  <button type="submit" class="unlock-submit"></button>
</form>
"""

CSS = """
.unlock { display: flex; flex-direction: column; gap: 14px; margin: 0 0 8px;
          font-family: var(--st-font, "Source Sans Pro", sans-serif);
          color: var(--st-text-color, #0b1620); }
.unlock-fields { display: flex; flex-direction: column; gap: 12px; }
.unlock-field { display: flex; flex-direction: column; gap: 6px; font-size: 19px;
                line-height: 24px; font-weight: 600; }
.unlock-field input { box-sizing: border-box; min-height: 56px; width: 100%;
                      padding: 10px 14px; font: inherit; font-weight: 400; font-size: 21px;
                      border: 2px solid #5b6b7b; border-radius: 10px; background: #ffffff;
                      color: inherit; }
.unlock-field input:focus-visible { outline: 3px solid #1f5f8b; outline-offset: 2px; }
.unlock-submit { min-height: 56px; min-width: 56px; padding: 10px 18px; font: inherit;
                 font-size: 20px; font-weight: 600; border-radius: 10px; cursor: pointer;
                 border: 2px solid #1f5f8b; background: #ffffff; color: #1f5f8b; }
.unlock-submit:focus-visible { outline: 3px solid #1f5f8b; outline-offset: 2px; }
"""

JS = """
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const form = parentElement.querySelector(".unlock");
  const holder = form.querySelector(".unlock-fields");
  const d = data || {};
  const fields = Array.isArray(d.fields) ? d.fields : [];
  const signature = JSON.stringify(fields);
  if (form.dataset.signature !== signature) {
    holder.replaceChildren();
    fields.forEach((field) => {
      const label = document.createElement("label");
      label.className = "unlock-field";
      const words = document.createElement("span");
      words.textContent = String(field.label);
      const input = document.createElement("input");
      input.name = String(field.name);
      input.type = field.secret ? "password" : "text";
      input.autocomplete = "off";
      input.setAttribute("autocapitalize", "none");
      input.spellcheck = false;
      if (field.numeric) { input.inputMode = "numeric"; }
      if (field.max) { input.maxLength = Number(field.max); }
      label.append(words, input);
      holder.append(label);
    });
    form.dataset.signature = signature;
  }
  form.querySelector(".unlock-submit").textContent = String(d.submit || "");
  form.onsubmit = (event) => {
    event.preventDefault();
    const values = {};
    form.querySelectorAll("input").forEach((input) => {
      values[input.name] = input.value;
      if (input.type === "password") { input.value = ""; }
    });
    setTriggerValue("submitted", values);
  };
}
"""

_form = st.components.v2.component("alliance_kit.kiosk_unlock", html=HTML, css=CSS, js=JS)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    secret: bool = False
    numeric: bool = False
    max: int | None = None


def secret_form(key: str, fields: Sequence[Field], submit: str) -> dict[str, str] | None:
    """Draw the form; the typed values (by field name) in the run after the button was
    pressed, else None."""
    data: dict[str, Any] = {"submit": submit, "fields": [
        {"name": f.name, "label": f.label, "secret": f.secret, "numeric": f.numeric,
         "max": f.max} for f in fields]}
    result = _form(key=key, data=data, on_submitted_change=lambda: None)
    submitted = getattr(result, "submitted", None) if result is not None else None
    if not isinstance(submitted, dict):
        return None
    return {f.name: str(submitted.get(f.name) or "") for f in fields}
