"""The caseload: who needs attention and why, most urgent first, at a glance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from alliance_kit.clinic import dashboard as data
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard import attendance_caseload, live
from alliance_kit.ui.dashboard.alerts import alert_line
from alliance_kit.ui.dashboard.common import (
    KEY,
    SEVERITY,
    badge,
    flag,
    open_client,
    ready,
    show_flash,
)
from alliance_kit.ui.text import DASH, plain

#: Clients shown as cards under "Needs attention" (the rest are in the table).
CARDS = 6
_CELL_COLOURS = {"safety": "#FDDCDC", "urgent": "#EBDDF7", "warning": "#FFF0C2",
                 "info": "#DCEBFA"}
_FLAG_WORDS = {severity: flag(severity) for severity in SEVERITY}


def render(app: App) -> None:
    st.title("Caseload", anchor=False)
    if not ready(app):
        return
    show_flash()
    attendance_caseload.check_alerts(app)
    live.banner(app)
    try:
        caseload = app.services.caseload(app.actor)
        alerts = app.services.open_alerts(app.actor)
    except AccessDenied as exc:
        st.error(plain(str(exc)), icon=":material/block:")
        return
    if caseload.empty:
        st.info("No clients on your caseload.", icon=":material/group_off:")
        return
    counts = data.alert_counts(alerts)
    _summary(len(caseload), counts, int((caseload["open_alerts"] > 0).sum()))
    _attention(caseload, alerts)
    _table(caseload)
    attendance_caseload.render(app)


def _summary(clients: int, counts: dict[str, int], flagged: int) -> None:
    columns = st.columns(4)
    columns[0].metric("Clients", clients)
    columns[1].metric(":material/emergency: Safety alerts", counts["safety"])
    columns[2].metric(":material/warning: Urgent and warnings",
                      counts["urgent"] + counts["warning"])
    columns[3].metric("Clients with open alerts", flagged)


def _attention(caseload: pd.DataFrame, alerts: pd.DataFrame) -> None:
    urgent = caseload[caseload["top_severity"].isin(["safety", "urgent", "warning"])]
    st.subheader("Needs attention", anchor=False)
    if urgent.empty:
        st.success("No safety alerts or warnings open.", icon=":material/check_circle:")
        return
    by_client = dict(list(data.group_alerts(alerts).groupby("client_id", sort=False)))
    for row in urgent.head(CARDS).itertuples():
        with st.container(border=True, key=f"{KEY}:card:{row.client_id}"):
            text, button = st.columns([3, 1], vertical_alignment="bottom")
            count = f"{row.open_alerts} open alert{'s' if row.open_alerts != 1 else ''}"
            lines = [f"{badge(row.top_severity)} **{plain(row.code)}** · {count}"]
            client_alerts = by_client.get(row.client_id)
            if client_alerts is not None:
                lines += [f"- {alert_line(a)}" for a in client_alerts.head(3).itertuples()]
                if len(client_alerts) > 3:
                    lines.append(f"- and {len(client_alerts) - 3} more rules")
            text.markdown("\n".join(lines))
            if button.button("Open", key=f"{KEY}:open:{row.client_id}",
                             icon=":material/arrow_forward:", width="stretch"):
                open_client(row.client_id)
    if len(urgent) > CARDS:
        st.caption(f"and {len(urgent) - CARDS} more clients with safety alerts or warnings: "
                   "see the table below.")


def _table(caseload: pd.DataFrame) -> None:
    st.subheader("All clients", anchor=False)
    st.caption("Most urgent first. Select a row to open the client. Trend: change of the "
               "alliance score since the session before.")
    table = data.caseload_table(caseload, _FLAG_WORDS)
    severities = caseload["top_severity"].tolist()
    styled = table.style.apply(
        lambda column: [f"background-color: {_CELL_COLOURS[s]}" if s in _CELL_COLOURS else ""
                        for s in severities], subset=["Flag"]).format(
        {"Alliance": "{:.1f}", "Outcome": "{:.1f}"}, na_rep="—")
    # A new key after each opening, so coming back does not re-open the same row.
    generation = st.session_state.get(f"{KEY}:generation", 0)
    event = st.dataframe(
        styled, key=f"{KEY}:caseload:{generation}", hide_index=True, width="stretch",
        on_select="rerun", selection_mode="single-row", placeholder=DASH,
        column_config={
            "Flag": st.column_config.TextColumn("Flag", width="small", pinned=True),
            "Client": st.column_config.TextColumn("Client", width="small", pinned=True),
            "Open alerts": st.column_config.NumberColumn("Open", width="small"),
            "Last session": st.column_config.DateColumn("Last session", format="DD MMM"),
            "Alliance trend": st.column_config.TextColumn("Trend", width="small"),
            "Alerts": st.column_config.TextColumn("Alerts", width="medium"),
        },
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        st.session_state[f"{KEY}:generation"] = generation + 1
        open_client(int(caseload.iloc[rows[0]]["client_id"]))
