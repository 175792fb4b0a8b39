"""Leaving the kiosk: the staff PIN (an argon2id hash in the ``settings`` table) with a
wait after repeated misses, and how long an untouched questionnaire stays on screen."""

from __future__ import annotations

import time
from dataclasses import dataclass

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import hasher
from alliance_kit.clinic.kiosk.state import PinGuard
from alliance_kit.store import audit
from alliance_kit.store.engine import Store

PIN_MAX_FAILURES = 3
PIN_WAIT = 30.0
MIN_PIN_LENGTH = 4
IDLE_MINUTES = 5.0

#: Settings rows (see :mod:`alliance_kit.clinic.settings`): {"hash": argon2id} and {"minutes": 5}.
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
