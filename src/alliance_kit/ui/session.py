"""Login state in Streamlit's per-browser session: idle timeout, forced re-login, logout.

Everything about the user lives in ``st.session_state`` (one browser tab's session),
never in a cache shared across users. Logging out, or timing out, clears all of it, and
is written to the audit log. On every page load the account is checked against the
database (:func:`alliance_kit.clinic.staff_sessions.why_ended`): a disabled or changed
account is logged out at once. While the tablet is in kiosk state the staff login is not
refreshed by anything done on the tablet (a client's taps, a wrong PIN), and timing it
out then leaves the client's questionnaire alone.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from alliance_kit.clinic import staff_sessions
from alliance_kit.clinic.accounts import Account
from alliance_kit.store.engine import Store
from alliance_kit.types import ANONYMOUS, KIOSK

ACCOUNT_KEY = "alliance_kit:account"
#: Set while a tablet is handed to a client: the session is then in kiosk state.
KIOSK_KEY = "alliance_kit:kiosk"
NOTICE_KEY = "alliance_kit:notice"
#: Set when a login ended this run (the reason), so the page can end single sign-on too.
ENDED_KEY = "alliance_kit:ended"
IDLE_TIMEOUT = staff_sessions.IDLE_MINUTES * 60
MAX_LOGIN_AGE = staff_sessions.MAX_LOGIN_HOURS * 60 * 60

NOTICES = {
    "logout": "You have logged out.",
    "max-age": f"Please log in again: sessions last at most {staff_sessions.MAX_LOGIN_HOURS} "
               "hours.",
    "disabled": "You were logged out: this account has been disabled.",
    "changed": "You were logged out: an administrator changed this account (role, team or "
               "password). Please log in again.",
}


@dataclass
class LoggedIn:
    account: Account
    login_at: float
    last_seen: float
    #: "sso" when single sign-on logged this session in.
    via: str | None = None


def log_in(state: MutableMapping[str, Any], account: Account, now: float | None = None,
           via: str | None = None) -> None:
    now = time.time() if now is None else now
    state.clear()
    state[ACCOUNT_KEY] = LoggedIn(account, now, now, via)


def log_out(state: MutableMapping[str, Any], notice: str | None = None, *,
            store: Store | None = None, reason: str = "logout") -> None:
    """Forget everything this browser session held; optionally say why on the next page.

    With a store, the end of the login is audited (``reason``: see
    :data:`alliance_kit.clinic.staff_sessions.ACTIONS`).
    """
    logged = state.get(ACCOUNT_KEY)
    if store is not None and isinstance(logged, LoggedIn):
        staff_sessions.record_end(store, logged.account, reason, via=logged.via)
    state.clear()
    if notice:
        state[NOTICE_KEY] = notice
    if isinstance(logged, LoggedIn):
        state[ENDED_KEY] = reason


def current_account(state: MutableMapping[str, Any], store: Store | None = None,
                    now: float | None = None, idle_timeout: float = IDLE_TIMEOUT, *,
                    touch: bool = True) -> Account | None:
    """The logged-in account, or None after a timeout or once the account was disabled or
    changed (which ends the login, audited when a store is given).

    ``touch=False`` (kiosk state) checks without counting this page load as activity.
    """
    now = time.time() if now is None else now
    logged = state.get(ACCOUNT_KEY)
    if not isinstance(logged, LoggedIn):
        return None
    reason = None
    if now - logged.last_seen > idle_timeout:
        reason = "idle"
    elif now - logged.login_at > MAX_LOGIN_AGE:
        reason = "max-age"
    elif store is not None:
        reason = staff_sessions.why_ended(store, logged.account)
    if reason is not None:
        notice = NOTICES.get(reason) or (f"You were logged out after {duration(idle_timeout)} "
                                         "without activity.")
        if state.get(KIOSK_KEY) is not None:
            # The tablet is with a client: end the staff login, keep their questions.
            if store is not None:
                staff_sessions.record_end(store, logged.account, reason, via=logged.via)
            del state[ACCOUNT_KEY]
            state[ENDED_KEY] = reason
        else:
            log_out(state, notice, store=store, reason=reason)
        return None
    if touch:
        logged.last_seen = now
    return logged.account


def duration(seconds: float) -> str:
    """A length of time in words: "15 minutes", "1 minute", "9 seconds"."""
    if seconds < 60:
        whole = max(1, round(seconds))
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def seconds_left(state: MutableMapping[str, Any], idle_timeout: float = IDLE_TIMEOUT,
                 now: float | None = None) -> float | None:
    """Seconds before the login times out for inactivity (None when nobody is logged in)."""
    logged = state.get(ACCOUNT_KEY)
    if not isinstance(logged, LoggedIn):
        return None
    now = time.time() if now is None else now
    return min(idle_timeout - (now - logged.last_seen), MAX_LOGIN_AGE - (now - logged.login_at))


def pop_ended(state: MutableMapping[str, Any]) -> str | None:
    """Why a login ended on this run, once (None when none did)."""
    return state.pop(ENDED_KEY, None)


def pop_notice(state: MutableMapping[str, Any]) -> str | None:
    return state.pop(NOTICE_KEY, None)


def current_role(state: MutableMapping[str, Any], account: Account | None) -> str:
    """The role the navigation is built for: kiosk state overrides the staff login."""
    if state.get(KIOSK_KEY) is not None:
        return KIOSK
    return account.role if account is not None else ANONYMOUS
