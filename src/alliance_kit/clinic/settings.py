"""Clinic settings, typed, on the ``settings`` table: enabled instruments, alert rules, salt.

Reads are open to every caller (settings hold no client data); writes are for admins only
and each one is audited in the same transaction. A setting that was never written reads
as its default: every instrument enabled, every alert rule on.

- ``instruments:<team id>`` — the instruments a clinic (a team) gives; ``instruments:default``
  for staff without a team;
- ``alerts`` — the alert rules switched off, as ``"<instrument>:<rule>"`` (attendance rules as
  ``"attendance:<rule>"``); rules of severity ``safety`` cannot be switched off;
- ``deid:salt`` — the secret of de-identified exports (unless ``ALLIANCE_KIT_DEID_SALT`` is
  set); made on first use, never shown or logged.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, require_active, require_staff
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Setting, utcnow

ALERTS_KEY = "alerts"
SALT_KEY = "deid:salt"
SALT_ENV = "ALLIANCE_KIT_DEID_SALT"
#: Shortest salt accepted from the environment (bytes of UTF-8).
MIN_SALT_LENGTH = 16


def instruments_key(team_id: int | None) -> str:
    return f"instruments:{'default' if team_id is None else team_id}"


def get(store: Store, key: str) -> dict[str, Any] | None:
    """A setting's stored value, or None when it was never written."""
    with store.read() as session:
        row = session.get(Setting, key)
        return None if row is None else dict(row.value)


def put(store: Store, actor: Actor, key: str, value: dict[str, Any], *,
        logged: dict[str, Any] | None = None) -> None:
    """Write a setting (admins only), audited; ``logged`` replaces the value in the log."""
    require_staff(actor, "admin")
    store.write(lambda session: _put(session, actor, key, value, logged))


def _put(session: Session, actor: Actor, key: str, value: dict[str, Any],
         logged: dict[str, Any] | None) -> None:
    require_active(session, actor)
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value, updated_by=actor.label))
    else:
        row.value = value
        row.updated_at = utcnow()
        row.updated_by = actor.label
    audit.append(session, actor=actor.label, action="update", entity="setting",
                 entity_id=key, details=value if logged is None else logged)


# ---- instruments per clinic ---------------------------------------------------------------

def enabled_instruments(store: Store, kit: Kit, team_id: int | None) -> list[str]:
    """The ids of the instruments a clinic gives, sorted; all of them by default."""
    stored = get(store, instruments_key(team_id))
    if stored is None:
        return sorted(kit.instruments)
    return sorted(i for i in stored.get("enabled", []) if i in kit.instruments)


def set_enabled_instruments(store: Store, actor: Actor, kit: Kit, team_id: int | None,
                            instrument_ids: Iterable[str]) -> list[str]:
    """Set the instruments a clinic gives (admins only); unknown ids are refused."""
    chosen = sorted(set(instrument_ids))
    unknown = [i for i in chosen if i not in kit.instruments]
    if unknown:
        raise ValueError(f"unknown instrument(s) {', '.join(unknown)} (known: "
                         f"{', '.join(sorted(kit.instruments))})")
    put(store, actor, instruments_key(team_id), {"enabled": chosen})
    return chosen


# ---- alert rules --------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertSettings:
    """Which alert rules are switched off, as ``"<instrument>:<rule>"``."""

    disabled: frozenset[str] = frozenset()

    def enabled(self, instrument_id: str, rule_id: str) -> bool:
        return f"{instrument_id}:{rule_id}" not in self.disabled


def alert_settings(store: Store) -> AlertSettings:
    stored = get(store, ALERTS_KEY) or {}
    return AlertSettings(frozenset(stored.get("disabled", [])))


def alert_settings_in(session: Session) -> AlertSettings:
    """The alert settings as seen inside a transaction (used when alerts are raised)."""
    row = session.get(Setting, ALERTS_KEY)
    return AlertSettings(frozenset((row.value if row else {}).get("disabled", [])))


def set_alert_settings(store: Store, actor: Actor, kit: Kit,
                       settings: AlertSettings) -> AlertSettings:
    """Switch alert rules off (admins only). Safety rules, and the rules raised when a
    safety rule's item is not answered, always stay on."""
    rules = {f"{i.id}:{a.id}": a.protected for i in kit.instruments.values() for a in i.alerts}
    rules |= {f"attendance:{name}": r.severity == "safety"
              for name, r in kit.attendance_rules.items()}
    unknown = sorted(r for r in settings.disabled if r not in rules)
    if unknown:
        raise ValueError(f"unknown alert rule(s) {', '.join(unknown)}: use "
                         "'<instrument>:<rule>' as listed on the Alert settings page")
    safety = sorted(r for r in settings.disabled if rules[r])
    if safety:
        raise ValueError(f"{', '.join(safety)}: safety alerts cannot be switched off (nor the "
                         "alerts saying a safety item was not answered)")
    put(store, actor, ALERTS_KEY, {"disabled": sorted(settings.disabled)})
    return settings


# ---- the de-identification secret -----------------------------------------------------------

def deid_salt(store: Store) -> bytes:
    """The secret behind de-identified ids and date shifts: the environment's, else stored.

    The first call with neither makes a random one and stores it (as the system, audited
    without the value), so pseudonyms stay the same from one export to the next.
    """
    from_env = os.environ.get(SALT_ENV, "")
    if from_env:
        if len(from_env.encode("utf-8")) < MIN_SALT_LENGTH:
            raise ValueError(f"{SALT_ENV} is too short: use at least {MIN_SALT_LENGTH} "
                             "random characters (e.g. `python -c 'import secrets; "
                             "print(secrets.token_hex(32))'`)")
        return from_env.encode("utf-8")
    stored = get(store, SALT_KEY)
    if stored is None:
        system = Actor.system("settings")

        def work(session: Session) -> str:
            row = session.get(Setting, SALT_KEY)
            if row is not None:  # another session made it first
                return row.value["salt"]
            salt = secrets.token_hex(32)
            _put(session, system, SALT_KEY, {"salt": salt}, {"created": True})
            return salt

        return store.write(work).encode("utf-8")
    return str(stored["salt"]).encode("utf-8")


__all__ = ["AlertSettings", "alert_settings", "deid_salt", "enabled_instruments", "get",
           "instruments_key", "put", "set_alert_settings", "set_enabled_instruments"]
