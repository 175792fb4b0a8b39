"""Users and roles: the staff list, adding an account, disabling one, resetting a password."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import accounts, admin
from alliance_kit.clinic.access import STAFF_ROLES
from alliance_kit.store.names import visible
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import DASH, plain

KEY = "admin:users"


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    store, actor = services.store, app.actor
    st.title(_("Users and roles"), anchor=False)
    st.caption(_("Therapists see their own clients, supervisors also their team's; admins "
                 "manage the clinic and see no client data unless on a care team."))
    notice = st.session_state.pop(f"{KEY}:notice", None)
    if notice:
        st.success(plain(notice), icon=":material/check_circle:")
    staff = admin.users(store, actor)
    shown = staff.assign(role=staff["role"].map(lambda r: _(r)),
                         username=staff["username"].map(visible))
    st.dataframe(shown.drop(columns=["id"]), hide_index=True, key=f"{KEY}:table",
                 width="stretch", placeholder=DASH, column_config={
                     "username": _("Username"), "display_name": _("Name"), "role": _("Role"),
                     "team": _("Team"), "active": st.column_config.CheckboxColumn(_("Active")),
                     "locked_until": st.column_config.DatetimeColumn(_("Locked until")),
                     "has_password": st.column_config.CheckboxColumn(_("Password set"))})
    teams = admin.teams(store)
    add, manage = st.tabs([_("Add a user"), _("Change a user")])
    with add:
        _add(app, teams)
    with manage:
        _manage(app, list(staff["username"]))


def _add(app: App, teams: dict[int, str]) -> None:
    _ = app.translate
    with st.form(f"{KEY}:add", clear_on_submit=True):
        username = st.text_input(_("Username (the e-mail address, if single sign-on is used)"),
                                 key=f"{KEY}:new:username", max_chars=64)
        name = st.text_input(_("Name"), key=f"{KEY}:new:name", max_chars=100)
        left, right = st.columns(2)
        role = left.selectbox(_("Role"), STAFF_ROLES, key=f"{KEY}:new:role",
                              format_func=lambda r: _(r))
        team = right.selectbox(_("Team"), [None, *teams], key=f"{KEY}:new:team",
                               format_func=lambda t: _("no team") if t is None else teams[t])
        password = st.text_input(_("Password (at least {count} characters)").format(
            count=accounts.MIN_PASSWORD_LENGTH), type="password", key=f"{KEY}:new:password",
            autocomplete="new-password")
        submitted = st.form_submit_button(_("Add user"), type="primary")
    if submitted:
        try:
            accounts.add_user(app.services.store, app.actor, username, role, password,
                              display_name=name.strip(), team_id=team)
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.session_state[f"{KEY}:notice"] = _("Added {username} as {role}.").format(
            username=username.strip(), role=_(role))
        st.rerun()


def _manage(app: App, usernames: list[str]) -> None:
    _ = app.translate
    if not usernames:
        st.info(_("There are no users yet."))
        return
    chosen = st.selectbox(_("User"), usernames, key=f"{KEY}:chosen", format_func=visible)
    store = app.services.store
    row = admin.users(store, app.actor).set_index("username").loc[chosen]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{_('Account')}**")
        if chosen == app.actor.username:
            st.caption(_("This is your own account: another admin must disable it."))
        elif row["active"]:
            if st.button(_("Disable account"), key=f"{KEY}:disable", icon=":material/block:"):
                _do(lambda: accounts.set_active(store, app.actor, chosen, False),
                    _("Disabled {username}: they can no longer log in.").format(
                        username=chosen))
        elif st.button(_("Enable account"), key=f"{KEY}:enable", icon=":material/check:"):
            _do(lambda: accounts.set_active(store, app.actor, chosen, True),
                _("Enabled {username}.").format(username=chosen))
    with right:
        with st.form(f"{KEY}:reset", clear_on_submit=True):
            st.markdown(_("**Reset password** (also unlocks the account)"))
            first = st.text_input(_("New password"), type="password", key=f"{KEY}:reset:1",
                                  autocomplete="new-password")
            second = st.text_input(_("New password again"), type="password",
                                   key=f"{KEY}:reset:2", autocomplete="new-password")
            submitted = st.form_submit_button(_("Set password"))
        if submitted:
            if first != second:
                st.error(_("The two passwords differ: type the same one twice."))
            else:
                _do(lambda: accounts.set_password(store, app.actor, chosen, first),
                    _("Set a new password for {username}.").format(username=chosen))


def _do(action, notice: str) -> None:
    try:
        action()
    except (ValueError, PermissionError) as exc:
        st.error(plain(exc), icon=":material/error:")
        return
    st.session_state[f"{KEY}:notice"] = notice
    st.rerun()
