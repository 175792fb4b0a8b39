"""Return and dropout settings (admins): the clinic's definitions, printed next to every
figure, and the limits of the attendance alerts. Layout only: the values are checked and
stored by :mod:`alliance_kit.clinic.attendance_data` (audited)."""

from __future__ import annotations

import streamlit as st

from alliance_kit.clinic.access import AccessDenied
from alliance_kit.clinic.attendance_data import policy, set_policy
from alliance_kit.engine.attendance import AttendanceError, AttendancePolicy
from alliance_kit.ui.context import App
from alliance_kit.ui.text import plain

KEY = "admin:attendance"
CONVENTIONS = """\
Studies define dropout in several ways, so the definitions here are the clinic's choice and
are printed next to every figure:

- *unilateral termination*: the client stops attending without agreement (the therapist
  ends the episode as **dropped out**);
- *missed the next scheduled appointment* and did not reschedule within N days;
- *no attended session for N days* while the episode is open, often N = 30;
- attendance below a planned number of sessions (program-specific).

Planned endings (completed, referred) are never dropout. Dropout from in-person
psychosocial treatment for substance use averages about 30% (Lappan, Brown & Hendricks,
*Addiction* 2020), and a weaker alliance goes with dropout (Sharf, Primavera & Diener,
*Psychotherapy* 2010). See docs/attendance.md.
"""


def render(app: App) -> None:
    st.title("Return and dropout settings", anchor=False)
    if app.services is None:
        st.error("The database cannot be opened.", icon=":material/error:")
        st.text(app.store_error or "")
        return
    current = policy(app.services.store)
    st.markdown(CONVENTIONS)
    limits = AttendancePolicy.LIMITS
    with st.form(f"{KEY}:form"):
        one, two = st.columns(2)
        returned = one.number_input(
            "Returned: attended again within (days)", *limits["return_days"],
            value=current.return_days, key=f"{KEY}:return", step=1)
        dropout = two.number_input(
            "Dropout: no attended session for (days)", *limits["dropout_days"],
            value=current.dropout_days, key=f"{KEY}:dropout", step=1,
            help="While the episode is open and no appointment is booked.")
        three, four = st.columns(2)
        not_seen = three.number_input(
            "'Not seen' alert after (days)", *limits["not_seen_days"],
            value=current.not_seen_days, key=f"{KEY}:not-seen", step=1,
            help="No attended session and no appointment booked; lower it to reach out "
                 "before a client counts as dropped out.")
        streak = four.number_input("'No-show streak' alert after (no-shows in a row)",
                                   *limits["streak"], value=current.streak,
                                   key=f"{KEY}:streak", step=1)
        saved = st.form_submit_button("Save", type="primary")
    if saved:
        try:
            chosen = set_policy(app.services.store, app.actor, AttendancePolicy(
                int(returned), int(dropout), int(not_seen), int(streak)))
        except (AttendanceError, AccessDenied) as exc:
            st.error(plain(exc), icon=":material/error:")
            return
        st.success("Saved. The new definitions apply to every figure and alert from now on.",
                   icon=":material/check_circle:")
        current = chosen
    st.header("In force", anchor=False)
    for line in current.words():
        st.markdown(plain(line))
    st.markdown("Switch the attendance alerts themselves on or off on the Alert settings page.")
