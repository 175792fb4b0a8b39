"""What the kiosk pages share: the kiosk state in the session, large calm styling, languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.i18n import N_, t
from alliance_kit.ui.session import KIOSK_KEY

LANGUAGES = {"en": N_("English"), "es": N_("Español")}
QUESTIONNAIRE_URL, LOCKED_URL, CODE_URL, HANDOVER_URL = (
    "kiosk", "kiosk-locked", "code", "handover")

#: Static styling for kiosk screens only: text of 18px and more (the root size scales every
#: rem-sized element), options that are whole tappable boxes of 56px, big buttons.
#: Own CSS, no user or definition text in it.
CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMainBlockContainer"] { padding-top: 2rem; }
.st-key-kiosk-screen h1 { font-size: 2.1rem; }
.st-key-kiosk-screen { max-width: 860px; margin: 0 auto; }
.st-key-kiosk-screen p, .st-key-kiosk-screen li { font-size: 1rem; line-height: 1.5; }
.st-key-kiosk-screen [data-testid="stWidgetLabel"] p { font-size: 1.05rem; font-weight: 600; }
.st-key-kiosk-screen [role="radiogroup"] { gap: 10px; width: 100%; }
.st-key-kiosk-screen [role="radiogroup"] > label {
  min-height: 56px; width: 100%; margin: 0; padding: 10px 16px; box-sizing: border-box;
  border: 2px solid #6b7a89; border-radius: 12px; align-items: center; cursor: pointer;
  background: #ffffff; }
.st-key-kiosk-screen [role="radiogroup"] > label:has(input:checked) {
  border-color: #1f5f8b; background: #e3edf5; box-shadow: inset 0 0 0 2px #1f5f8b; }
.st-key-kiosk-screen [role="radiogroup"] > label:has(input:focus-visible) {
  outline: 3px solid #1f5f8b; outline-offset: 2px; }
.st-key-kiosk-screen [role="radiogroup"] > label p { font-size: 1rem; }
.st-key-kiosk-screen [data-testid="stHorizontalBlock"] [role="radiogroup"] > label {
  width: auto; }
.st-key-kiosk-screen button { min-height: 56px; font-size: 1rem; }
.st-key-kiosk-screen button p { font-size: 1rem; }
.st-key-kiosk-screen textarea, .st-key-kiosk-screen input { font-size: 1rem; }
[class*="st-key-kiosk-lang"] [role="radiogroup"] > label { min-height: 48px; }
[class*="st-key-kiosk-item-"] { border: 1px solid #c5d0db; border-radius: 14px;
  padding: 14px 16px; background: #fbfcfd; }
</style>
"""


#: Widget labels render a little Markdown, and Streamlit also uses the label, as written, for
#: the aria-label a screen reader reads. So only the characters that can start Markdown
#: or a Streamlit directive in a label are escaped (``plain`` escapes all punctuation,
#: which a screen reader would read out as backslashes).
_LABEL_ESCAPES = str.maketrans({char: "\\" + char for char in "\\`*_[]<>$~|#:"})


def label_text(text: object) -> str:
    """Definition text for a widget label or option: inert, with few escapes."""
    words = " ".join(str(text).split()).translate(_LABEL_ESCAPES)
    if words[:1] in ("-", "+", "=") or words[:1].isdigit():
        words = "\\" + words if not words[:1].isdigit() else words.replace(".", "\\.", 1)
    return words


def style() -> None:
    """Make this page a kiosk screen (call before drawing it)."""
    st.html(CSS)


def state() -> kiosk.KioskState:
    """The tablet's kiosk state (a locked one if there is none yet)."""
    current = st.session_state.get(KIOSK_KEY)
    if not isinstance(current, kiosk.KioskState):
        current = kiosk.KioskState()
        st.session_state[KIOSK_KEY] = current
    return current


def enter(handover: kiosk.Handover) -> None:
    """Put this browser session into kiosk state for a hand-over and show the questions."""
    current = kiosk.KioskState()
    kiosk.clear_answers(st.session_state)
    current.begin(handover)
    st.session_state[KIOSK_KEY] = current
    go(QUESTIONNAIRE_URL)


def tablet() -> str:
    """This tablet's name in the audit log, by which wrong PINs and codes are counted per
    tablet (its network address; the limits over all tablets do not depend on it)."""
    address = st.context.ip_address
    return f"tablet:{address[:64] if isinstance(address, str) and address else 'local'}"


def go(url_path: str) -> None:
    """Switch to a page by its url path (the navigation must list it on the next run)."""
    st.switch_page(st.Page(_nowhere, title=url_path, url_path=url_path))


def _nowhere() -> None:  # a stand-in: st.switch_page matches pages by url path only
    pass


def language_picker(current: kiosk.KioskState, key: str = "kiosk-lang") -> Callable[[str], str]:
    """English / Español, switchable on the kiosk; returns the translate function."""

    def changed() -> None:
        picked = st.session_state.get(key)
        if picked in LANGUAGES:
            current.language = picked
        current.touch()

    if st.session_state.get(key) not in LANGUAGES:
        st.session_state[key] = current.language if current.language in LANGUAGES else "en"
    with st.container(key=f"{key}-box"):
        st.radio("Language / Idioma", list(LANGUAGES), key=key, horizontal=True,
                 format_func=LANGUAGES.__getitem__, on_change=changed)
    current.language = st.session_state[key]
    return t(current.language)


def touch_callback(current: kiosk.KioskState) -> Callable[..., Any]:
    return lambda *args: current.touch()
