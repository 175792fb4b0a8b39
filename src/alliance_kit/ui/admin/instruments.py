"""Instruments per clinic: which questionnaires each team gives."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import admin, settings
from alliance_kit.ui.admin import services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "admin:instruments"


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    kit, store = app.kit, services.store
    st.title(_("Instruments per clinic"), anchor=False)
    st.caption(_("A clinic gives only the instruments switched on here; stored answers to one "
                 "switched off stay, and can still be viewed and exported."))
    teams = admin.teams(store)
    team = st.selectbox(_("Clinic (team)"), [*teams, None], key=f"{KEY}:team",
                        format_func=lambda t: _("staff without a team") if t is None
                        else teams[t])
    enabled = set(settings.enabled_instruments(store, kit, team))
    with st.form(f"{KEY}:form:{team}"):
        chosen = []
        for instrument_id in sorted(kit.instruments):
            instrument = kit.instruments[instrument_id]
            label = f"{instrument_id} — {instrument.text(instrument.title, app.language)}"
            if not instrument.validated:
                label += f" ({_('not a validated instrument')})"
            if st.checkbox(plain(label), value=instrument_id in enabled,
                           key=f"{KEY}:{team}:{instrument_id}"):
                chosen.append(instrument_id)
        submitted = st.form_submit_button(_("Save"), type="primary")
    if submitted:
        try:
            saved = settings.set_enabled_instruments(store, app.actor, kit, team, chosen)
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.success(_("Saved: {count} of {total} instruments on.").format(
            count=len(saved), total=len(kit.instruments)), icon=":material/check_circle:")
