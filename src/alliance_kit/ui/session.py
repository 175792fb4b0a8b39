"""Login state in Streamlit's per-browser session: idle timeout, forced re-login, logout.

Everything about the user lives in ``st.session_state`` (one browser tab's session),
never in a cache shared across users. Logging out, or timing out, clears all of it.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from alliance_kit.clinic.accounts import Account
from alliance_kit.types import ANONYMOUS, KIOSK

ACCOUNT_KEY = "alliance_kit:account"
#: Set while a tablet is handed to a client: the session is then in kiosk state.
KIOSK_KEY = "alliance_kit:kiosk"
NOTICE_KEY = "alliance_kit:notice"
IDLE_TIMEOUT = 15 * 60
MAX_LOGIN_AGE = 12 * 60 * 60


@dataclass
class LoggedIn:
    account: Account
    login_at: float
    last_seen: float


def log_in(state: MutableMapping[str, Any], account: Account, now: float | None = None) -> None:
    now = time.time() if now is None else now
    state.clear()
    state[ACCOUNT_KEY] = LoggedIn(account, now, now)


def log_out(state: MutableMapping[str, Any], notice: str | None = None) -> None:
    """Forget everything this browser session held; optionally say why on the next page."""
    state.clear()
    if notice:
        state[NOTICE_KEY] = notice


def current_account(state: MutableMapping[str, Any], now: float | None = None,
                    idle_timeout: float = IDLE_TIMEOUT) -> Account | None:
    """The logged-in account, or None after a timeout (which clears the session)."""
    now = time.time() if now is None else now
    logged = state.get(ACCOUNT_KEY)
    if not isinstance(logged, LoggedIn):
        return None
    if now - logged.last_seen > idle_timeout:
        minutes = round(idle_timeout / 60)
        log_out(state, f"You were logged out after {minutes} minutes without activity.")
        return None
    if now - logged.login_at > MAX_LOGIN_AGE:
        log_out(state, "Please log in again: sessions last at most 12 hours.")
        return None
    logged.last_seen = now
    return logged.account


def pop_notice(state: MutableMapping[str, Any]) -> str | None:
    return state.pop(NOTICE_KEY, None)


def current_role(state: MutableMapping[str, Any], account: Account | None) -> str:
    """The role the navigation is built for: kiosk state overrides the staff login."""
    if state.get(KIOSK_KEY) is not None:
        return KIOSK
    return account.role if account is not None else ANONYMOUS
