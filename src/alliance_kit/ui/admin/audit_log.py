"""The audit log: every read of client data and every change, filtered, newest first, a page
at a time (read on the server, so the whole log can be walked, filters and all)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from alliance_kit.clinic import admin
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import DASH, plain

KEY = "admin:audit"
PAGE = f"{KEY}:page"
#: Entries on one page.
PER_PAGE = 200


UPTO = f"{KEY}:upto"


def _first_page() -> None:
    st.session_state[PAGE] = 1


def _turn(step: int) -> None:
    st.session_state[PAGE] = max(1, int(st.session_state.get(PAGE, 1)) + step)


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    store = services.store
    st.title(_("Audit log"), anchor=False)
    st.caption(_("Append-only and hash-chained. Clients appear by number only. Looking at the "
                 "log is itself logged."))
    with st.form(f"{KEY}:filters"):
        left, right = st.columns(2)
        who = left.text_input(_("Actor contains"), key=f"{KEY}:actor", max_chars=80)
        client = right.text_input(_("Client number"), key=f"{KEY}:client", max_chars=12)
        actions = st.multiselect(_("Actions"), admin.audit_actions(store), key=f"{KEY}:actions",
                                 placeholder=_("Any action"))
        left, right = st.columns(2)
        since = left.date_input(_("From"), value=dt.date.today() - dt.timedelta(days=30),
                                key=f"{KEY}:since")
        until = right.date_input(_("To"), value=dt.date.today(), key=f"{KEY}:until")
        st.form_submit_button(_("Filter"), type="primary", on_click=_first_page)
    client_id = None
    if client.strip():
        if not client.strip().isdigit():
            st.error(plain(_("{typed} is not a client number: use digits only (the number in "
                             "the Client column).").format(typed=repr(client.strip()))))
            return
        client_id = int(client.strip())
    filters = admin.AuditFilter(who, tuple(actions), client_id, since, until)
    wanted = int(st.session_state.get(PAGE, 1))
    # Page 1 shows the newest entries; later pages keep to what page 1 covered, so looking
    # (which is itself logged) does not shift them.
    page = admin.audit_page(store, app.actor, filters, wanted, PER_PAGE,
                            upto=None if wanted == 1 else st.session_state.get(UPTO))
    st.session_state[PAGE] = page.page
    st.session_state[UPTO] = page.upto
    st.caption(_("Entries {first}–{last} of {total}, newest first (page {page} of "
                 "{pages}).").format(first=page.first, last=page.last, total=page.total,
                                     page=page.page, pages=page.pages))
    st.dataframe(page.entries, hide_index=True, key=f"{KEY}:table", width="stretch",
                 placeholder=DASH, column_config={
                     "seq": st.column_config.NumberColumn("#", width="small"),
                     "at": st.column_config.DatetimeColumn(_("When"), format="YYYY-MM-DD HH:mm"),
                     "actor": _("Actor"), "action": _("Action"), "entity": _("What"),
                     "entity_id": _("Which"),
                     "client_id": st.column_config.NumberColumn(_("Client"), format="%d"),
                     "details": st.column_config.TextColumn(_("Details"), width="large"),
                 })
    newer, number, older = st.columns([2, 1, 2], vertical_alignment="bottom")
    newer.button(_("Newer"), key=f"{KEY}:newer", icon=":material/arrow_back:",
                 disabled=page.page <= 1, on_click=_turn, args=(-1,), width="stretch")
    number.number_input(_("Page"), min_value=1, max_value=page.pages, key=PAGE)
    older.button(_("Older"), key=f"{KEY}:older", icon=":material/arrow_forward:",
                 disabled=page.page >= page.pages, on_click=_turn, args=(1,),
                 width="stretch")
    if st.button(_("Check the hash chain"), key=f"{KEY}:verify", icon=":material/verified:"):
        count, problems = admin.verify_log(store, app.actor)
        if problems:
            st.error(_("{count} problem(s) in {total} entries.").format(
                count=len(problems), total=count))
            st.dataframe({_("Problem"): problems}, key=f"{KEY}:problems", hide_index=True,
                         placeholder=DASH)
        else:
            st.success(_("All {count} entries are intact.").format(count=count),
                       icon=":material/check_circle:")
