"""Leaving the kiosk: the staff PIN (an argon2id hash in the ``settings`` table, 6 digits
or more), with waits that grow after wrong PINs, and how long an untouched questionnaire
stays on screen.

Wrong PINs are counted on the server, from the audit log, per tablet and over all tablets
(a tablet's browser session cannot forget them by reloading):

- on one tablet, the first :data:`PIN_FREE_TRIES` wrong PINs cost nothing; then every
  wrong PIN makes that tablet wait, :data:`PIN_WAIT` seconds doubling each time, up to
  :data:`PIN_MAX_WAIT`. A right PIN on that tablet starts the count again;
- over all tablets, :data:`PIN_GLOBAL_MAX` wrong PINs within :data:`PIN_GLOBAL_WINDOW`
  pause PIN unlocking everywhere (a staff login still unlocks).

A 6-digit PIN then takes years to guess: about 30 tries a day on one tablet and at most
:data:`PIN_GLOBAL_MAX` an hour over all of them, against a million possible PINs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import hasher
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import AuditEntry, utcnow

PIN_FREE_TRIES = 3
PIN_WAIT = 30
PIN_MAX_WAIT = 3600
PIN_GLOBAL_MAX = 20
PIN_GLOBAL_WINDOW = dt.timedelta(hours=1)
#: Wrong PINs older than this no longer count on their tablet.
PIN_MEMORY = dt.timedelta(hours=24)
MIN_PIN_LENGTH = 6
IDLE_MINUTES = 5.0

#: Settings rows (see :mod:`alliance_kit.clinic.settings`): {"hash": argon2id, "digits": n}
#: and {"minutes": 5}.
PIN_SETTING = "kiosk:pin"
IDLE_SETTING = "kiosk:idle"


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
    settings.put(store, actor, PIN_SETTING, {"hash": hasher.hash(pin), "digits": len(pin)},
                 logged={"changed": True})


def pin_is_set(store: Store) -> bool:
    """Whether a PIN that may unlock tablets is set (one of 6 digits or more)."""
    stored = settings.get(store, PIN_SETTING) or {}
    return bool(stored.get("hash")) and int(stored.get("digits") or 0) >= MIN_PIN_LENGTH


def pin_needs_reset(store: Store) -> bool:
    """A PIN is stored but was set before PINs needed 6 digits: it no longer unlocks."""
    stored = settings.get(store, PIN_SETTING) or {}
    return bool(stored.get("hash")) and not pin_is_set(store)


@dataclass(frozen=True)
class PinOutcome:
    ok: bool
    #: Seconds the tablet must wait before the next try (0 when it need not).
    wait: int = 0
    message: str = ""


def tablet_wait(store: Store, where: str, now: dt.datetime | None = None) -> tuple[int, str]:
    """(seconds this tablet must wait before a PIN try, the reason in words); (0, "")."""
    now = now or utcnow()
    with store.read() as session:
        paused = session.execute(
            select(func.count(), func.min(AuditEntry.at)).select_from(AuditEntry)
            .where(AuditEntry.action == "unlock-failed", AuditEntry.entity == "kiosk",
                   AuditEntry.at > now - PIN_GLOBAL_WINDOW)).one()
        last_ok = session.execute(
            select(func.max(AuditEntry.seq)).where(
                AuditEntry.actor == where, AuditEntry.action == "unlock",
                AuditEntry.entity == "kiosk")).scalar() or 0
        failures, last_failure = session.execute(
            select(func.count(), func.max(AuditEntry.at)).where(
                AuditEntry.actor == where, AuditEntry.action == "unlock-failed",
                AuditEntry.entity == "kiosk", AuditEntry.seq > last_ok,
                AuditEntry.at > now - PIN_MEMORY)).one()
    count, oldest = paused
    if count >= PIN_GLOBAL_MAX:
        until = _aware(oldest) + PIN_GLOBAL_WINDOW
        return _seconds(until - now), ("Too many wrong PINs on the clinic's tablets: "
                                        "unlocking with a PIN is paused. Log in to unlock.")
    if failures < PIN_FREE_TRIES:
        return 0, ""
    wait = min(PIN_MAX_WAIT, PIN_WAIT * 2 ** (failures - PIN_FREE_TRIES))
    left = _seconds(_aware(last_failure) + dt.timedelta(seconds=wait) - now)
    return left, f"Too many wrong PINs: wait {left} seconds, or log in to unlock." if left else ""


def check_pin(store: Store, pin: str, *, where: str = "kiosk",
              now: dt.datetime | None = None) -> PinOutcome:
    """Check the staff PIN typed on the tablet ``where`` (its audit name), with the waits
    described above. Every try is audited (``unlock`` or ``unlock-failed``); a try while
    the tablet must wait is refused without looking at the PIN."""
    given = now
    now = now or utcnow()
    wait, why = tablet_wait(store, where, now)
    if wait:
        return PinOutcome(False, wait, why)
    stored = settings.get(store, PIN_SETTING) or {}
    if not pin_is_set(store):
        if stored.get("hash"):
            return PinOutcome(False, 0, "The staff PIN is too short for this version: an "
                                        f"admin must set a new one of {MIN_PIN_LENGTH} or "
                                        "more digits. Log in to unlock.")
        return PinOutcome(False, 0, "No staff PIN is set: log in to unlock.")
    try:
        ok = hasher.verify(stored["hash"], pin.strip())
    except Exception:  # a mismatch or an unreadable hash: both are a wrong PIN
        ok = False
    store.write(lambda session: audit.append(
        session, actor=where, action="unlock" if ok else "unlock-failed", entity="kiosk",
        details={"method": "pin"}))
    if ok:
        return PinOutcome(True)
    # Counted from now, after the (slow) check, as the failure just written is.
    wait, why = tablet_wait(store, where, given or utcnow())
    return PinOutcome(False, wait, why or "Wrong PIN.")


def record_unlock(store: Store, actor: Actor, method: str = "login") -> None:
    """Audit a kiosk left by a staff login (a PIN unlock is audited by :func:`check_pin`)."""
    store.write(lambda session: audit.append(
        session, actor=actor.label, action="unlock", entity="kiosk",
        details={"method": method}))


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _seconds(delta: dt.timedelta) -> int:
    return max(0, int(-(-delta.total_seconds() // 1)))
