"""The login page: username and password, the reason for a logout, nothing else."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import sso
from alliance_kit.clinic.accounts import LoginFailed, login
from alliance_kit.ui import session
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "login"


def render(app: App) -> None:
    st.title("alliance_kit")
    notice = session.pop_notice(st.session_state)
    if notice:
        st.info(notice, icon=":material/schedule:")
    if app.services is None:
        st.error("The database cannot be opened, so nobody can log in.", icon=":material/error:")
        st.text(app.store_error or "")
        st.caption("Create one with `alliance-kit db upgrade`, or a demo with `alliance-kit "
                   "demo`, or set ALLIANCE_KIT_DATABASE_URL.")
        return
    _single_sign_on(app)
    with st.form(f"{KEY}:form", enter_to_submit=True):
        st.subheader("Staff login")
        username = st.text_input("Username", key=f"{KEY}:username", autocomplete="username")
        password = st.text_input("Password", type="password", key=f"{KEY}:password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Log in", type="primary", width="stretch")
    if submitted:
        try:
            account = login(app.services.store, username, password)
        except LoginFailed as exc:
            st.error(str(exc), icon=":material/block:")
            return
        session.log_in(st.session_state, account)
        st.rerun()


def _single_sign_on(app: App) -> None:
    """Offer the clinic's OIDC provider when ``[auth]`` is configured (see docs/sso.md).

    Streamlit's identity cookie lasts 30 days: it logs nobody in by itself. Only a login at
    the provider that just happened (``auth_time``/``iat`` within ``fresh_seconds``) does,
    and the provider is asked for a fresh login every time (``prompt=login``, ``max_age``).
    """
    try:
        sso_settings = sso.settings_from(st.secrets)
    except ValueError as exc:
        st.error(plain(f"Single sign-on is misconfigured: {exc}"), icon=":material/error:")
        return
    if sso_settings is None:
        return
    problem = sso.fresh_login_problem(st.secrets, sso_settings)
    if problem is not None:
        st.warning(plain(f"Single sign-on is switched off until it is set up safely: {problem}"),
                   icon=":material/lock:")
        return
    info = st.user.to_dict()
    if info.get("is_logged_in") and sso.is_fresh(info, sso_settings):
        try:
            account = sso.sso_login(app.services.store, info, sso_settings)
        except LoginFailed as exc:
            st.error(plain(str(exc)), icon=":material/block:")
            st.button("Use another account", key=f"{KEY}:sso-out", on_click=st.logout)
            return
        session.log_in(st.session_state, account, via="sso")
        st.rerun()
    st.button(plain(sso_settings.label), key=f"{KEY}:sso", on_click=st.login,
              args=(sso_settings.provider,) if sso_settings.provider else ())
