"""Personal feedback on the kiosk's thank-you screen: only when the clinic turned it on.

Right after an AUDIT-C or readiness-ruler submission, the client's own answers in plain
words (and the drinking limits) are kept in the session under :data:`KEY` for the
thank-you screen; they are removed when the tablet locks. With the setting off (the
default), nothing is kept and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from alliance_kit.clinic import feedback
from alliance_kit.clinic.kiosk import KioskState
from alliance_kit.i18n import N_
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "kiosk-feedback"
#: Seconds the thank-you screen stays when it shows feedback (Done locks at once).
READ_SECONDS = 120
HEADING = N_("Your answers in plain words")
ASK_STAFF = N_("Your counsellor can go through this with you.")


def remember(app: App, current: KioskState, instrument_id: str,
             answers: Mapping[str, Any]) -> None:
    """After a save: keep this questionnaire's feedback for the thank-you screen, if allowed."""
    if current.step == 0:
        st.session_state.pop(KEY, None)  # a new hand-over starts with nothing
    if app.services is None:
        return
    try:
        if not feedback.feedback_settings(app.services.store).kiosk:
            return
        limits = feedback.limits_for(app.services.store)
        found = feedback.kiosk_sections(instrument_id, answers, {}, limits, current.language)
    except Exception:  # optional: the answers are saved, the thank-you screen must show
        return
    if found:
        kept = list(st.session_state.get(KEY, []))
        kept += [(section.heading, list(section.lines)) for section in found]
        st.session_state[KEY] = kept


def forget() -> None:
    st.session_state.pop(KEY, None)


def show(_) -> bool:
    """Draw the kept feedback (if any) on the thank-you screen; True when something shows."""
    kept = st.session_state.get(KEY)
    if not kept:
        return False
    with st.container(border=True, key="kiosk-feedback-box"):
        st.subheader(_(HEADING), anchor=False)
        for heading, lines in kept:
            st.markdown(f"**{plain(heading)}**")
            st.markdown("\n".join(f"- {plain(line)}" for line in lines))
        st.markdown(_(ASK_STAFF))
    return True
