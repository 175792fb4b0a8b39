"""The client kiosk, library side: hand-overs, one-time codes, due instruments, the staff PIN.

No Streamlit here: the kiosk pages (``alliance_kit.ui.kiosk``) keep a :class:`KioskState`
in the browser session and call these functions, which check access in
:mod:`alliance_kit.clinic.access`, write through the store in one transaction and leave an audit
entry for every hand-over, code made, code used (or refused) and unlock (or failed one).

- A *hand-over* is a staff member giving the tablet to one client for one session: the
  kiosk may then submit that client's due instruments and nothing else
  (:meth:`Actor.kiosk`).
- A *one-time code* (6 digits) does the same from a tablet nobody is logged into: it
  works once and expires (default 30 minutes); only its hash is stored.
- Leaving the kiosk needs the staff PIN (an argon2id hash in the ``settings`` table) or a
  staff login; 3 wrong PINs make it wait 30 seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import (
    AccessDenied,
    Actor,
    require_client,
    require_staff,
    visible_client_ids,
)
from alliance_kit.clinic.accounts import hasher
from alliance_kit.clinic.services import Services, Submitted
from alliance_kit.engine import rules
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import ResponseError
from alliance_kit.engine.scoring import validate_response
from alliance_kit.i18n import N_
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import (
    Assignment,
    AuditEntry,
    Client,
    HandoverCode,
    Response,
    utcnow,
)
from alliance_kit.store.models import Session as SessionRow

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=30)
#: Wrong codes (across all tablets) in CODE_WINDOW before code entry pauses.
CODE_MAX_FAILURES = 20
CODE_WINDOW = dt.timedelta(minutes=10)
PIN_MAX_FAILURES = 3
PIN_WAIT = 30.0
MIN_PIN_LENGTH = 4
IDLE_MINUTES = 5.0
TIMINGS = ("session-end", "session-start")

#: Settings rows (see :mod:`alliance_kit.clinic.settings`): {"hash": argon2id} and {"minutes": 5}.
PIN_SETTING = "kiosk:pin"
IDLE_SETTING = "kiosk:idle"


class CodeRefused(ValueError):
    """A one-time code that cannot be used; the message is safe to show the client."""


class KioskError(ValueError):
    """A hand-over that cannot start; the message tells staff why and what to do."""


# ---- the state a browser session keeps ----------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """One client's turn on the tablet: what they may fill in, and for which session."""

    client_id: int
    session_id: int | None
    instruments: tuple[str, ...]
    started_by: str
    language: str = "en"
    #: Base of every idempotency key of this hand-over (one submission per instrument).
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def actor(self) -> Actor:
        return Actor.kiosk(self.client_id, self.started_by)

    def submission_key(self, instrument_id: str) -> str:
        """The idempotency key of this hand-over's response to one instrument (<= 64 chars)."""
        digest = hashlib.sha256(instrument_id.encode("utf-8")).hexdigest()[:24]
        return f"kiosk-{self.key}-{digest}"


@dataclass
class PinGuard:
    """Wrong PINs in a row, and until when unlocking must wait."""

    failures: int = 0
    wait_until: float = 0.0

    def seconds_to_wait(self, now: float) -> int:
        return max(0, int(np.ceil(self.wait_until - now)))


@dataclass
class KioskState:
    """Everything a tablet's browser session holds while in kiosk state.

    ``handover`` is None while the tablet is locked. ``step`` is the position in
    ``handover.instruments``; ``thanks`` is set after the last submission until the
    thank-you screen has been seen. Answers are not kept here: they live in the widgets'
    keys (``kiosk:<instrument>:<item>``) and are cleared on submit, lock and idle.
    """

    handover: Handover | None = None
    step: int = 0
    language: str = "en"
    thanks: bool = False
    last_activity: float = field(default_factory=time.time)
    started_at: dt.datetime | None = None
    pin: PinGuard = field(default_factory=PinGuard)
    #: The instrument whose save failed last time (the answers stay on screen).
    save_failed: str | None = None
    #: Items with a problem after the last submit tap: "required" or "invalid".
    errors: dict[str, str] = field(default_factory=dict)
    #: Why the tablet locked ("idle"), for the locked screen.
    notice: str | None = None

    @property
    def locked(self) -> bool:
        return self.handover is None and not self.thanks

    @property
    def current(self) -> str | None:
        """The instrument on screen, or None when locked or finished."""
        if self.handover is None or self.step >= len(self.handover.instruments):
            return None
        return self.handover.instruments[self.step]

    def begin(self, handover: Handover, now: float | None = None) -> None:
        self.handover, self.step, self.thanks = handover, 0, False
        self.language = handover.language
        self.save_failed, self.errors, self.notice = None, {}, None
        self.started_at = utcnow()
        self.touch(now)

    def touch(self, now: float | None = None) -> None:
        self.last_activity = time.time() if now is None else now

    def idle_expired(self, idle_seconds: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return not self.locked and now - self.last_activity > idle_seconds

    def advance(self) -> None:
        """The current instrument was saved: go to the next, or to the thank-you screen."""
        self.step += 1
        self.save_failed, self.errors = None, {}
        self.started_at = utcnow()
        self.touch()
        if self.handover is not None and self.step >= len(self.handover.instruments):
            self.handover, self.thanks = None, True

    def lock(self) -> None:
        """Forget the client: the tablet shows the locked screen."""
        self.handover, self.step, self.thanks = None, 0, False
        self.save_failed, self.started_at, self.errors = None, None, {}


def answer_key(instrument_id: str, item_id: str) -> str:
    """The session-state key of one answer widget."""
    return f"kiosk:{instrument_id}:{item_id}"


def is_answer_key(key: object) -> bool:
    return isinstance(key, str) and key.startswith("kiosk:") and key.count(":") >= 2


def clear_answers(state: dict[str, Any] | Any) -> int:
    """Delete every answer widget's value from a session state; returns how many."""
    keys = [key for key in list(state.keys()) if is_answer_key(key)]
    for key in keys:
        del state[key]
    return len(keys)


# ---- settings ------------------------------------------------------------------------------


def idle_seconds(store: Store | None) -> float:
    """How long a half-filled questionnaire may sit untouched before the tablet locks."""
    stored = None if store is None else settings.get(store, IDLE_SETTING)
    minutes = (stored or {}).get("minutes", IDLE_MINUTES)
    try:
        minutes = float(minutes)
    except (TypeError, ValueError):
        minutes = IDLE_MINUTES
    return max(0.05, minutes) * 60


def set_idle_minutes(store: Store, actor: Actor, minutes: float) -> None:
    if not 0.5 <= float(minutes) <= 60:
        raise ValueError("the kiosk idle time must be between 0.5 and 60 minutes")
    settings.put(store, actor, IDLE_SETTING, {"minutes": float(minutes)})


def set_pin(store: Store, actor: Actor, pin: str) -> None:
    """Set the staff PIN that unlocks a kiosk tablet (stored as an argon2id hash)."""
    pin = pin.strip()
    if len(pin) < MIN_PIN_LENGTH or not pin.isdigit():
        raise ValueError(f"a kiosk PIN is at least {MIN_PIN_LENGTH} digits")
    settings.put(store, actor, PIN_SETTING, {"hash": hasher.hash(pin)}, logged={"changed": True})


def pin_is_set(store: Store) -> bool:
    return bool((settings.get(store, PIN_SETTING) or {}).get("hash"))


@dataclass(frozen=True)
class PinOutcome:
    ok: bool
    #: Seconds the tablet must wait before the next try (0 when it need not).
    wait: int = 0
    message: str = ""


def check_pin(store: Store, guard: PinGuard, pin: str, *, where: str = "kiosk",
              now: float | None = None) -> PinOutcome:
    """Check the staff PIN with lockout: 3 wrong in a row make the tablet wait 30 s.

    Every try is audited (``unlock`` or ``unlock-failed``); a try while waiting is refused
    without checking the PIN.
    """
    now = time.time() if now is None else now
    wait = guard.seconds_to_wait(now)
    if wait:
        return PinOutcome(False, wait, f"Too many wrong PINs: wait {wait} seconds.")
    stored = (settings.get(store, PIN_SETTING) or {}).get("hash")
    if not stored:
        return PinOutcome(False, 0, "No staff PIN is set: log in to unlock.")
    try:
        ok = hasher.verify(stored, pin.strip())
    except Exception:  # a mismatch or an unreadable hash: both are a wrong PIN
        ok = False
    if ok:
        guard.failures, guard.wait_until = 0, 0.0
    else:
        guard.failures += 1
        if guard.failures >= PIN_MAX_FAILURES:
            guard.failures, guard.wait_until = 0, now + PIN_WAIT
    store.write(lambda session: audit.append(
        session, actor=where, action="unlock" if ok else "unlock-failed", entity="kiosk",
        details={"method": "pin", "waiting": guard.wait_until > now}))
    if ok:
        return PinOutcome(True)
    wait = guard.seconds_to_wait(now)
    if wait:
        return PinOutcome(False, wait, f"Too many wrong PINs: wait {wait} seconds.")
    return PinOutcome(False, 0, "Wrong PIN.")


def record_unlock(store: Store, actor: Actor, method: str = "login") -> None:
    """Audit a kiosk left by a staff login (a PIN unlock is audited by :func:`check_pin`)."""
    store.write(lambda session: audit.append(
        session, actor=actor.label, action="unlock", entity="kiosk",
        details={"method": method}))


# ---- what is due ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionChoice:
    session_id: int
    number: int
    date: dt.date


def clients_for(services: Services, actor: Actor) -> list[tuple[int, str]]:
    """(id, code) of the active clients the staff member may hand a tablet to, by code."""
    require_staff(actor, "therapist", "supervisor", "admin")

    def work(session: Session) -> list[tuple[int, str]]:
        rows = session.execute(
            select(Client.id, Client.code)
            .where(Client.id.in_(visible_client_ids(actor)), Client.active)
            .order_by(Client.code)
        ).all()
        audit.append(session, actor=actor.label, action="view", entity="clients",
                     details={"clients": len(rows), "for": "handover"})
        return [(r.id, r.code) for r in rows]

    return services.store.write(work)


def client_sessions(services: Services, actor: Actor, client_id: int) -> list[SessionChoice]:
    """The client's sessions, newest first (audited as a read of client data)."""

    def work(session: Session) -> list[SessionChoice]:
        require_client(session, actor, client_id)
        rows = session.execute(
            select(SessionRow.id, SessionRow.number, SessionRow.date)
            .where(SessionRow.client_id == client_id)
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


# ---- hand-over and codes -------------------------------------------------------------------


def _checked_instruments(services: Services, instruments: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(instruments))
    if not chosen:
        raise KioskError("nothing to fill in: choose at least one instrument")
    blocked = blocked_instruments(services, chosen)
    if blocked:
        raise KioskError("; ".join(f"{iid}: {why}" for iid, why in blocked.items()))
    return chosen


def _check_session(session: Session, client_id: int, session_id: int | None) -> None:
    if session_id is None:
        return
    row = session.get(SessionRow, session_id)
    if row is None or row.client_id != client_id:
        raise KioskError(f"session {session_id} is not a session of this client")


def start_handover(services: Services, actor: Actor, client_id: int, session_id: int | None,
                   instruments: Sequence[str], language: str = "en") -> Handover:
    """Hand the tablet to a client (staff only): audited; returns the :class:`Handover`."""
    require_staff(actor, "therapist", "supervisor", "admin")
    chosen = _checked_instruments(services, instruments)

    def work(session: Session) -> None:
        require_client(session, actor, client_id)
        _check_session(session, client_id, session_id)
        audit.append(session, actor=actor.label, action="handover", entity="kiosk",
                     entity_id=session_id, client_id=client_id,
                     details={"instruments": list(chosen), "method": "tablet"})

    services.store.write(work)
    return Handover(client_id, session_id, chosen, actor.label, language)


def code_hash(code: str) -> str:
    return hashlib.sha256(f"alliance_kit-handover:{code}".encode()).hexdigest()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: dt.datetime


def create_code(services: Services, actor: Actor, client_id: int, session_id: int | None,
                instruments: Sequence[str], *, ttl: dt.timedelta = CODE_TTL,
                now: dt.datetime | None = None) -> IssuedCode:
    """A one-time 6-digit code for a client's hand-over (staff only), audited.

    Only its hash is stored. A code that equals a dead one (used or expired) retires the
    old row's hash; one that equals a live code is drawn again.
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    chosen = _checked_instruments(services, instruments)
    now = now or utcnow()

    def work(session: Session) -> IssuedCode:
        require_client(session, actor, client_id)
        _check_session(session, client_id, session_id)
        for _ in range(50):
            code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
            hashed = code_hash(code)
            old = session.execute(select(HandoverCode).where(HandoverCode.code_hash == hashed)
                                  ).scalar_one_or_none()
            if old is not None:
                if old.used_at is None and _aware(old.expires_at) > now:
                    continue
                old.code_hash = f"retired-{old.id}"
                session.flush()
            row = HandoverCode(code_hash=hashed, client_id=client_id, session_id=session_id,
                               instruments=list(chosen), created_by=actor.user_id,
                               created_at=now, expires_at=now + ttl)
            session.add(row)
            session.flush()
            audit.append(session, actor=actor.label, action="create", entity="handover-code",
                         entity_id=row.id, client_id=client_id,
                         details={"instruments": list(chosen), "expires": str(row.expires_at)})
            return IssuedCode(code, now + ttl)
        raise KioskError("too many live codes: try again in a minute")

    return services.store.write(work)


def redeem_code(services: Services, code: str, *, language: str = "en",
                now: dt.datetime | None = None, where: str = "kiosk") -> Handover:
    """The hand-over a one-time code opens; the code is used up. Raises CodeRefused.

    A wrong, used or expired code gets the same kind of message; every try is audited,
    and after many wrong codes in a short time code entry pauses for every tablet.
    """
    code = "".join(ch for ch in str(code) if not ch.isspace())
    now = now or utcnow()

    def work(session: Session) -> Handover | str:
        recent = session.execute(
            select(func.count()).select_from(AuditEntry)
            .where(AuditEntry.action == "code-refused", AuditEntry.at > now - CODE_WINDOW)
        ).scalar_one()
        if recent >= CODE_MAX_FAILURES:
            return N_("Too many wrong codes were tried. Please ask staff for help.")
        row = None
        if len(code) == CODE_DIGITS and code.isdigit():
            row = session.execute(select(HandoverCode).where(
                HandoverCode.code_hash == code_hash(code))).scalar_one_or_none()
        reason = ("unknown" if row is None else "used" if row.used_at is not None
                  else "expired" if _aware(row.expires_at) <= now else None)
        if reason is not None:
            audit.append(session, actor=where, action="code-refused", entity="handover-code",
                         entity_id=None if row is None else row.id,
                         client_id=None if row is None else row.client_id,
                         details={"reason": reason})
            return {"used": N_("This code was already used. Please ask staff for a new one."),
                    "expired": N_("This code has expired. Please ask staff for a new one.")
                    }.get(reason, N_("This code is not right. Please check it, or ask staff."))
        row.used_at = now
        audit.append(session, actor=where, action="use", entity="handover-code",
                     entity_id=row.id, client_id=row.client_id,
                     details={"instruments": list(row.instruments)})
        return Handover(row.client_id, row.session_id, tuple(row.instruments),
                        f"code{row.id}", language)

    outcome = services.store.write(work)
    if isinstance(outcome, str):
        raise CodeRefused(outcome)
    return outcome


# ---- filling in ----------------------------------------------------------------------------


def asked_items(instrument: Instrument, answers: Mapping[str, Any]) -> list[str]:
    """Ids of the items to show: all but those whose skip rule is known not to apply."""
    if not any(item.ask_if for item in instrument.items):
        return [item.id for item in instrument.items]
    # Conditions read answers and scores of the items always asked.
    numeric = {item.id: np.array([np.nan if item.ask_if else _number(answers.get(item.id))])
               for item in instrument.items if item.scale_type.numeric}
    try:
        from alliance_kit.engine.scoring import score

        result = score(instrument, pd.DataFrame([{k: v[0] for k, v in numeric.items()}]))
        scores = {c: result.scores[c].to_numpy(dtype=float) for c in result.scores.columns}
    except Exception:  # partial answers that cannot be scored yet: show everything
        scores = {}
    shown = []
    for item in instrument.items:
        if item.ask_if is not None:
            try:
                met, known = rules.condition(item.ask_if, numeric, scores)
            except KeyError:
                met, known = np.array([True]), np.array([False])
            if known[0] and not met[0]:
                continue
        shown.append(item.id)
    return shown


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def collect_answers(instrument: Instrument, values: Mapping[str, Any]) -> dict[str, Any]:
    """Answers to submit from the widgets' values (by item id): None for unanswered and for
    items skipped by their rule; text trimmed, blank text unanswered."""
    answers: dict[str, Any] = {}
    for item in instrument.items:
        value = values.get(item.id)
        if isinstance(value, str):
            value = value.strip() or None
        elif isinstance(value, float) and np.isnan(value):
            value = None
        answers[item.id] = value
    shown = set(asked_items(instrument, answers))
    return {k: (v if k in shown else None) for k, v in answers.items()}


def problems_by_item(instrument: Instrument,
                     answers: Mapping[str, Any]) -> dict[str, list[ResponseError]]:
    """validate_response's errors grouped by item id ('' for the response as a whole)."""
    grouped: dict[str, list[ResponseError]] = {}
    for error in validate_response(instrument, answers):
        grouped.setdefault(error.column, []).append(error)
    return grouped


def progress(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered, to answer) among the items shown."""
    shown = asked_items(instrument, answers)
    done = sum(1 for item_id in shown if answers.get(item_id) not in (None, ""))
    return done, len(shown)


def submit(services: Services, handover: Handover, instrument_id: str,
           answers: Mapping[str, Any], *, language: str | None = None,
           started_at: dt.datetime | None = None) -> Submitted:
    """Save the client's answers to one instrument of the hand-over, idempotently.

    A double tap or a retry sends the same key and gets the stored response back; an
    instrument outside the hand-over is refused.
    """
    if instrument_id not in handover.instruments:
        raise AccessDenied(f"{instrument_id} is not part of this hand-over")
    return services.submit_response(
        handover.actor, client_id=handover.client_id, instrument_id=instrument_id,
        answers=answers, idempotency_key=handover.submission_key(instrument_id),
        language=language or handover.language, session_id=handover.session_id,
        source="kiosk", started_at=started_at)


__all__ = [
    "CodeRefused", "Handover", "IssuedCode", "KioskError", "KioskState", "PinGuard",
    "PinOutcome", "SessionChoice", "answer_key", "asked_items", "blocked_instruments",
    "check_pin", "clear_answers", "client_sessions", "collect_answers", "create_code",
    "due_instruments", "idle_seconds", "pin_is_set", "problems_by_item", "progress",
    "record_unlock", "redeem_code", "set_idle_minutes", "set_pin", "start_handover", "submit",
]
