"""The client page's attendance section: the facts, alliance and appointments on one time
axis, and forms to record attendance, correct it, book, and end or reopen the episode.

Layout only: reads and writes go through :mod:`alliance_kit.clinic.attendance`; the chart
comes from :mod:`alliance_kit.clinic.attendance_charts`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from alliance_kit.clinic import attendance
from alliance_kit.clinic.access import AccessDenied
from alliance_kit.clinic.attendance_charts import STATUS_MARKS, timeline_chart
from alliance_kit.engine.alliance_signals import signal_of
from alliance_kit.engine.attendance import (
    END_REASONS,
    END_WORDS,
    RATE_WINDOW,
    STATUS_WORDS,
    STATUSES,
    AttendanceError,
)
from alliance_kit.ui.context import App
from alliance_kit.ui.dashboard.attendance_caseload import when_words
from alliance_kit.ui.dashboard.common import FLASH, KEY
from alliance_kit.ui.text import DASH, plain

SECTION = f"{KEY}:client-attendance"


def render(app: App, client_id: int) -> None:
    """Attendance on the client page (one call from the page)."""
    services, actor, kit = app.services, app.actor, app.kit
    today = dt.date.today()
    try:
        record = attendance.client_attendance(services, actor, client_id)
        alliance = attendance.alliance_timeline(services, actor, client_id)
    except AccessDenied as exc:
        st.error(plain(str(exc)), icon=":material/block:")
        return
    facts = record.facts
    st.subheader("Attendance", anchor=False)
    shown = {
        "Next appointment": when_words(facts.next_appointment, facts.next_time)
        if facts.next_appointment else "none booked",
        "Last attended": when_words(facts.last_attended),
        "Days since": "—" if facts.days_since is None else str(facts.days_since),
        f"Attended (last {RATE_WINDOW})": facts.rate_words(),
    }
    with st.container(border=True, key=f"{SECTION}-facts"):
        # Two by two: four columns cut the labels mid-word on a portrait tablet.
        pairs = list(shown.items())
        for row in (pairs[:2], pairs[2:]):
            for column, (label, value) in zip(st.columns(2), row, strict=True):
                column.markdown(f"{plain(label)}  \n**{plain(value)}**")
    current = record.episodes.iloc[-1]
    own = record.sessions[record.sessions["episode_id"] == current["episode_id"]]
    if not record.episode_open:
        st.info(plain(f"This episode ended on {current['ended_on']:%d %b %Y}: "
                      f"{END_WORDS.get(current['end_reason'], current['end_reason'])}."),
                icon=":material/event_available:")
    if facts.unrecorded:
        st.warning(plain(f"{facts.unrecorded} past appointment(s) still marked booked: record "
                         "what happened below."), icon=":material/pending_actions:")
    if len(own) or len(alliance):
        instrument = kit.instruments.get(alliance["instrument_id"].iloc[0]) if len(alliance) \
            else None
        title = instrument.label() if instrument else "Alliance"
        score_range = instrument.score(alliance["score_id"].iloc[0]).range if instrument \
            else (0, 40)
        signal = signal_of(instrument) if instrument else None
        chart = timeline_chart(
            own, alliance, today, score_title=title, score_range=score_range,
            cutoff=signal.cutoff_value if signal else None,
            cutoff_words=f"cut-off {signal.cutoff_words()}" if signal and signal.cutoff_op
            else "")
        st.altair_chart(chart, width="stretch", key=f"{SECTION}:chart")
        st.markdown(plain(f"{title} at each session (line), and every appointment of this "
                         "episode as a mark below it: what became of it is in the legend. "
                         "The dashed line is today."))
    with st.expander("Record attendance or book an appointment", icon=":material/edit_calendar:",
                     expanded=record.episode_open and facts.unrecorded > 0):
        if record.episode_open:
            _record_form(app, client_id)
        else:
            st.markdown("The episode has ended: start a new one below to record sessions.")
    with st.expander("Appointments", icon=":material/calendar_month:"):
        _appointments(app, own)
    with st.expander("Episode of care", icon=":material/flag:"):
        _episode(app, client_id, record)


def _record_form(app: App, client_id: int) -> None:
    with st.form(f"{SECTION}:record", border=False, clear_on_submit=True):
        one, two = st.columns(2)
        day = one.date_input("Date", value=dt.date.today(), key=f"{SECTION}:date",
                             format="DD/MM/YYYY")
        status = two.selectbox("What happened", STATUSES, key=f"{SECTION}:status",
                               format_func=lambda s: STATUS_WORDS[s].capitalize())
        three, four = st.columns(2)
        time = three.time_input("Time (optional)", value=None, key=f"{SECTION}:time",
                                step=dt.timedelta(minutes=15))
        reason = four.text_input("Reason (optional)", key=f"{SECTION}:reason", max_chars=500)
        if st.form_submit_button("Save", icon=":material/save:", type="primary"):
            _save(lambda: attendance.record_attendance(app.services, app.actor, client_id,
                                                       day, status, reason=reason, time=time),
                  f"{when_words(day, time)}: {STATUS_WORDS[status]}.")


def _appointments(app: App, own: pd.DataFrame) -> None:
    if own.empty:
        st.markdown("No appointments recorded in this episode.")
        return
    shown = pd.DataFrame({
        "Date": [when_words(d, t) for d, t in zip(own["date"], own["time"], strict=True)],
        "Session": own["number"].map(lambda n: "" if n is None or pd.isna(n) else str(int(n))),
        "What happened": own["status"].map(lambda s: STATUS_MARKS[s][0]),
        "Reason": own["reason"].fillna(""),
    }).iloc[::-1]
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{SECTION}:table", placeholder=DASH)
    labels = {int(r.session_id): f"{when_words(r.date, r.time)} · {STATUS_WORDS[r.status]}"
              for r in own.itertuples()}
    with st.form(f"{SECTION}:correct", border=False):
        one, two = st.columns(2)
        session_id = one.selectbox("Correct an appointment", list(labels)[::-1],
                                   format_func=labels.get, key=f"{SECTION}:which")
        status = two.selectbox("New status", STATUSES, key=f"{SECTION}:new",
                               format_func=lambda s: STATUS_WORDS[s].capitalize())
        reason = st.text_input("Reason (optional)", key=f"{SECTION}:why", max_chars=500)
        if st.form_submit_button("Correct", icon=":material/edit:"):
            _save(lambda: attendance.set_session_status(app.services, app.actor, session_id,
                                                        status, reason=reason),
                  f"Appointment corrected: {STATUS_WORDS[status]}.")


def _episode(app: App, client_id: int, record: attendance.ClientAttendance) -> None:
    spells = record.episodes
    for episode in spells.itertuples():
        ended = episode.ended_on
        words = (f"{episode.started_on:%d %b %Y} – {ended:%d %b %Y}: "
                 f"{END_WORDS.get(episode.end_reason, episode.end_reason)}"
                 if ended is not None and not pd.isna(ended)
                 else f"since {episode.started_on:%d %b %Y}: open")
        st.markdown(plain(f"Episode {episode.Index + 1}, {words}"))
    if record.episode_open:
        with st.form(f"{SECTION}:end", border=False):
            one, two = st.columns(2)
            day = one.date_input("End date", value=dt.date.today(), max_value=dt.date.today(),
                                 key=f"{SECTION}:end-date", format="DD/MM/YYYY")
            reason = two.selectbox("How it ended", END_REASONS, key=f"{SECTION}:end-reason",
                                   format_func=lambda r: END_WORDS[r].capitalize())
            if st.form_submit_button("End the episode", icon=":material/flag:"):
                _save(lambda: attendance.end_episode(app.services, app.actor, client_id, day,
                                                     reason),
                      f"Episode ended: {END_WORDS[reason]}.")
    else:
        with st.form(f"{SECTION}:start", border=False):
            day = st.date_input("Start a new episode on", value=dt.date.today(),
                                max_value=dt.date.today(), key=f"{SECTION}:start-date",
                                format="DD/MM/YYYY")
            if st.form_submit_button("Start a new episode", icon=":material/restart_alt:"):
                _save(lambda: attendance.start_episode(app.services, app.actor, client_id, day),
                      "New episode started.")


def _save(action, message: str) -> None:
    try:
        done = action()
    except (AttendanceError, AccessDenied) as exc:
        st.error(plain(str(exc)), icon=":material/error:")
        return
    raised = getattr(getattr(done, "alerts", None), "raised", [])
    if raised:
        message += " New alert: " + "; ".join(a["rule_id"] for a in raised) + "."
    st.session_state[FLASH] = plain(message)
    st.rerun()
