"""Open alerts as the therapist sees them, and acknowledging one with a note."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.clinic import dashboard as data
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard.common import FLASH, KEY, badge
from alliance_kit.ui.text import plain

_BOXES = {"safety": st.error, "urgent": st.error, "warning": st.warning, "info": st.info}


def alert_line(alert) -> str:
    """One (grouped) alert as Markdown: badge, instrument, message, how often and when."""
    when = pd.Timestamp(alert.raised_at).strftime("%d %b %Y") if alert.raised_at else ""
    count = getattr(alert, "count", 1)
    times = f" · {count} times, latest" if count > 1 else " · raised"
    return (f"{badge(alert.severity)} **{plain(alert.instrument_id)}** · {plain(alert.message)}"
            + (f"{times} {plain(when)}" if when else ""))


def alert_panel(app: App, alerts: pd.DataFrame) -> None:
    """Each open alert rule of one client, most urgent first, with a form to acknowledge
    it (a rule raised at several sessions is acknowledged once, with one note)."""
    if alerts is None or alerts.empty:
        st.success("No open alerts.", icon=":material/check_circle:")
        return
    for alert in data.group_alerts(alerts).itertuples():
        box = _BOXES.get(alert.severity, st.info)
        with st.container(border=True, key=f"{KEY}:alert:{alert.id}", gap="small"):
            box(alert_line(alert))
            with st.form(f"{KEY}:ack:{alert.id}", clear_on_submit=True, border=False):
                note_column, button_column = st.columns([3, 2], vertical_alignment="bottom")
                note = note_column.text_input(
                    "What was done? (required)",
                    key=f"{KEY}:note:{alert.id}", max_chars=2000,
                    placeholder="e.g. Discussed in session; safety plan agreed")
                done = button_column.form_submit_button(
                    "Acknowledge", icon=":material/done:", key=f"{KEY}:acknowledge:{alert.id}",
                    width="stretch")
            if done:
                _acknowledge(app, alert.ids, note)


def _acknowledge(app: App, alert_ids: list[int], note: str) -> None:
    if not (note or "").strip():
        st.error("Write a note saying what was done before acknowledging.",
                 icon=":material/edit_note:")
        return
    try:
        for alert_id in alert_ids:
            app.services.acknowledge_alert(app.actor, alert_id, note)
    except (AccessDenied, ValueError) as exc:
        st.error(plain(str(exc)), icon=":material/block:")
        return
    st.session_state[FLASH] = "Alert acknowledged; your note is saved."
    st.rerun()
