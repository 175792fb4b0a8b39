"""The caseload's attendance section: who is coming back, and quick actions to record it.

Layout only: :mod:`alliance_kit.clinic.attendance` reads and records, and
:mod:`alliance_kit.clinic.attendance_alerts` evaluates the rules (the time-based ones run
here for the therapist's own clients, before the caseload is read).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from alliance_kit.clinic import attendance
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.clinic.attendance_alerts import sweep
from alliance_kit.clinic.attendance_data import policy
from alliance_kit.engine.attendance import RATE_WINDOW, STATUS_WORDS, AttendanceError
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard.common import FLASH, KEY
from alliance_kit.ui.text import DASH, plain

SECTION = f"{KEY}:attendance"
#: The day this browser session last swept its clients' attendance alerts.
SWEPT = f"{SECTION}:swept"
QUICK = ("attended", "no-show", "cancelled-by-client", "cancelled-by-clinic")
QUICK_WORDS = {"attended": "Attended", "no-show": "No-show",
               "cancelled-by-client": "Client cancelled", "cancelled-by-clinic": "We cancelled"}
QUICK_ICONS = {"attended": ":material/check:", "no-show": ":material/person_off:",
               "cancelled-by-client": ":material/event_busy:",
               "cancelled-by-clinic": ":material/domain_disabled:"}


def check_alerts(app: App) -> None:
    """Raise the time-based attendance alerts for the actor's clients (and close those that
    no longer apply) before the caseload is read: once a day per browser session. Only the
    passing of days changes them between recordings, and every recording evaluates its
    client at once; ``alliance-kit attendance sweep`` covers the clients nobody opens."""
    if app.services is None or app.account is None:
        return
    today = dt.date.today().isoformat()
    if st.session_state.get(SWEPT) == today:
        return
    try:
        sweep(app.services.store, app.kit, app.actor)
    except AccessDenied:
        return
    st.session_state[SWEPT] = today


def when_words(day, time=None) -> str:
    if day is None or (isinstance(day, float) and pd.isna(day)):
        return "—"
    text = f"{day:%a %d %b}"
    if time is not None and not (isinstance(time, float) and pd.isna(time)):
        text += f" {time:%H:%M}"
    return text


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """The section's table: the ones needing a record first, then the longest unseen, then
    the clients whose episode has ended."""
    if rows.empty:
        return pd.DataFrame(columns=["Client", "To record", "Next appointment", "Last attended",
                                     "Days since", f"Attended (last {RATE_WINDOW})"])
    order = rows.assign(
        _ended=~rows["episode_open"].astype(bool),
        _waiting=rows["awaiting_session_id"].isna(),
        _days=pd.to_numeric(rows["days_since"], errors="coerce").fillna(10_000))
    order = order.sort_values(["_ended", "_waiting", "_days"], ascending=[True, True, False],
                              kind="stable")
    return pd.DataFrame({
        "Client": order["code"].astype(str),
        "To record": [when_words(d) if d is not None else "" for d in order["awaiting_date"]],
        "Next appointment": [when_words(d, t) if d is not None else
                             ("episode ended" if not o else "none booked")
                             for d, t, o in zip(order["next_appointment"], order["next_time"],
                                                order["episode_open"], strict=True)],
        "Last attended": [when_words(d) for d in order["last_attended"]],
        "Days since": pd.to_numeric(order["days_since"], errors="coerce").astype("Int64"),
        f"Attended (last {RATE_WINDOW})": [
            "—" if not due else f"{a} of {due} ({a / due:.0%})"
            for a, due in zip(order["attended"], order["due"], strict=True)],
    })


def render(app: App) -> None:
    """The attendance section of the caseload page."""
    st.subheader("Attendance", anchor=False)
    try:
        rows = attendance.caseload_attendance(app.services, app.actor)
    except AccessDenied as exc:
        st.error(plain(str(exc)), icon=":material/block:")
        return
    rules = policy(app.services.store)
    st.markdown(plain(f"Appointments waiting for their outcome first, then the clients not seen "
                     f"the longest; ended episodes last. 'Not seen' alerts come after "
                     f"{rules.not_seen_days} days without a session and no appointment booked."))
    if rows.empty:
        return
    st.dataframe(table(rows), hide_index=True, width="stretch",
                 key=f"{SECTION}:table", placeholder=DASH,
                 column_config={"Client": st.column_config.TextColumn(pinned=True)})
    _quick_actions(app, rows[rows["episode_open"]])


def _quick_actions(app: App, rows: pd.DataFrame) -> None:
    if rows.empty:
        return
    codes = dict(zip(rows["client_id"].astype(int), rows["code"], strict=True))
    with st.container(border=True, key=f"{SECTION}-quick"):
        st.markdown("**Record attendance**")
        client_id = st.selectbox("Client", list(codes), format_func=codes.get,
                                 key=f"{SECTION}:client")
        row = rows.set_index("client_id").loc[client_id]
        awaiting = row["awaiting_date"]
        day = awaiting if awaiting is not None else dt.date.today()
        what = (f"the appointment of {when_words(day)}" if awaiting is not None
                else f"today ({when_words(day)})")
        st.markdown(plain(f"{codes[client_id]}: record {what}."))
        # Two by two: each button keeps its words on a tablet held upright.
        columns = [*st.columns(2), *st.columns(2)]
        for column, status in zip(columns, QUICK, strict=True):
            if column.button(QUICK_WORDS[status], key=f"{SECTION}:{status}",
                             icon=QUICK_ICONS[status], width="stretch"):
                _record(app, client_id, day, status, codes[client_id])
        with st.form(f"{SECTION}:book", border=False, clear_on_submit=True):
            left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
            when = left.date_input("Book the next appointment", min_value=dt.date.today(),
                                   value=dt.date.today() + dt.timedelta(days=7),
                                   key=f"{SECTION}:date", format="DD/MM/YYYY")
            time = middle.time_input("Time (optional)", value=None, key=f"{SECTION}:time",
                                     step=dt.timedelta(minutes=15))
            if right.form_submit_button("Book", icon=":material/event:", width="stretch"):
                _record(app, client_id, when, "scheduled", codes[client_id], time)


def _record(app: App, client_id: int, day: dt.date, status: str, code: str,
            time: dt.time | None = None) -> None:
    try:
        done = attendance.record_attendance(app.services, app.actor, client_id, day, status,
                                            time=time)
    except (AttendanceError, AccessDenied) as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return
    words = "booked" if status == "scheduled" else f"recorded as {STATUS_WORDS[status]}"
    message = f"{code}: {when_words(day, time)} {words}."
    if not done.changed:
        message = f"{code}: {when_words(day, time)} was already {words}; nothing changed."
    if done.alerts.raised:
        message += " New alert: " + "; ".join(a["rule_id"] for a in done.alerts.raised) + "."
    st.session_state[FLASH] = plain(message)
    st.rerun()
