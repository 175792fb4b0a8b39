"""Handing the tablet to a client: who may be chosen, which of their sessions, what is due
and what can be given (wording), and the audited hand-over itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import (
    Actor,
    require_active,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.clinic.kiosk.state import Handover
from alliance_kit.clinic.services import Services
from alliance_kit.store import audit
from alliance_kit.store.models import Assignment, Client, Response
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.store.names import visible

TIMINGS = ("session-end", "session-start")


class KioskError(ValueError):
    """A hand-over that cannot start; the message tells staff why and what to do."""


@dataclass(frozen=True)
class SessionChoice:
    session_id: int
    #: None for an appointment that is booked but not yet attended.
    number: int | None
    date: dt.date

    @property
    def label(self) -> str:
        """How staff see it: 'Session 4 · 12 Mar 2026', 'Booked appointment · 19 Mar 2026'."""
        what = f"Session {self.number}" if self.number is not None else "Booked appointment"
        return f"{what} · {self.date:%d %b %Y}"


def clients_for(services: Services, actor: Actor) -> list[tuple[int, str]]:
    """(id, code) of the active clients the staff member may hand a tablet to, by code."""
    require_staff(actor, "therapist", "supervisor", "admin")

    def work(session: Session) -> list[tuple[int, str]]:
        require_active(session, actor)
        rows = session.execute(
            select(Client.id, Client.code)
            .where(Client.id.in_(visible_client_ids(actor)), Client.active)
            .order_by(Client.code)
        ).all()
        audit.append(session, actor=actor.label, action="view", entity="clients",
                     details={"clients": len(rows), "for": "handover"})
        return [(r.id, visible(r.code)) for r in rows]

    return services.store.write(work)


def client_sessions(services: Services, actor: Actor, client_id: int) -> list[SessionChoice]:
    """The client's sessions up to today, newest first: attended ones and appointments
    booked up to today (a hand-over marks one attended). Audited as a read of client data."""

    def work(session: Session) -> list[SessionChoice]:
        require_client(session, actor, client_id)
        rows = session.execute(
            select(SessionRow.id, SessionRow.number, SessionRow.date)
            .where(SessionRow.client_id == client_id, SessionRow.date <= dt.date.today(),
                   SessionRow.status.in_(("attended", "scheduled")))
            .order_by(SessionRow.date.desc(), SessionRow.id.desc())
        ).all()
        audit.append(session, actor=actor.label, action="view", entity="sessions",
                     client_id=client_id)
        return [SessionChoice(r.id, r.number, r.date) for r in rows]

    return services.store.write(work)


def is_due(assignment: Assignment, session_number: int | None) -> bool:
    """Whether an active assignment falls on a session (every one when the number is unknown)."""
    if not assignment.active:
        return False
    if session_number is None:
        return True
    first, every = assignment.first_session or 1, max(1, assignment.every or 1)
    return session_number >= first and (session_number - first) % every == 0


def due_instruments(services: Services, actor: Actor, client_id: int,
                    session_id: int | None = None, timing: str | None = None) -> list[str]:
    """Instrument ids due for the client at this session (and timing), in assignment order,
    leaving out those already answered for the session and any the kit does not know."""
    if timing is not None and timing not in TIMINGS:
        raise ValueError(f"timing must be one of {', '.join(TIMINGS)}")
    with services.store.read() as session:
        require_client(session, actor, client_id)
        number = None
        if session_id is not None:
            row = session.get(SessionRow, session_id)
            if row is None or row.client_id != client_id:
                raise KioskError(f"session {session_id} is not a session of this client")
            number = row.number
        query = select(Assignment).where(Assignment.client_id == client_id,
                                         Assignment.active).order_by(Assignment.id)
        if timing is not None:
            query = query.where(Assignment.timing == timing)
        assignments = [(a.instrument_id, is_due(a, number))
                       for a in session.execute(query).scalars()]
        answered: set[str] = set()
        if session_id is not None:
            answered = set(session.execute(
                select(Response.instrument_id).where(Response.client_id == client_id,
                                                     Response.session_id == session_id)
            ).scalars())
    due: list[str] = []
    for iid, falls_due in assignments:
        if (falls_due and iid not in answered and iid not in due
                and iid in services.kit.instruments):
            due.append(iid)
    return due


def blocked_instruments(services: Services, instruments: Sequence[str],
                        language: str = "en") -> dict[str, str]:
    """Instruments that cannot be given (no wording), with why and what to install."""
    blocked = {}
    for iid in instruments:
        ok, why = services.kit.can_administer(iid, language)
        if not ok:
            blocked[iid] = why
    return blocked


def checked_instruments(services: Services, instruments: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(instruments))
    if not chosen:
        raise KioskError("nothing to fill in: choose at least one instrument")
    blocked = blocked_instruments(services, chosen)
    if blocked:
        raise KioskError("; ".join(f"{iid}: {why}" for iid, why in blocked.items()))
    return chosen


def check_session(session: Session, client_id: int, session_id: int | None) -> None:
    if session_id is None:
        return
    row = session.get(SessionRow, session_id)
    if row is None or row.client_id != client_id:
        raise KioskError(f"session {session_id} is not a session of this client")


def mark_session_attended(session: Session, services: Services, actor: Actor, client_id: int,
                          session_id: int | None) -> bool:
    """A hand-over shows the client came: mark its session attended (True if it was not),
    and let the attendance rules see it. A session booked for a later day is refused."""
    if session_id is None:
        return False
    row = session.get(SessionRow, session_id)
    if row.status == "attended":
        return False
    if row.date > dt.date.today():
        raise KioskError(f"that appointment is booked for {row.date:%d %b %Y}: hand over at a "
                         "session that has happened, or a new one today")
    from alliance_kit.clinic.attendance_alerts import evaluate_client
    from alliance_kit.clinic.attendance_data import mark_attended

    mark_attended(session, row)
    session.flush()
    evaluate_client(session, services.kit, client_id, actor_label=actor.label)
    return True


def start_handover(services: Services, actor: Actor, client_id: int, session_id: int | None,
                   instruments: Sequence[str], language: str = "en") -> Handover:
    """Hand the tablet to a client (staff only): audited; returns the :class:`Handover`."""
    require_staff(actor, "therapist", "supervisor", "admin")
    chosen = checked_instruments(services, instruments)

    def work(session: Session) -> None:
        require_client(session, actor, client_id)
        check_session(session, client_id, session_id)
        attended = mark_session_attended(session, services, actor, client_id, session_id)
        audit.append(session, actor=actor.label, action="handover", entity="kiosk",
                     entity_id=session_id, client_id=client_id,
                     details={"instruments": list(chosen), "method": "tablet",
                              **({"attended": True} if attended else {})})

    services.store.write(work)
    return Handover(client_id, session_id, chosen, actor.label, language)
