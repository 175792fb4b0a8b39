"""Alert settings: which instruments' alert rules raise alerts. Safety rules stay on."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic import settings
from alliance_kit.i18n import N_
from alliance_kit.ui.admin import attendance_alerts, services_or_stop
from alliance_kit.ui.context import App
from alliance_kit.ui.text import alert_rule_words, plain

KEY = "admin:alerts"
SEVERITY_WORDS = {"safety": N_("safety"), "urgent": N_("urgent"), "warning": N_("warning"),
                  "info": N_("info")}


def render(app: App) -> None:
    services = services_or_stop(app)
    _ = app.translate
    kit, store = app.kit, services.store
    st.title(_("Alert settings"), anchor=False)
    st.caption(_("Switch off the rules this clinic does not use. Safety alerts (such as "
                 "PHQ-9 item 9) cannot be switched off. Who is told when an alert is raised "
                 "is set on the Notifications page."))
    current = settings.alert_settings(store)
    off = []
    with st.form(f"{KEY}:form"):
        for instrument_id in sorted(kit.instruments):
            instrument = kit.instruments[instrument_id]
            if not instrument.alerts:
                continue
            st.markdown(f"**{plain(instrument_id)}** · {plain(instrument.label(app.language))}")
            for alert in instrument.alerts:
                name = f"{instrument_id}:{alert.id}"
                words = alert_rule_words(alert, instrument)
                safety = alert.protected
                severity = _(SEVERITY_WORDS.get(alert.severity, alert.severity))
                on = st.checkbox(plain(f"{alert.id} ({severity}): {words}"),
                                 value=safety or current.enabled(instrument_id, alert.id),
                                 disabled=safety, key=f"{KEY}:{name}")
                if not on and not safety:
                    off.append(name)
        off += attendance_alerts.checkboxes(kit.attendance_rules, store, current, KEY, _)
        submitted = st.form_submit_button(_("Save"), type="primary")
    if submitted:
        try:
            settings.set_alert_settings(store, app.actor, kit,
                                        settings.AlertSettings(frozenset(off)))
        except (ValueError, PermissionError) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.success(_("Saved: {count} rule(s) off.").format(count=len(off)),
                   icon=":material/check_circle:")
