"""Alerts as they happen: a banner for new safety alerts and warnings that stays until the
client is opened, and a quiet check (every 30 s) that redraws the page when one arrives.

The check reads alert ids only (:func:`alliance_kit.clinic.attention.signal`); only when
they change does the whole page run again and read (and audit) what it shows.
"""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from alliance_kit.clinic import attention
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard.common import KEY, SEVERITY, open_client
from alliance_kit.ui.text import plain

#: Seconds between checks for new alerts (ALLIANCE_KIT_ALERT_REFRESH overrides; at least 2).
REFRESH = 30.0
REFRESH_ENV = "ALLIANCE_KIT_ALERT_REFRESH"
#: Clients named in the banner (the rest are counted).
SHOWN = 3
DRAWN = f"{KEY}:alerts-drawn"


def refresh_seconds() -> float:
    try:
        return max(2.0, float(os.environ.get(REFRESH_ENV, REFRESH)))
    except ValueError:
        return REFRESH


def banner(app: App) -> None:
    """The banner of unopened safety alerts and warnings (nothing when there are none), and
    the check that redraws the page when that changes."""
    services, actor = app.services, app.actor
    st.session_state[DRAWN] = attention.signal(services, actor)
    new = attention.unopened(services, actor) if st.session_state[DRAWN] else None
    if new is not None and len(new):
        _draw(new)
    _watch(app)


def _draw(new: pd.DataFrame) -> None:
    safety = bool((new["severity"] == "safety").any())
    box = st.error if safety else st.warning
    with st.container(key=f"{KEY}-new-alerts", border=True):
        count = int(new["alerts"].sum())
        box(f"**{count} new alert{'s' if count != 1 else ''} need{'s' if count == 1 else ''} "
            "attention.** Open the client to see them; this stays until you do.",
            icon=":material/notifications_active:")
        for row in new.head(SHOWN).itertuples():
            symbol, word, _, _ = SEVERITY[row.severity]
            when = pd.Timestamp(row.raised_at).to_pydatetime().astimezone().strftime(
                "%d %b %H:%M") if pd.notna(row.raised_at) else ""
            words, button = st.columns([3, 1], vertical_alignment="center")
            words.markdown(f"{plain(symbol)} **{plain(word)}** · **{plain(row.code)}** · "
                           f"{int(row.alerts)} alert{'s' if row.alerts != 1 else ''} · "
                           f"{plain(when)}")
            if button.button("Open", key=f"{KEY}:new:{row.client_id}",
                             icon=":material/arrow_forward:", width="stretch"):
                open_client(int(row.client_id))
        if len(new) > SHOWN:
            st.markdown(f"and {len(new) - SHOWN} more clients: see the caseload.")


def _watch(app: App) -> None:
    @st.fragment(run_every=refresh_seconds())
    def check() -> None:
        try:
            now = attention.signal(app.services, app.actor)
        except Exception:  # the database away for a moment: try again next time
            return
        if now != st.session_state.get(DRAWN):
            st.rerun(scope="app")

    check()


def opened(app: App, client_id: int) -> None:
    """This client's page is on screen: its alerts are no longer new for this person."""
    attention.mark_opened(app.services, app.actor, client_id)
