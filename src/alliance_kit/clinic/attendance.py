"""Recording attendance: appointments, what became of them, and how episodes end.

The services' pattern: each function takes the acting
:class:`~alliance_kit.clinic.access.Actor`, checks access in
:mod:`alliance_kit.clinic.access` (staff, for clients they may see), checks the input
before anything is written, does its work in one transaction with an audit entry, and
evaluates the attendance alert rules for the client in that same transaction
(:mod:`alliance_kit.clinic.attendance_alerts`). Bad input raises
:class:`~alliance_kit.engine.attendance.AttendanceError` and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import (
    AccessDenied,
    Actor,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.clinic.attendance_alerts import Evaluated, evaluate_client
from alliance_kit.clinic.attendance_data import (
    alliance_results,
    appointments,
    current_episode,
    episodes,
    has_responses,
    mark_attended,
    open_episode,
    today_or,
)
from alliance_kit.clinic.services import Services
from alliance_kit.clinic.services.base import write_audit
from alliance_kit.engine.attendance import (
    ATTENDED,
    CANCELLED_BY_CLINIC,
    FACT_COLUMNS,
    SCHEDULED,
    STATUSES,
    AttendanceError,
    AttendanceFacts,
    end_problem,
    facts,
    facts_table,
    status_problem,
)
from alliance_kit.store import audit
from alliance_kit.store.models import Client, Episode
from alliance_kit.store.models import Session as SessionRow

CLINICIANS = ("therapist", "supervisor", "admin")
#: Longest reason kept for a status or an episode's end.
MAX_REASON = 500


@dataclass(frozen=True)
class Recorded:
    """What recording attendance did: the appointment, and the alerts it raised or closed."""

    session_id: int
    status: str
    number: int | None
    changed: bool
    alerts: Evaluated


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip()
    return text[:MAX_REASON] or None


def _check(status: str, on: dt.date, today: dt.date) -> None:
    problem = status_problem(status, on, today)
    if problem:
        raise AttendanceError(problem)


def record_attendance(services: Services, actor: Actor, client_id: int, on: dt.date,
                      status: str, *, reason: str | None = None, time: dt.time | None = None,
                      today: dt.date | None = None) -> Recorded:
    """Record what happened to the client's appointment on ``on`` (or book one: ``status``
    "scheduled"). The day's appointment (at ``time``, when given) takes the status: a
    booking gets its outcome, and an outcome recorded by mistake is corrected (a session
    with the client's answers stays attended); without one, a new appointment is added to
    the current episode. Recording the same status twice changes nothing.
    """
    require_staff(actor, *CLINICIANS)
    today = today_or(today)
    _check(status, on, today)
    reason = _reason(reason)

    def work(session: Session) -> Recorded:
        client = require_client(session, actor, client_id)
        episode = open_episode(session, client_id, client.code)
        if on < episode.started_on:
            raise AttendanceError(f"client {client.code}'s episode began on "
                                  f"{episode.started_on:%Y-%m-%d}: {on:%Y-%m-%d} is before it")
        same_day = list(session.execute(
            select(SessionRow).where(SessionRow.episode_id == episode.id, SessionRow.date == on)
            .order_by(SessionRow.time.is_(None), SessionRow.time, SessionRow.id)).scalars())
        matching = [r for r in same_day if time is None or r.time in (None, time)]
        for row in matching:
            if row.status == status:
                return Recorded(row.id, row.status, row.number, False, Evaluated())
        if matching and status != SCHEDULED:
            # The day's appointment: a booking gets its outcome, an outcome is corrected.
            row = next((r for r in matching if r.status == SCHEDULED), matching[0])
            before = row.status
            _apply(session, row, status, reason)
            row.time = row.time or time
        else:
            row, before = SessionRow(episode_id=episode.id, client_id=client_id, date=on,
                                     time=time, status=status, status_reason=reason,
                                     therapist_id=actor.user_id), None
            session.add(row)
            if status == ATTENDED:
                session.flush()
                mark_attended(session, row)
        session.flush()
        alerts = evaluate_client(session, services.kit, client_id, today=today,
                                 actor_label=actor.label)
        audit.append(session, actor=actor.label, action="record", entity="attendance",
                     entity_id=row.id, client_id=client_id,
                     details={"date": on.isoformat(), "status": status, "was": before,
                              "reason": reason is not None,
                              "alerts": [a["rule_id"] for a in alerts.raised]})
        return Recorded(row.id, row.status, row.number, True, alerts)

    return services.store.write(work)


def _apply(session: Session, row: SessionRow, status: str, reason: str | None) -> None:
    """Give an appointment a new status (numbering it when it becomes attended)."""
    if status != ATTENDED and row.status == ATTENDED and has_responses(session, row.id):
        raise AttendanceError(f"the session on {row.date:%Y-%m-%d} has the client's answers: "
                              "it was attended and cannot be marked otherwise")
    if status == ATTENDED:
        mark_attended(session, row)
    else:
        row.status = status
    row.status_reason = reason


def set_session_status(services: Services, actor: Actor, session_id: int, status: str, *,
                       reason: str | None = None, today: dt.date | None = None) -> Recorded:
    """Correct what became of one appointment (e.g. a no-show who came late: attended)."""
    require_staff(actor, *CLINICIANS)
    today = today_or(today)
    if status not in STATUSES:
        _check(status, today, today)  # says which statuses there are, before any read
    reason = _reason(reason)

    def work(session: Session) -> Recorded:
        row = session.get(SessionRow, session_id)
        try:
            if row is None:
                raise AccessDenied
            require_client(session, actor, row.client_id)
        except AccessDenied:
            raise AccessDenied(f"{actor.label} may not see session {session_id}, or there is "
                               "no such session") from None
        _check(status, row.date, today)
        episode = session.get(Episode, row.episode_id)
        if episode.ended_on is not None and status == SCHEDULED:
            raise AttendanceError(f"the episode ended on {episode.ended_on:%Y-%m-%d}: nothing "
                                  "can be booked in it")
        if row.status == status and _reason(row.status_reason) == reason:
            return Recorded(row.id, row.status, row.number, False, Evaluated())
        before = row.status
        _apply(session, row, status, reason)
        session.flush()
        alerts = evaluate_client(session, services.kit, row.client_id, today=today,
                                 actor_label=actor.label)
        audit.append(session, actor=actor.label, action="correct", entity="attendance",
                     entity_id=row.id, client_id=row.client_id,
                     details={"date": row.date.isoformat(), "status": status, "was": before,
                              "reason": reason is not None,
                              "alerts": [a["rule_id"] for a in alerts.raised]})
        return Recorded(row.id, row.status, row.number, True, alerts)

    return services.store.write(work)


def end_episode(services: Services, actor: Actor, client_id: int, ended_on: dt.date,
                reason: str, *, today: dt.date | None = None) -> int:
    """End the client's current episode (completed, referred, dropped-out, other).

    Appointments still booked after the end are cancelled by the clinic. Returns the
    episode id.
    """
    require_staff(actor, *CLINICIANS)
    today = today_or(today)

    def work(session: Session) -> int:
        client = require_client(session, actor, client_id)
        episode = open_episode(session, client_id, client.code)
        last = session.execute(select(SessionRow.date).where(
            SessionRow.episode_id == episode.id, SessionRow.status == ATTENDED)
            .order_by(SessionRow.date.desc()).limit(1)).scalar()
        problem = end_problem(reason, ended_on, episode.started_on, last, today)
        if problem:
            raise AttendanceError(problem)
        episode.ended_on, episode.end_reason = ended_on, reason
        booked = list(session.execute(select(SessionRow).where(
            SessionRow.episode_id == episode.id, SessionRow.status == SCHEDULED)).scalars())
        for row in booked:
            row.status = CANCELLED_BY_CLINIC
            row.status_reason = "episode ended"
        session.flush()
        alerts = evaluate_client(session, services.kit, client_id, today=today,
                                 actor_label=actor.label)
        audit.append(session, actor=actor.label, action="end", entity="episode",
                     entity_id=episode.id, client_id=client_id,
                     details={"ended_on": ended_on.isoformat(), "reason": reason,
                              "cancelled": len(booked), "alerts_closed": alerts.resolved})
        return episode.id

    return services.store.write(work)


def start_episode(services: Services, actor: Actor, client_id: int, started_on: dt.date, *,
                  today: dt.date | None = None) -> int:
    """Open a new episode for a client whose last one has ended; returns its id."""
    require_staff(actor, *CLINICIANS)
    today = today_or(today)
    if started_on > today:
        raise AttendanceError(f"an episode cannot start in the future ({started_on:%Y-%m-%d})")

    def work(session: Session) -> int:
        client = require_client(session, actor, client_id)
        previous = current_episode(session, client_id)
        if previous.ended_on is None:
            raise AttendanceError(f"client {client.code}'s episode that began on "
                                  f"{previous.started_on:%Y-%m-%d} is still open: end it first")
        if started_on < previous.ended_on:
            raise AttendanceError(f"the previous episode ended on {previous.ended_on:%Y-%m-%d}:"
                                  f" a new one cannot start before that ({started_on:%Y-%m-%d})")
        episode = Episode(client_id=client_id, started_on=started_on)
        session.add(episode)
        session.flush()
        audit.append(session, actor=actor.label, action="create", entity="episode",
                     entity_id=episode.id, client_id=client_id,
                     details={"started_on": started_on.isoformat()})
        return episode.id

    return services.store.write(work)


# ---- reads (audited) -------------------------------------------------------------------


@dataclass(frozen=True)
class ClientAttendance:
    """One client's appointments (every episode), their current episode and the facts."""

    sessions: pd.DataFrame
    episodes: pd.DataFrame
    facts: AttendanceFacts
    episode_open: bool


def client_attendance(services: Services, actor: Actor, client_id: int, *,
                      today: dt.date | None = None) -> ClientAttendance:
    """The client's appointments with reasons, oldest first, and the current facts."""
    require_staff(actor, *CLINICIANS)
    today = today_or(today)
    with services.store.read() as session:
        require_client(session, actor, client_id)
        sessions = appointments(session, [client_id], reasons=True)
        spells = episodes(session, [client_id])
    current = spells.iloc[-1]
    own = sessions[sessions["episode_id"] == current["episode_id"]]
    is_open = current["ended_on"] is None or pd.isna(current["ended_on"])
    write_audit(services.store, actor, "view", "attendance", None, client_id,
                {"sessions": len(sessions)})
    return ClientAttendance(sessions, spells, facts(own, today), bool(is_open))


def alliance_timeline(services: Services, actor: Actor, client_id: int) -> pd.DataFrame:
    """The client's alliance results at their sessions, by session date, for the instrument
    with a cut-off or rupture rule they answered most (audited).

    Columns: instrument_id, score_id, date, value, low, why. Empty without any.
    """
    require_staff(actor, *CLINICIANS)
    with services.store.read() as session:
        require_client(session, actor, client_id)
        results = alliance_results(session, services.kit, [client_id])
    write_audit(services.store, actor, "view", "alliance-timeline", None, client_id,
                {"results": len(results)})
    columns = ["instrument_id", "score_id", "date", "value", "low", "why"]
    if results.empty:
        return pd.DataFrame(columns=columns)
    chosen = results["instrument_id"].value_counts().sort_index().idxmax()
    return results[results["instrument_id"] == chosen][columns].reset_index(drop=True)


CASELOAD_COLUMNS = ["client_id", "code", "episode_open", "next_appointment", "next_time",
                    "last_attended", "days_since", "attended", "due", "rate", "unrecorded",
                    "awaiting_session_id", "awaiting_date"]


def caseload_attendance(services: Services, actor: Actor, *,
                        today: dt.date | None = None) -> pd.DataFrame:
    """Per active client the actor may see: next appointment, last attended session, days
    since, the attendance rate of the last 8 due appointments, and the appointment waiting
    for its outcome to be recorded (the earliest booked one up to today)."""
    require_staff(actor, *CLINICIANS)
    today = today_or(today)
    visible = select(Client.id).where(Client.active, Client.id.in_(visible_client_ids(actor)))
    with services.store.read() as session:
        codes = dict(session.execute(select(Client.id, Client.code).where(
            Client.id.in_(visible))).all())
        sessions = appointments(session, visible)
        spells = episodes(session, visible)
    latest = spells.groupby("client_id").tail(1).set_index("client_id")
    known = facts_table(sessions[sessions["episode_id"].isin(latest["episode_id"])], today)
    rows = []
    for client_id, code in codes.items():
        episode = latest.loc[client_id] if client_id in latest.index else None
        found = (known.loc[episode["episode_id"]].to_dict()
                 if episode is not None and episode["episode_id"] in known.index
                 else {**dict.fromkeys(FACT_COLUMNS), "attended": 0, "due": 0,
                       "unrecorded": 0})
        is_open = episode is not None and (episode["ended_on"] is None
                                           or pd.isna(episode["ended_on"]))
        rate = found["attended"] / found["due"] if found["due"] else None
        rows.append({"client_id": client_id, "code": code, "episode_open": bool(is_open),
                     **found, "rate": rate})
    write_audit(services.store, actor, "view", "caseload-attendance", None, None,
                {"clients": len(rows)})
    frame = pd.DataFrame(rows, columns=CASELOAD_COLUMNS)
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


__all__ = ["CASELOAD_COLUMNS", "ClientAttendance", "Recorded", "alliance_timeline",
           "caseload_attendance",
           "client_attendance", "end_episode", "record_attendance", "set_session_status",
           "start_episode"]
