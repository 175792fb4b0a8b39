"""One-time codes: an 8-digit code opens a client's hand-over on a tablet nobody is logged
into. It works once and expires; only its hash is stored; every try is audited.

Wrong (unknown) codes are counted from the audit log, per tablet and over all tablets: a
tablet that tried :data:`TABLET_MAX_FAILURES` wrong codes within :data:`CODE_WINDOW` pauses
its own code entry; :data:`CODE_MAX_FAILURES` over all tablets pause it everywhere. Neither
pause stops a member of staff who is logged in on the tablet (they vouch for the client).
With 8 digits and at most :data:`CODE_MAX_FAILURES` guesses per :data:`CODE_WINDOW` (4,320
a day), guessing one live code takes about 60 years of non-stop trying on average (6-digit
codes and 20 guesses per 10 minutes: under a year).

Using a code is one ``UPDATE ... WHERE used_at IS NULL``: of two tablets (or app servers)
redeeming the same code at the same moment, exactly one gets the hand-over.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, require_active, require_client, require_staff
from alliance_kit.clinic.kiosk.handover import KioskError, check_session, checked_instruments
from alliance_kit.clinic.kiosk.state import Handover
from alliance_kit.clinic.services import Services
from alliance_kit.i18n import N_
from alliance_kit.store import audit
from alliance_kit.store.models import AuditEntry, HandoverCode, utcnow

CODE_DIGITS = 8
CODE_TTL = dt.timedelta(minutes=30)
#: Wrong codes from one tablet in CODE_WINDOW before that tablet pauses code entry.
TABLET_MAX_FAILURES = 5
#: Wrong codes from all tablets in CODE_WINDOW before code entry pauses on every tablet.
CODE_MAX_FAILURES = 30
CODE_WINDOW = dt.timedelta(minutes=10)


class CodeRefused(ValueError):
    """A one-time code that cannot be used; the message is safe to show the client."""


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
    """A one-time 8-digit code for a client's hand-over (staff only), audited.

    Only its hash is stored. A code that equals a dead one (used or expired) retires the
    old row's hash; one that equals a live code is drawn again.
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    chosen = checked_instruments(services, instruments)
    now = now or utcnow()

    def work(session: Session) -> IssuedCode:
        require_client(session, actor, client_id)
        check_session(session, client_id, session_id)
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
                now: dt.datetime | None = None, where: str = "kiosk",
                staff: Actor | None = None) -> Handover:
    """The hand-over a one-time code opens; the code is used up. Raises CodeRefused.

    ``where`` names the tablet in the audit log (wrong codes are counted per tablet);
    ``staff``, a member of staff logged in on the tablet, is not held up by a pause. A
    wrong, used or expired code gets the same kind of message; every try is audited.
    """
    code = "".join(ch for ch in str(code) if not ch.isspace() and ch != "-")
    now = now or utcnow()

    def work(session: Session) -> Handover | str:
        if staff is not None:
            require_staff(staff, "therapist", "supervisor", "admin")
            require_active(session, staff)
        else:
            paused = _paused(session, where, now)
            if paused is not None:
                return paused
        row = None
        if len(code) == CODE_DIGITS and code.isdigit():
            row = session.execute(select(HandoverCode).where(
                HandoverCode.code_hash == code_hash(code))).scalar_one_or_none()
        reason = ("unknown" if row is None else "used" if row.used_at is not None
                  else "expired" if _aware(row.expires_at) <= now else None)
        if reason is None:
            # One statement decides who gets the code: a racing redeemer finds it used.
            taken = session.execute(
                update(HandoverCode)
                .where(HandoverCode.id == row.id, HandoverCode.used_at.is_(None))
                .values(used_at=now).execution_options(synchronize_session=False))
            reason = None if taken.rowcount == 1 else "used"
        if reason is not None:
            audit.append(session, actor=where, action="code-refused", entity="handover-code",
                         entity_id=None if row is None else row.id,
                         client_id=None if row is None else row.client_id,
                         details={"reason": reason})
            return {"used": N_("This code was already used. Please ask staff for a new one."),
                    "expired": N_("This code has expired. Please ask staff for a new one.")
                    }.get(reason, N_("This code is not right. Please check it, or ask staff."))
        details = {"instruments": list(row.instruments)}
        if staff is not None:
            details["staff"] = staff.label
        audit.append(session, actor=where, action="use", entity="handover-code",
                     entity_id=row.id, client_id=row.client_id, details=details)
        return Handover(row.client_id, row.session_id, tuple(row.instruments),
                        f"code{row.id}", language)

    outcome = services.store.write(work)
    if isinstance(outcome, str):
        raise CodeRefused(outcome)
    return outcome


def _paused(session: Session, where: str, now: dt.datetime) -> str | None:
    """Why code entry is paused on this tablet (or everywhere), or None.

    Only unknown codes count (their refusal names no code): a client typing a code that
    was used or has expired is not guessing.
    """
    recent = (select(func.count()).select_from(AuditEntry)
              .where(AuditEntry.action == "code-refused", AuditEntry.entity_id.is_(None),
                     AuditEntry.at > now - CODE_WINDOW))
    if session.execute(recent).scalar_one() >= CODE_MAX_FAILURES:
        return N_("Too many wrong codes were tried. Please ask staff for help.")
    if session.execute(recent.where(AuditEntry.actor == where)).scalar_one() \
            >= TABLET_MAX_FAILURES:
        return N_("Too many wrong codes were tried on this tablet. Please ask staff for help.")
    return None
