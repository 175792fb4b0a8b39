"""One-time codes: a 6-digit code opens a client's hand-over on a tablet nobody is logged
into. It works once and expires; only its hash is stored; every try is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, require_client, require_staff
from alliance_kit.clinic.kiosk.handover import KioskError, check_session, checked_instruments
from alliance_kit.clinic.kiosk.state import Handover
from alliance_kit.clinic.services import Services
from alliance_kit.i18n import N_
from alliance_kit.store import audit
from alliance_kit.store.models import AuditEntry, HandoverCode, utcnow

CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=30)
#: Wrong codes (across all tablets) in CODE_WINDOW before code entry pauses.
CODE_MAX_FAILURES = 20
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
    """A one-time 6-digit code for a client's hand-over (staff only), audited.

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
