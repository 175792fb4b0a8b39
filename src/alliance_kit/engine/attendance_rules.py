"""The built-in attendance alert rules (registered by :mod:`alliance_kit.default_attendance`).

- ``missed-after-low-alliance`` (urgent): the client did not come to the appointment after
  a session with a low alliance (below an alliance instrument's cut-off, or a rupture);
- ``not-seen`` (warning): no attended session for ``not_seen_days`` and no appointment;
- ``no-show-streak`` (warning): ``streak`` no-shows in a row.

Each looks at the client's open episode as it stands (see
:class:`alliance_kit.types.AttendanceInputs`) and names what raised it in a trigger, so
evaluating again finds the same alert instead of a new one.
"""

from __future__ import annotations

import pandas as pd

from alliance_kit.engine.attendance import (
    ATTENDED,
    CANCELLED_BY_CLINIC,
    MISSED,
    NO_SHOW,
    SCHEDULED,
    STATUS_WORDS,
)
from alliance_kit.types import AttendanceFinding, AttendanceInputs, AttendanceRule


def _day(date) -> str:
    return f"{date:%d %b %Y}"


def recorded(sessions: pd.DataFrame) -> pd.DataFrame:
    """Appointments whose outcome is known, clinic cancellations left out (they say nothing
    about the client). A client's cancellation counts even for a later date: they said they
    will not come. (Attended and no-show are never in the future.)"""
    return sessions[~sessions["status"].isin([SCHEDULED, CANCELLED_BY_CLINIC])]


class MissedAfterLowAlliance(AttendanceRule):
    """The appointment after a low-alliance session was missed (no-show, or cancelled by
    the client), and nothing has been attended since."""

    name = "missed-after-low-alliance"
    severity = "urgent"
    title = "Missed the appointment after a low alliance"

    def describe(self, policy) -> str:
        return ("when the client misses (no-show or cancels) the appointment after a session "
                "whose alliance was below the cut-off or showed a rupture")

    def evaluate(self, inputs: AttendanceInputs) -> list[AttendanceFinding]:
        done = recorded(inputs.sessions)
        attended = [i for i, status in enumerate(done["status"]) if status == ATTENDED]
        if not attended or attended[-1] == len(done) - 1:
            return []
        prior = done.iloc[attended[-1]]
        missed = done.iloc[attended[-1] + 1]
        if missed["status"] not in MISSED:
            return []
        low = inputs.alliance[(inputs.alliance["session_id"] == prior["session_id"])
                              & inputs.alliance["low"]]
        if low.empty:
            return []
        why = "; ".join(dict.fromkeys(str(w) for w in low["why"]))
        message = (f"Did not attend on {_day(missed['date'])} "
                   f"({STATUS_WORDS[missed['status']]}) after a session with a low alliance "
                   f"on {_day(prior['date'])}: {why}. Reach out before the client drops out.")
        return [AttendanceFinding(f"session:{int(missed['session_id'])}", message,
                                  float(low["value"].min()), int(missed["session_id"]))]


class NotSeen(AttendanceRule):
    """No attended session for ``not_seen_days`` (since the episode began, when none yet),
    and no appointment booked from today on."""

    name = "not-seen"
    severity = "warning"
    title = "Not seen, no appointment"
    auto_resolve = True

    def describe(self, policy) -> str:
        return (f"when the client has not attended a session for {policy.not_seen_days} days "
                "and has no appointment booked")

    def evaluate(self, inputs: AttendanceInputs) -> list[AttendanceFinding]:
        sessions, today = inputs.sessions, inputs.today
        booked = ((sessions["status"] == SCHEDULED) & (sessions["date"] >= today)).any()
        attended = sessions[(sessions["status"] == ATTENDED) & (sessions["date"] <= today)]
        last = attended["date"].max() if len(attended) else None
        since = last or inputs.episode_started
        days = (today - since).days
        if booked or days < inputs.policy.not_seen_days:
            return []
        if last is None:
            message = (f"No session attended in the {days} days since the episode began "
                       f"({_day(since)}), and no appointment is booked.")
            trigger = f"since-start:{since.isoformat()}"
        else:
            message = (f"Not seen for {days} days (last attended {_day(last)}), and no "
                       "appointment is booked.")
            trigger = f"last-attended:{last.isoformat()}"
        return [AttendanceFinding(trigger, message, float(days))]


class NoShowStreak(AttendanceRule):
    """The latest ``streak`` recorded appointments were all no-shows (a cancellation by the
    client breaks the streak; clinic cancellations are left out)."""

    name = "no-show-streak"
    severity = "warning"
    title = "No-shows in a row"
    auto_resolve = True

    def describe(self, policy) -> str:
        return f"when the client did not show up {policy.streak} times in a row"

    def evaluate(self, inputs: AttendanceInputs) -> list[AttendanceFinding]:
        done = recorded(inputs.sessions)
        statuses = list(done["status"])
        count = 0
        while count < len(statuses) and statuses[-1 - count] == NO_SHOW:
            count += 1
        if count < inputs.policy.streak:
            return []
        streak = done.iloc[len(done) - count:]
        first = streak.iloc[0]
        dates = ", ".join(_day(d) for d in streak["date"])
        message = f"{count} no-shows in a row ({dates})."
        return [AttendanceFinding(f"streak:{int(first['session_id'])}", message, float(count),
                                  int(streak.iloc[-1]["session_id"]))]


BUILTIN = (MissedAfterLowAlliance(), NotSeen(), NoShowStreak())

__all__ = ["BUILTIN", "MissedAfterLowAlliance", "NoShowStreak",
           "NotSeen", "recorded"]
