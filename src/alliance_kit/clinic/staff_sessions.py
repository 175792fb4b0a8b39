"""Staff sessions, library side: whether a logged-in account may go on, how long a staff
screen may sit idle, and the audit entries of logging out and timing out.

The browser session (``alliance_kit.ui.session``) keeps the account that logged in; on
every page load the app asks :func:`why_ended` whether the account is still the one that
logged in (active, same role and team, same ``session_version``). Disabling an account,
changing its role or team or resetting its password therefore ends its open sessions at
their next page load, and the staff screens' idle watcher reloads within seconds.
"""

from __future__ import annotations

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import User

#: Minutes a staff screen may sit untouched before it logs out (a clinic setting).
IDLE_MINUTES = 15.0
IDLE_SETTING = "staff:idle"
#: Longest a login lasts, however busy.
MAX_LOGIN_HOURS = 12

#: Why a session ended -> the audit action it is recorded as.
ACTIONS = {
    "logout": "logout",            # the Log out button
    "idle": "timeout",             # no activity for the idle time
    "max-age": "timeout",          # logged in for longer than MAX_LOGIN_HOURS
    "disabled": "session-ended",   # the account was disabled (or removed)
    "changed": "session-ended",    # role, team or password changed since the login
}


def idle_seconds(store: Store | None) -> float:
    """How long a staff screen may sit untouched before it logs out, in seconds."""
    stored = None if store is None else settings.get(store, IDLE_SETTING)
    try:
        minutes = float((stored or {}).get("minutes", IDLE_MINUTES))
    except (TypeError, ValueError):
        minutes = IDLE_MINUTES
    return max(0.05, minutes) * 60


def set_idle_minutes(store: Store, actor: Actor, minutes: float) -> None:
    """Set the staff screens' idle time (admins only, audited): 1 to 60 minutes."""
    if not 1 <= float(minutes) <= 60:
        raise ValueError("the staff idle time must be between 1 and 60 minutes")
    settings.put(store, actor, IDLE_SETTING, {"minutes": float(minutes)})


def why_ended(store: Store, account: Account) -> str | None:
    """None while the account is as it was at login; else why its session must end
    ("disabled" or "changed")."""
    with store.read() as session:
        user = session.get(User, account.user_id)
        if user is None or not user.active:
            return "disabled"
        if (user.session_version or 0) != account.session_version \
                or user.role != account.role or user.team_id != account.team_id:
            return "changed"
    return None


def record_end(store: Store, account: Account, reason: str, *,
               via: str | None = None) -> None:
    """Audit the end of a staff session: logged out, timed out, or ended by an admin."""
    details = {"reason": reason, **({"via": via} if via else {})}
    store.write(lambda session: audit.append(
        session, actor=account.username, action=ACTIONS.get(reason, "session-ended"),
        entity="user", entity_id=account.user_id, details=details))


__all__ = ["ACTIONS", "IDLE_MINUTES", "IDLE_SETTING", "MAX_LOGIN_HOURS", "idle_seconds",
           "record_end", "set_idle_minutes", "why_ended"]
