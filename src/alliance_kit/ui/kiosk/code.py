"""Entering a one-time code: a tablet nobody is logged into opens one client's questions."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import kiosk
from alliance_kit.i18n import t
from alliance_kit.ui.context import App
from alliance_kit.ui.kiosk import common

KEY = "kiosk-code"


def render(app: App) -> None:
    """The "Enter a code" page (for a tablet in the anonymous state)."""
    common.style()
    store = app.services.store if app.services else None
    current = kiosk.KioskState(language=st.session_state.get(f"{KEY}:lang")
                               or kiosk.default_language(store))
    with st.container(key="kiosk-screen"):
        _ = common.language_picker(current, key=f"{KEY}:lang")
        st.title(_("Welcome"), anchor=False)
        st.markdown(_("Please enter the code you were given."))
        if app.services is None:
            st.error(_("Not saved — please tell staff"), icon=":material/error:")
            return
        code_form(app, current.language)


def code_form(app: App, language: str) -> None:
    """An 8-digit code field; a good code puts the tablet into kiosk state for that client.

    Wrong codes are counted per tablet and over all tablets; a member of staff logged in
    on this tablet is not held up when code entry is paused.
    """
    _ = t(language)
    with st.form(f"{KEY}:form", clear_on_submit=True, enter_to_submit=True):
        code = st.text_input(_("Your 8-digit code"), key=f"{KEY}:value", max_chars=16,
                             autocomplete="off", placeholder="1234 5678")
        go = st.form_submit_button(_("Start"), type="primary", width="stretch",
                                   icon=":material/arrow_forward:")
    if go:
        try:
            handover = kiosk.redeem_code(
                app.services, code, language=language, where=common.tablet(),
                staff=app.account.actor if app.account is not None else None)
        except kiosk.CodeRefused as exc:
            st.error(_(str(exc)), icon=":material/block:")
            return
        common.enter(handover)
