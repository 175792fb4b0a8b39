"""The staff login on every page: who is logged in (checked against the database on every
run), the sidebar's "Logged in as" and Log out, and the idle watcher that logs an
unattended screen out without waiting for a click.

Single sign-on: whenever our login ends (Log out, a timeout, an account an admin changed)
Streamlit's identity cookie is cleared too (``st.logout()``), so the login page cannot log
the person straight back in from it (see :mod:`alliance_kit.ui.login`).
"""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import sso, staff_sessions
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.services import Services
from alliance_kit.i18n import N_, t
from alliance_kit.ui import session

#: Longest wait between the idle watcher's checks, in seconds.
WATCH_EVERY = 15.0


LOG_OUT = N_("Log out")

def current_account(services: Services | None) -> Account | None:
    """The logged-in account for this run, or None (a login that just ended is audited and,
    with single sign-on, Streamlit's identity cookie is cleared as well)."""
    store = services.store if services is not None else None
    in_kiosk = st.session_state.get(session.KIOSK_KEY) is not None
    account = session.current_account(st.session_state, store,
                                      idle_timeout=staff_sessions.idle_seconds(store),
                                      touch=not in_kiosk)
    if session.pop_ended(st.session_state) is not None and sso_logged_in():
        st.logout()
    return account


def sso_logged_in() -> bool:
    """Whether Streamlit holds a single sign-on identity for this browser.

    ``st.user.is_logged_in`` raises AttributeError when no identity provider is configured:
    read it only when ``[auth]`` is set up.
    """
    try:
        configured = sso.settings_from(st.secrets) is not None
    except ValueError:
        configured = True  # a misconfigured mapping: still end Streamlit's own login
    return configured and bool(st.user.to_dict().get("is_logged_in", False))


def sidebar(services: Services | None, account: Account, language: str = "en") -> None:
    """The Log out button and the idle watcher (staff pages only; "Logged in as" is drawn
    with the page links by :func:`alliance_kit.ui.navigation.sidebar`)."""
    with st.sidebar:
        st.button(t(language)(LOG_OUT), key="app:logout", icon=":material/logout:",
                  on_click=log_out, args=(services,))
    idle_watch(services)


def log_out(services: Services | None) -> None:
    """The Log out button: end our login (audited) and the single sign-on one."""
    store = services.store if services is not None else None
    session.log_out(st.session_state, session.NOTICES["logout"], store=store)
    session.pop_ended(st.session_state)
    if sso_logged_in():
        st.logout()


def idle_watch(services: Services | None) -> None:
    """Re-check the staff login every few seconds in the browser, so an unattended screen
    logs out (and stops showing client data) on time, not at the next click: when it
    has been idle too long, or an admin disabled or changed the account.

    The check runs as a fragment: it does not count as activity.
    """
    store = services.store if services is not None else None
    idle = staff_sessions.idle_seconds(store)

    @st.fragment(run_every=max(2.0, min(WATCH_EVERY, idle / 4)))
    def watch() -> None:
        left = session.seconds_left(st.session_state, idle)
        logged = st.session_state.get(session.ACCOUNT_KEY)
        if left is None or left <= 0 or (
                store is not None and isinstance(logged, session.LoggedIn)
                and staff_sessions.why_ended(store, logged.account) is not None):
            st.rerun(scope="app")

    watch()
