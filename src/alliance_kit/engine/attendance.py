"""Attendance: what became of each appointment, and when a client counts as having returned
or dropped out. Pure functions over tables, no database (see docs/attendance.md).

A client's appointments are one table, oldest first, with the columns ``session_id``,
``date`` (a ``datetime.date``), ``time`` (or None), ``status`` (one of :data:`STATUSES`),
``number`` (attended sessions only) and ``episode_id``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar

import numpy as np
import pandas as pd

ATTENDED, NO_SHOW, SCHEDULED = "attended", "no-show", "scheduled"
CANCELLED_BY_CLIENT, CANCELLED_BY_CLINIC = "cancelled-by-client", "cancelled-by-clinic"
STATUSES = (ATTENDED, NO_SHOW, CANCELLED_BY_CLIENT, CANCELLED_BY_CLINIC, SCHEDULED)
#: The client did not come: a no-show, or a cancellation by the client.
MISSED = (NO_SHOW, CANCELLED_BY_CLIENT)
STATUS_WORDS = {ATTENDED: "attended", NO_SHOW: "no-show", CANCELLED_BY_CLIENT:
                "cancelled by the client", CANCELLED_BY_CLINIC: "cancelled by the clinic",
                SCHEDULED: "scheduled"}
DROPPED_OUT = "dropped-out"
END_REASONS = ("completed", "referred", DROPPED_OUT, "other")
END_WORDS = {"completed": "completed", "referred": "referred elsewhere",
             DROPPED_OUT: "dropped out", "other": "ended for another reason"}
#: How many of the latest due appointments the attendance rate looks at.
RATE_WINDOW = 8
SESSION_COLUMNS = ["session_id", "date", "time", "status", "number", "episode_id"]


class AttendanceError(ValueError):
    """An attendance record that cannot be stored; the message says what and what to do."""


@dataclass(frozen=True)
class AttendancePolicy:
    """The clinic's definitions of return and dropout, and the attendance alerts' limits.

    - *returned*: attended a later session within ``return_days`` of a session;
    - *dropout*: the episode ended as ``dropped-out``, or no attended session for
      ``dropout_days`` while the episode is open and no appointment is scheduled;
    - the *not seen* alert: no attended session for ``not_seen_days``, no appointment;
    - the *no-show streak* alert: ``streak`` no-shows in a row.
    """

    return_days: int = 30
    dropout_days: int = 30
    not_seen_days: int = 30
    streak: int = 2

    LIMITS: ClassVar[dict[str, tuple[int, int]]] = {
        "return_days": (1, 365), "dropout_days": (1, 730), "not_seen_days": (1, 730),
        "streak": (2, 10)}

    def __post_init__(self) -> None:
        for name, (low, high) in self.LIMITS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise AttendanceError(f"{name} must be a whole number from {low} to {high} "
                                      f"(got {value!r})")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> AttendancePolicy:
        """A policy from stored settings; unknown keys are refused, missing ones default."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise AttendanceError(f"unknown attendance setting(s) {', '.join(unknown)} "
                                  f"(known: {', '.join(sorted(known))})")
        return cls(**values)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def words(self) -> list[str]:
        """The definitions in force, as printed next to every figure."""
        return [
            f"Returned: attended a later session within {self.return_days} days of a session.",
            f"Dropout: the episode ended as dropped out, or no attended session for "
            f"{self.dropout_days} days while the episode is open and no appointment is booked.",
        ]


def status_problem(status: Any, date: dt.date, today: dt.date) -> str | None:
    """Why ``status`` cannot be recorded for an appointment on ``date``; None when it can."""
    if status not in STATUSES:
        return f"{status!r} is not a status: use one of {', '.join(STATUSES)}"
    if status == SCHEDULED and date < today:
        return (f"an appointment on {date:%Y-%m-%d} is in the past: it cannot be scheduled; "
                "record what happened (attended, no-show or cancelled)")
    if status in (ATTENDED, NO_SHOW) and date > today:
        return (f"an appointment on {date:%Y-%m-%d} has not happened yet: it can be "
                f"scheduled or cancelled, not {STATUS_WORDS[status]}")
    return None


def end_problem(reason: Any, ended_on: dt.date, started_on: dt.date,
                last_attended: dt.date | None, today: dt.date) -> str | None:
    """Why an episode cannot end on ``ended_on`` for ``reason``; None when it can."""
    if reason not in END_REASONS:
        return f"{reason!r} is not an end reason: use one of {', '.join(END_REASONS)}"
    if ended_on > today:
        return f"an episode cannot end in the future ({ended_on:%Y-%m-%d})"
    if ended_on < started_on:
        return (f"the episode started on {started_on:%Y-%m-%d}: it cannot end before that "
                f"({ended_on:%Y-%m-%d})")
    if last_attended is not None and ended_on < last_attended:
        return (f"the client attended a session on {last_attended:%Y-%m-%d}: the episode "
                f"cannot end before that ({ended_on:%Y-%m-%d})")
    return None


def sessions_frame(rows: Any) -> pd.DataFrame:
    """Appointments as the standard table, oldest first (by date, then time, then id)."""
    frame = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    frame["number"] = frame["number"].astype("Int64")  # missing stays missing, not NaN
    # Plain Python strings: a client's few rows are compared many times, and a small
    # object column compares faster than an Arrow-backed one.
    frame["status"] = frame["status"].astype(object)
    order = frame.assign(_time=frame["time"].map(lambda t: t or dt.time(0)))
    order = order.sort_values(["date", "_time", "session_id"], kind="stable")
    return order.drop(columns="_time").reset_index(drop=True)


@dataclass(frozen=True)
class AttendanceFacts:
    """One client's attendance at a glance (the caseload's columns)."""

    next_appointment: dt.date | None
    next_time: dt.time | None
    last_attended: dt.date | None
    days_since: int | None
    #: Of the last RATE_WINDOW due appointments (clinic cancellations left out).
    attended: int
    due: int
    #: Past appointments still marked scheduled: what became of them was not recorded.
    unrecorded: int

    @property
    def rate(self) -> float | None:
        return self.attended / self.due if self.due else None

    def rate_words(self) -> str:
        if not self.due:
            return "—"
        return f"{self.attended} of {self.due} ({self.rate:.0%})"


def facts(sessions: pd.DataFrame, today: dt.date) -> AttendanceFacts:
    """Next appointment, last attended session, days since, and the recent attendance rate."""
    upcoming = sessions[(sessions["status"] == SCHEDULED) & (sessions["date"] >= today)]
    attended = sessions[sessions["status"] == ATTENDED]
    last = attended["date"].max() if len(attended) else None
    due = sessions[sessions["status"].isin([ATTENDED, *MISSED]) & (sessions["date"] <= today)]
    window = due.tail(RATE_WINDOW)
    unrecorded = int(((sessions["status"] == SCHEDULED) & (sessions["date"] < today)).sum())
    first = upcoming.iloc[0] if len(upcoming) else None
    return AttendanceFacts(
        next_appointment=None if first is None else first["date"],
        next_time=None if first is None or pd.isna(first["time"]) else first["time"],
        last_attended=last, days_since=None if last is None else (today - last).days,
        attended=int((window["status"] == ATTENDED).sum()), due=len(window),
        unrecorded=unrecorded)


FACT_COLUMNS = ["next_appointment", "next_time", "last_attended", "days_since", "attended",
                "due", "unrecorded", "awaiting_session_id", "awaiting_date"]


def facts_table(sessions: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """:func:`facts` for many episodes at once (grouped by ``episode_id``, one pass each),
    plus the appointment waiting for its outcome (the earliest booked one up to today).
    Indexed by episode id; episodes without appointments are absent."""
    status, date = sessions["status"], sessions["date"]
    by = sessions["episode_id"]
    # The first row of each episode (rows are in date order): first() would mix columns
    # of different rows, skipping missing times.
    booked = sessions[(status == SCHEDULED) & (date >= today)].drop_duplicates(
        "episode_id").set_index("episode_id")
    waiting = sessions[(status == SCHEDULED) & (date <= today)].drop_duplicates(
        "episode_id").set_index("episode_id")
    attended = sessions[status == ATTENDED].groupby(by)["date"].max()
    due = sessions[status.isin([ATTENDED, *MISSED]) & (date <= today)]
    window = due.groupby(due["episode_id"]).tail(RATE_WINDOW)
    counts = window.groupby("episode_id")["status"].agg(
        attended=lambda s: int((s == ATTENDED).sum()), due="size")
    unrecorded = sessions[(status == SCHEDULED) & (date < today)].groupby(by).size()
    table = pd.DataFrame(index=pd.Index(by.unique(), name="episode_id"))
    table["next_appointment"] = booked["date"]
    table["next_time"] = booked["time"]
    table["last_attended"] = attended
    table["days_since"] = attended.map(lambda d: (today - d).days).astype("Int64")
    table["attended"] = counts["attended"]
    table["due"] = counts["due"]
    table["unrecorded"] = unrecorded
    table["awaiting_session_id"] = waiting["session_id"]
    table["awaiting_date"] = waiting["date"]
    for column in ("attended", "due", "unrecorded"):
        table[column] = table[column].fillna(0).astype(int)
    table["awaiting_session_id"] = table["awaiting_session_id"].astype("Int64")
    return table.astype(object).where(table.notna(), None)[FACT_COLUMNS]


def next_number(numbers: Any) -> int:
    """The number the next attended session of an episode gets."""
    present = [int(n) for n in numbers if n is not None and not pd.isna(n)]
    return max(present, default=0) + 1


# ---- return and dropout ---------------------------------------------------------------


def returned(sessions: pd.DataFrame, episodes: pd.DataFrame, policy: AttendancePolicy,
             data_end: dt.date) -> pd.Series:
    """Per attended session (index as ``sessions``): 1.0 when the client attended a later
    session within ``policy.return_days``, 0.0 when not, NaN when it cannot be known yet
    (the window runs past ``data_end``) or when it was the last session of an episode that
    ended as planned (completed, referred, other). Other rows are NaN.

    ``sessions`` holds every client's appointments (``client_id`` and SESSION_COLUMNS);
    ``episodes`` has ``episode_id``, ``ended_on`` and ``end_reason``.
    """
    out = pd.Series(np.nan, index=sessions.index, dtype=float)
    attended = sessions[sessions["status"] == ATTENDED].sort_values(
        ["client_id", "date", "session_id"], kind="stable")
    if attended.empty:
        return out
    dates = pd.to_datetime(attended["date"])
    following = dates.groupby(attended["client_id"]).shift(-1)
    last_of_episode = dates.groupby(attended["episode_id"]).shift(-1).isna()
    came_back = ((following - dates).dt.days <= policy.return_days).to_numpy()
    reason = attended["episode_id"].map(episodes.set_index("episode_id")["end_reason"])
    planned = (last_of_episode & reason.notna() & (reason != DROPPED_OUT)).to_numpy()
    observed = (dates + pd.Timedelta(days=policy.return_days) <= pd.Timestamp(data_end))
    values = np.where(came_back, 1.0, np.where(observed.to_numpy() & ~planned, 0.0, np.nan))
    out.loc[attended.index] = values
    return out


def episode_outcomes(sessions: pd.DataFrame, episodes: pd.DataFrame, policy: AttendancePolicy,
                     data_end: dt.date) -> pd.DataFrame:
    """Per episode: how long the client stayed and whether they dropped out.

    ``episodes`` has ``episode_id``, ``client_id``, ``started_on``, ``ended_on``,
    ``end_reason``. Returns those columns plus ``last_attended``, ``dropped`` (bool) and
    ``days`` (from the start to the last attended session for a dropout; to the end of a
    planned ending; to ``data_end`` for an open episode: censored).
    """
    rows = []
    by_episode = {key: group for key, group in sessions.groupby("episode_id")}
    for episode in episodes.itertuples(index=False):
        own = by_episode.get(episode.episode_id)
        attended = own[own["status"] == ATTENDED]["date"] if own is not None else []
        last = max(attended) if len(attended) else None
        booked = own is not None and bool(((own["status"] == SCHEDULED)
                                           & (own["date"] >= data_end)).sum())
        contact = last or episode.started_on
        if episode.end_reason == DROPPED_OUT:
            dropped, until = True, contact
        elif episode.end_reason is not None and not pd.isna(episode.end_reason):
            dropped, until = False, episode.ended_on or contact
        elif not booked and (data_end - contact).days >= policy.dropout_days:
            dropped, until = True, contact
        else:
            dropped, until = False, data_end
        rows.append({**episode._asdict(), "last_attended": last, "dropped": dropped,
                     "days": max(0, (until - episode.started_on).days)})
    columns = [*episodes.columns, "last_attended", "dropped", "days"]
    return pd.DataFrame(rows, columns=columns)


__all__ = ["ATTENDED", "CANCELLED_BY_CLIENT", "CANCELLED_BY_CLINIC", "DROPPED_OUT",
           "END_REASONS", "MISSED", "NO_SHOW", "RATE_WINDOW", "SCHEDULED", "STATUSES",
           "AttendanceError", "AttendanceFacts", "AttendancePolicy", "end_problem",
           "episode_outcomes", "facts", "facts_table", "next_number", "returned", "sessions_frame",
           "status_problem"]
