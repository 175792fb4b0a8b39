"""The audit log: every read of client data and every change, filtered, newest first."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from alliance_kit.clinic import admin
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "admin:audit"


def render(app: App) -> None:
    services = services_or_stop(app)
    store = services.store
    st.title("Audit log")
    st.caption("Append-only and hash-chained. Clients appear by number only. Looking at the "
               "log is itself logged.")
    with st.form(f"{KEY}:filters"):
        left, right = st.columns(2)
        who = left.text_input("Actor contains", key=f"{KEY}:actor", max_chars=80)
        client = right.text_input("Client number", key=f"{KEY}:client", max_chars=12)
        actions = st.multiselect("Actions", admin.audit_actions(store), key=f"{KEY}:actions")
        left, right = st.columns(2)
        since = left.date_input("From", value=dt.date.today() - dt.timedelta(days=30),
                                key=f"{KEY}:since")
        until = right.date_input("To", value=dt.date.today(), key=f"{KEY}:until")
        st.form_submit_button("Filter", type="primary")
    client_id = None
    if client.strip():
        if not client.strip().isdigit():
            st.error(plain(f"{client.strip()!r} is not a client number: use digits only "
                           "(the number in the client_id column)."))
            return
        client_id = int(client.strip())
    filters = admin.AuditFilter(who, tuple(actions), client_id, since, until)
    entries = admin.audit_log(store, app.actor, filters)
    st.caption(f"{len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
               + (f" (the newest {admin.AUDIT_LIMIT})" if len(entries) >= admin.AUDIT_LIMIT
                  else ""))
    st.dataframe(entries, hide_index=True, key=f"{KEY}:table", width="stretch",
                 column_config={
                     "seq": st.column_config.NumberColumn("#", width="small"),
                     "at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                     "actor": "Actor", "action": "Action", "entity": "What",
                     "entity_id": "Which",
                     "client_id": st.column_config.NumberColumn("Client", format="%d"),
                     "details": st.column_config.TextColumn("Details", width="large"),
                 })
    if st.button("Check the hash chain", key=f"{KEY}:verify", icon=":material/verified:"):
        count, problems = admin.verify_log(store, app.actor)
        if problems:
            st.error(f"{len(problems)} problem(s) in {count} entries.")
            st.dataframe({"problem": problems}, key=f"{KEY}:problems", hide_index=True)
        else:
            st.success(f"All {count} entries are intact.", icon=":material/check_circle:")
