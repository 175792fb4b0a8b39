"""What the hand-over page offers before staff touch anything: today's session, the due
instruments that can be given (chosen already), and, in staff words, why any cannot.

A session dated today is the default; without one, a new session today (made when the
tablet is handed over, never just by opening the page). Due is worked out for that
session's number, so a new session gets what its number makes due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor, require_client, require_staff
from alliance_kit.clinic.kiosk.handover import (
    TIMINGS,
    KioskError,
    SessionChoice,
    client_sessions,
    is_due,
)
from alliance_kit.clinic.services import Services
from alliance_kit.i18n import language_name
from alliance_kit.kit import Kit
from alliance_kit.store.models import Assignment, Episode, Response
from alliance_kit.store.models import Session as SessionRow

#: The session choice that stands for "a new session today".
NEW_SESSION = -1


@dataclass(frozen=True)
class HandoverPlan:
    """The hand-over page's choices and defaults for one client."""

    client_id: int
    #: The client's sessions, newest first.
    sessions: list[SessionChoice]
    #: The session chosen: today's if there is one, else NEW_SESSION.
    session_id: int
    #: The number a new session today would get (in the current episode).
    new_number: int
    timing: str
    language: str
    #: Due at that session and timing, not yet answered, in assignment order.
    due: list[str] = field(default_factory=list)
    #: Of the due ones, those that can be given now: chosen already.
    chosen: list[str] = field(default_factory=list)
    #: Due but cannot be given, with why in staff words.
    blocked: dict[str, str] = field(default_factory=dict)
    #: Chosen, but shown in English (no wording in the client's language), in staff words.
    notes: dict[str, str] = field(default_factory=dict)
    #: Not due, enabled for the clinic and can be given: offered to add.
    others: list[str] = field(default_factory=list)

    @property
    def today_session(self) -> bool:
        return self.session_id != NEW_SESSION


def cannot_give(kit: Kit, instrument_id: str, language: str) -> str | None:
    """Why an instrument cannot be given on the tablet in ``language``, in words for staff
    (no file names, no commands); None when it can."""
    ok, _ = kit.can_administer(instrument_id, language)
    if ok:
        return None
    instrument = kit.instrument(instrument_id)
    label = instrument.label()
    languages = kit.wording_languages(instrument_id)
    if not languages:
        return (f"{label} cannot be given on the tablet: its questions are licensed, and this "
                "clinic has not installed its licensed wording. Your administrator can add it.")
    return (f"{label} cannot be given in {language_name(language, 'en')}: its questions are "
            f"only available in {', '.join(language_name(c, 'en') for c in languages)}. "
            "Choose one of those languages, or ask your administrator to add the wording.")


def english_only(kit: Kit, instrument_id: str, language: str) -> str | None:
    """A note for staff when an instrument will be shown in English instead of ``language``."""
    ok, note = kit.can_administer(instrument_id, language)
    if not ok or not note:
        return None
    return (f"{kit.instrument(instrument_id).label()} will be shown in English: it has no "
            f"{language_name(language, 'en')} wording.")


def plan_handover(services: Services, actor: Actor, client_id: int, *,
                  session_id: int | None = None, timing: str = "session-end",
                  language: str = "en", today: dt.date | None = None) -> HandoverPlan:
    """The hand-over defaults for a client (audited as a read of their sessions).

    ``session_id`` None picks the default (today's session, else a new one); NEW_SESSION
    asks for a new session today; any other id must be one of the client's sessions.
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    if timing not in TIMINGS:
        raise ValueError(f"timing must be one of {', '.join(TIMINGS)}")
    today = today or dt.date.today()
    kit = services.kit
    sessions = client_sessions(services, actor, client_id)
    by_id = {s.session_id: s for s in sessions}
    if session_id is None:
        session_id = next((s.session_id for s in sessions if s.date == today), NEW_SESSION)
    elif session_id != NEW_SESSION and session_id not in by_id:
        raise KioskError(f"session {session_id} is not a session of this client")
    with services.store.read() as session:
        require_client(session, actor, client_id)
        new_number = _next_number(session, client_id)
        # A booked appointment gets its number when it is attended, as a new session would.
        number = (new_number if session_id == NEW_SESSION or by_id[session_id].number is None
                  else by_id[session_id].number)
        assigned = list(session.execute(
            select(Assignment).where(Assignment.client_id == client_id, Assignment.active,
                                     Assignment.timing == timing)
            .order_by(Assignment.id)).scalars())
        answered = set() if session_id == NEW_SESSION else set(session.execute(
            select(Response.instrument_id).where(Response.client_id == client_id,
                                                 Response.session_id == session_id)).scalars())
        due = list(dict.fromkeys(
            a.instrument_id for a in assigned
            if is_due(a, number) and a.instrument_id not in answered
            and a.instrument_id in kit.instruments))
    blocked = {iid: why for iid in due if (why := cannot_give(kit, iid, language))}
    chosen = [iid for iid in due if iid not in blocked]
    notes = {iid: note for iid in chosen if (note := english_only(kit, iid, language))}
    enabled = settings.enabled_instruments(services.store, kit, actor.team_id)
    others = [iid for iid in enabled if iid not in due and kit.can_administer(iid, language)[0]]
    return HandoverPlan(client_id, sessions, session_id, new_number, timing, language, due,
                        chosen, blocked, notes, others)


def _next_number(session, client_id: int) -> int:
    episode = session.execute(
        select(Episode.id).where(Episode.client_id == client_id)
        .order_by(Episode.started_on.desc(), Episode.id.desc()).limit(1)).scalar()
    if episode is None:
        return 1
    return (session.execute(select(func.max(SessionRow.number))
                            .where(SessionRow.episode_id == episode)).scalar() or 0) + 1
