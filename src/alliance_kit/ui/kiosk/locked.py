"""The locked screen: nothing of any client, a place for a one-time code, and the staff unlock.

Leaving kiosk state needs the staff PIN (wrong ones are counted on the server and make the
tablet wait longer and longer) or a staff login; both are audited.
"""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import kiosk, staff_sessions
from alliance_kit.clinic.accounts import LoginFailed, login
from alliance_kit.ui import session
from alliance_kit.ui.context import App
from alliance_kit.ui.kiosk import common, questionnaire
from alliance_kit.ui.kiosk.code import code_form
from alliance_kit.ui.kiosk.secret import Field, secret_form


def render(app: App) -> None:
    current = common.state()
    common.style()
    store = app.services.store if app.services else None
    idle = kiosk.idle_seconds(store)
    if current.idle_expired(idle):
        common.lock(current, store, notice="idle")
    if current.handover is not None:
        questionnaire.idle_watch(current, idle)
    with st.container(key="kiosk-screen"):
        _ = common.language_picker(current)
        if current.handover is not None:
            st.title(_("Questions in progress"), anchor=False)
            if st.button(_("Back to the questions"), key="kiosk-back", type="primary",
                         width="stretch", icon=":material/arrow_back:"):
                current.touch()
                common.go(common.QUESTIONNAIRE_URL)
        else:
            st.title(_("This tablet is locked"), anchor=False)
            if current.notice == "idle":
                st.info(_("The questions were closed after a few minutes without activity. "
                          "Nothing was saved."), icon=":material/schedule:")
            st.markdown(_("Please hand the tablet back to staff, or enter the code you "
                          "were given."))
            if app.services is not None:
                code_form(app, current.language)
        st.divider()
        _staff(app, current, _)


def _staff(app: App, current: kiosk.KioskState, _) -> None:
    with st.expander(_("Staff: unlock this tablet"), icon=":material/lock_open:"):
        if app.services is None:
            st.error(_("The database cannot be opened."))
            return
        store = app.services.store
        if kiosk.pin_is_set(store):
            typed = secret_form("kiosk-unlock:pin", [Field("pin", _("Staff PIN"), secret=True,
                                                           numeric=True, max=12)],
                                _("Unlock with PIN"))
            if typed is not None:
                outcome = kiosk.check_pin(store, typed["pin"], where=common.tablet())
                if outcome.ok:
                    leave(store)
                st.error(outcome.message, icon=":material/block:")
        elif kiosk.pin_needs_reset(store):
            st.markdown(_("The kiosk PIN is too short for this version: an admin must set a new "
                          "one of {digits} or more digits. Log in to unlock.").format(
                              digits=kiosk.pin.MIN_PIN_LENGTH))
        else:
            st.markdown(_("No kiosk PIN is set (an admin can set one): log in to unlock."))
        typed = secret_form("kiosk-unlock:login", [Field("username", _("Username"), max=64),
                                                   Field("password", _("Password"),
                                                         secret=True)],
                            _("Unlock with staff login"))
        if typed is not None:
            try:
                account = login(store, typed["username"], typed["password"])
            except LoginFailed as exc:
                st.error(str(exc), icon=":material/block:")
                return
            kiosk.record_unlock(store, account.actor, "login")
            session.log_in(st.session_state, account)
            common.go(common.HANDOVER_URL)


def leave(store=None) -> None:
    """Leave kiosk state: forget the hand-over and every answer; back to staff (or to the
    login, when the staff login timed out or was ended while the tablet was with a client)."""
    kiosk.clear_answers(st.session_state)
    st.session_state.pop(session.KIOSK_KEY, None)
    account = session.current_account(st.session_state, store,
                                      idle_timeout=staff_sessions.idle_seconds(store))
    common.go(common.HANDOVER_URL if account is not None else "login")
