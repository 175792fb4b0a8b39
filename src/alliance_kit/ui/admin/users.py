"""Users and roles: the staff list, adding an account, disabling one, resetting a password."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import accounts, admin
from alliance_kit.clinic.access import STAFF_ROLES
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "admin:users"


def render(app: App) -> None:
    services = services_or_stop(app)
    store, actor = services.store, app.actor
    st.title("Users and roles")
    st.caption("Therapists see their own clients, supervisors also their team's; admins "
               "manage the clinic and see no client data unless on a care team.")
    notice = st.session_state.pop(f"{KEY}:notice", None)
    if notice:
        st.success(plain(notice), icon=":material/check_circle:")
    staff = admin.users(store, actor)
    st.dataframe(staff.drop(columns=["id"]), hide_index=True, key=f"{KEY}:table",
                 width="stretch", column_config={
                     "username": "Username", "display_name": "Name", "role": "Role",
                     "team": "Team", "active": st.column_config.CheckboxColumn("Active"),
                     "locked_until": st.column_config.DatetimeColumn("Locked until"),
                     "has_password": st.column_config.CheckboxColumn("Password set")})
    teams = admin.teams(store)
    add, manage = st.tabs(["Add a user", "Change a user"])
    with add:
        _add(app, teams)
    with manage:
        _manage(app, list(staff["username"]))


def _add(app: App, teams: dict[int, str]) -> None:
    with st.form(f"{KEY}:add", clear_on_submit=True):
        username = st.text_input("Username (the e-mail address, if single sign-on is used)",
                                 key=f"{KEY}:new:username", max_chars=64)
        name = st.text_input("Name", key=f"{KEY}:new:name", max_chars=100)
        left, right = st.columns(2)
        role = left.selectbox("Role", STAFF_ROLES, key=f"{KEY}:new:role")
        team = right.selectbox("Team", [None, *teams], key=f"{KEY}:new:team",
                               format_func=lambda t: "no team" if t is None else teams[t])
        password = st.text_input(f"Password (at least {accounts.MIN_PASSWORD_LENGTH} "
                                 "characters)", type="password", key=f"{KEY}:new:password",
                                 autocomplete="new-password")
        submitted = st.form_submit_button("Add user", type="primary")
    if submitted:
        try:
            accounts.add_user(app.services.store, app.actor, username, role, password,
                              display_name=name.strip(), team_id=team)
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.session_state[f"{KEY}:notice"] = f"Added {username.strip()} as {role}."
        st.rerun()


def _manage(app: App, usernames: list[str]) -> None:
    if not usernames:
        st.info("There are no users yet.")
        return
    chosen = st.selectbox("User", usernames, key=f"{KEY}:chosen")
    store = app.services.store
    row = admin.users(store, app.actor).set_index("username").loc[chosen]
    left, right = st.columns(2)
    with left:
        st.markdown("**Account**")
        if chosen == app.actor.username:
            st.caption("This is your own account: another admin must disable it.")
        elif row["active"]:
            if st.button("Disable account", key=f"{KEY}:disable", icon=":material/block:"):
                _do(lambda: accounts.set_active(store, app.actor, chosen, False),
                    f"Disabled {chosen}: they can no longer log in.")
        elif st.button("Enable account", key=f"{KEY}:enable", icon=":material/check:"):
            _do(lambda: accounts.set_active(store, app.actor, chosen, True),
                f"Enabled {chosen}.")
    with right:
        with st.form(f"{KEY}:reset", clear_on_submit=True):
            st.markdown("**Reset password** (also unlocks the account)")
            first = st.text_input("New password", type="password", key=f"{KEY}:reset:1",
                                  autocomplete="new-password")
            second = st.text_input("New password again", type="password",
                                   key=f"{KEY}:reset:2", autocomplete="new-password")
            submitted = st.form_submit_button("Set password")
        if submitted:
            if first != second:
                st.error("The two passwords differ: type the same one twice.")
            else:
                _do(lambda: accounts.set_password(store, app.actor, chosen, first),
                    f"Set a new password for {chosen}.")


def _do(action, notice: str) -> None:
    try:
        action()
    except (ValueError, PermissionError) as exc:
        st.error(plain(exc), icon=":material/error:")
        return
    st.session_state[f"{KEY}:notice"] = notice
    st.rerun()
