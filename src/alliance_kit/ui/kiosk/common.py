"""What the kiosk pages share: the kiosk state in the session, large calm styling, languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.i18n import N_, t
from alliance_kit.store.engine import Store
from alliance_kit.ui.kiosk import feedback as kiosk_feedback
from alliance_kit.ui.kiosk.choice import choice
from alliance_kit.ui.session import KIOSK_KEY

LANGUAGES = {"en": N_("English"), "es": N_("Español")}
FRESH_KEY = "alliance_kit:kiosk-fresh"
QUESTIONNAIRE_URL, LOCKED_URL, CODE_URL, HANDOVER_URL = (
    "kiosk", "kiosk-locked", "code", "handover")

#: Static styling for kiosk screens only: the root size scales every rem-sized element
#: (text of 21 px, buttons and fields over 48 px high); the rest styles our own keyed
#: containers. Streamlit's internal markup is left alone: answers are our own widget
#: (choice.py). Own CSS, no user or definition text in it.
CSS = """
<style>
html { font-size: 22px; }
.st-key-kiosk-screen { max-width: 860px; margin: 0 auto; }
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
    st.session_state[FRESH_KEY] = True
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
    """English / Español as big buttons of our own; returns the translate function."""

    def changed() -> None:
        picked = st.session_state.get(key)
        if picked in LANGUAGES:
            current.language = picked
        current.touch()

    if st.session_state.get(key) not in LANGUAGES:
        st.session_state[key] = current.language if current.language in LANGUAGES else "en"
    with st.container(key=f"{key}-box"):
        choice(key, label="Language / Idioma", options=list(LANGUAGES.items()),
               horizontal=True, small=True, on_change=changed,
               languages={code: code for code in LANGUAGES})
    current.language = st.session_state[key]
    return t(current.language)


def lock(current: kiosk.KioskState, store: Store | None, notice: str | None = None) -> None:
    """Lock the tablet: forget the client and every answer, and start the next person in
    the clinic's language, not the last client's."""
    kiosk.clear_answers(st.session_state)
    kiosk_feedback.forget()
    current.lock()
    current.notice = notice
    current.language = kiosk.default_language(store)
    for key in [k for k in st.session_state if str(k).startswith("kiosk-lang")]:
        del st.session_state[key]


def touch_callback(current: kiosk.KioskState) -> Callable[..., Any]:
    return lambda *args: current.touch()
