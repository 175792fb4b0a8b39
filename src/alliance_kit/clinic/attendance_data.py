"""Attendance rows as tables, read inside a caller's transaction after its access check.

Nothing here checks access or writes audit entries: :mod:`alliance_kit.clinic.attendance`
(the services) and :mod:`alliance_kit.clinic.retention` do, then call these. The clinic's
return and dropout settings live here too (``attendance`` in the settings table).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor, require_staff
from alliance_kit.engine import alliance_signals
from alliance_kit.engine.attendance import (
    ATTENDED,
    AttendanceError,
    AttendancePolicy,
    next_number,
    sessions_frame,
)
from alliance_kit.kit import Kit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Episode, Response, Score, Setting
from alliance_kit.store.models import Session as SessionRow

POLICY_KEY = "attendance"
EPISODE_COLUMNS = ["episode_id", "client_id", "started_on", "ended_on", "end_reason"]


# ---- the clinic's definitions -----------------------------------------------------------


def policy(store: Store) -> AttendancePolicy:
    """The clinic's return and dropout settings (defaults until an admin changes them)."""
    return AttendancePolicy.from_mapping(settings.get(store, POLICY_KEY))


def policy_in(session: Session) -> AttendancePolicy:
    """The settings as seen inside a transaction."""
    row = session.get(Setting, POLICY_KEY)
    return AttendancePolicy.from_mapping(row.value if row else None)


def set_policy(store: Store, actor: Actor, chosen: AttendancePolicy) -> AttendancePolicy:
    """Change the clinic's return and dropout settings (admins only, audited)."""
    require_staff(actor, "admin")
    settings.put(store, actor, POLICY_KEY, chosen.as_dict())
    return chosen


# ---- reads ----------------------------------------------------------------------------------


def _within(query: Select, column, client_ids: Iterable[int] | Select | None) -> Select:
    return query if client_ids is None else query.where(column.in_(client_ids))


def appointments(session: Session, client_ids: Iterable[int] | Select | None = None,
                 *, reasons: bool = False) -> pd.DataFrame:
    """Every appointment of these clients (all when None), oldest first, with ``client_id``
    and SESSION_COLUMNS (and ``reason`` when asked: free text, for the client's staff)."""
    columns = [SessionRow.id, SessionRow.date, SessionRow.time, SessionRow.status,
               SessionRow.number, SessionRow.episode_id, SessionRow.client_id]
    if reasons:
        columns.append(SessionRow.status_reason)
    rows = session.execute(_within(select(*columns), SessionRow.client_id, client_ids)).all()
    names = ["session_id", "date", "time", "status", "number", "episode_id", "client_id"]
    frame = pd.DataFrame(rows, columns=names + (["reason"] if reasons else []))
    ordered = sessions_frame(frame[names[:6]])
    extra = frame.set_index("session_id")
    ordered["client_id"] = ordered["session_id"].map(extra["client_id"])
    if reasons:
        ordered["reason"] = ordered["session_id"].map(extra["reason"])
    return ordered


def episodes(session: Session,
             client_ids: Iterable[int] | Select | None = None) -> pd.DataFrame:
    """Episodes of these clients (all when None), oldest first."""
    rows = session.execute(_within(
        select(Episode.id, Episode.client_id, Episode.started_on, Episode.ended_on,
               Episode.end_reason), Episode.client_id, client_ids)
        .order_by(Episode.client_id, Episode.started_on, Episode.id)).all()
    return pd.DataFrame(rows, columns=EPISODE_COLUMNS)


def alliance_results(session: Session, kit: Kit,
                     client_ids: Iterable[int] | Select | None = None) -> pd.DataFrame:
    """Every current primary score of an alliance signal (see
    :mod:`alliance_kit.engine.alliance_signals`) at a session, classified.

    Columns: client, response_id, session_id, instrument_id, score_id, date (the
    session's), value, flagged, drop, rupture, low, why.
    """
    columns = ["client", "response_id", "session_id", "instrument_id", "score_id", "date",
               "value", "flagged", "drop", "rupture", "low", "why"]
    parts = []
    for signal in alliance_signals.signals(kit.instruments.values()):
        replaced = select(Response.replaces_id).where(Response.replaces_id.is_not(None))
        rows = session.execute(_within(
            select(Response.client_id, Response.id, Response.session_id, SessionRow.date,
                   SessionRow.number, Response.submitted_at, Score.value)
            .join(Score, Score.response_id == Response.id)
            .join(SessionRow, SessionRow.id == Response.session_id)
            .where(Response.instrument_id == signal.instrument_id,
                   Score.score_id == signal.score_id, Score.current,
                   Response.id.not_in(replaced)),
            Response.client_id, client_ids)).all()
        if not rows:
            continue
        frame = pd.DataFrame(rows, columns=["client", "response_id", "session_id", "date",
                                            "number", "submitted_at", "value"])
        # One series per client, by session date, then number and time of submission.
        frame = frame.sort_values(["client", "date", "number", "submitted_at", "response_id"],
                                  kind="stable").reset_index(drop=True)
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        frame["order"] = range(len(frame))
        classified = alliance_signals.classify(signal, frame)
        classified["instrument_id"] = signal.instrument_id
        classified["score_id"] = signal.score_id
        classified["why"] = [alliance_signals.low_words(signal, row) if row["low"] else ""
                             for row in classified.to_dict("records")]
        parts.append(classified[columns])
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


# ---- inside a write transaction ----------------------------------------------------------


def current_episode(session: Session, client_id: int) -> Episode:
    """The client's latest episode (every client has one from the day they were added)."""
    episode = session.execute(
        select(Episode).where(Episode.client_id == client_id)
        .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1)).scalar_one_or_none()
    if episode is None:
        raise AttendanceError(f"client {client_id} has no episode of care")
    return episode


def open_episode(session: Session, client_id: int, code: str) -> Episode:
    """The client's current episode if it is open; otherwise say how it ended."""
    episode = current_episode(session, client_id)
    if episode.ended_on is not None:
        raise AttendanceError(
            f"client {code}'s episode ended on {episode.ended_on:%Y-%m-%d} "
            f"({episode.end_reason or 'no reason given'}): start a new episode to book or "
            "record sessions")
    return episode


def mark_attended(session: Session, row: SessionRow) -> None:
    """Make an appointment an attended session, numbered next in its episode."""
    row.status = ATTENDED
    if row.number is None:
        numbers = session.execute(select(SessionRow.number).where(
            SessionRow.episode_id == row.episode_id)).scalars()
        row.number = next_number(numbers)


def has_responses(session: Session, session_id: int) -> bool:
    return session.execute(select(Response.id).where(Response.session_id == session_id)
                           .limit(1)).first() is not None


def today_or(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


__all__ = ["POLICY_KEY", "alliance_results", "appointments", "current_episode", "episodes",
           "has_responses", "mark_attended", "open_episode", "policy", "policy_in",
           "set_policy", "today_or"]
