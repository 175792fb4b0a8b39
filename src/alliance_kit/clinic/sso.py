"""Single sign-on: who an OpenID Connect login (Streamlit's ``st.login``) is, locally.

The identity provider says who someone is; the local ``users`` table still says what they
may do. :func:`match_account` maps the provider's user info (``st.user.to_dict()``) to one
active local account by one claim (``email`` by default, compared without regard to case
with the username); no match, an ambiguous match, an inactive or locked account, or an
unverified e-mail address means no login. Nobody is created on the fly: an admin adds the
user first. See ``docs/sso.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.accounts import LOGIN_FAILED, Account, LoginFailed
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import User, utcnow

#: The secrets.toml section with the mapping's settings (Streamlit's own is ``[auth]``).
SECTION = "alliance_kit_sso"
CLAIMS = ("email", "preferred_username", "upn", "sub")


@dataclass(frozen=True)
class SsoSettings:
    """How to map a provider's user to a local one."""

    #: The ``[auth.<provider>]`` to log in with; None for a single unnamed ``[auth]``.
    provider: str | None = None
    #: The user-info claim compared with local usernames.
    claim: str = "email"
    #: Refuse an ``email`` claim the provider does not mark ``email_verified``.
    require_verified: bool = True
    #: The button's words on the login page.
    label: str = "Log in with single sign-on"


@dataclass(frozen=True)
class LocalUser:
    """What the mapping needs to know about one local account."""

    user_id: int
    username: str
    display_name: str
    role: str
    team_id: int | None
    active: bool = True
    locked_until: dt.datetime | None = None


def settings_from(secrets: Mapping[str, Any]) -> SsoSettings | None:
    """The SSO settings when ``[auth]`` is configured in secrets.toml, else None.

    ``st.secrets`` without a secrets.toml raises FileNotFoundError on any read: no SSO.
    """
    try:
        auth = secrets.get("auth")
        ours = secrets.get(SECTION) or {}
    except FileNotFoundError:
        return None
    if not isinstance(auth, Mapping) or not auth.get("redirect_uri") \
            or not auth.get("cookie_secret"):
        return None
    claim = str(ours.get("claim", "email"))
    if claim not in CLAIMS:
        raise ValueError(f"[{SECTION}] claim = {claim!r} is not one of {', '.join(CLAIMS)}")
    providers = [k for k, v in auth.items() if isinstance(v, Mapping)]
    provider = ours.get("provider") or (providers[0] if len(providers) == 1 else None)
    return SsoSettings(provider=provider, claim=claim,
                       require_verified=bool(ours.get("require_verified", True)),
                       label=str(ours.get("label", SsoSettings.label)))


def identity(info: Mapping[str, Any], settings: SsoSettings) -> str | None:
    """The claim's value to look up, or None when the login cannot be trusted for it."""
    if not info.get("is_logged_in", False):
        return None
    value = info.get(settings.claim)
    if not isinstance(value, str) or not value.strip():
        return None
    if settings.claim == "email" and settings.require_verified \
            and info.get("email_verified") is not True:
        return None
    return value.strip().casefold()


def match_account(info: Mapping[str, Any], users: Iterable[LocalUser],
                  settings: SsoSettings = SsoSettings(),
                  now: dt.datetime | None = None) -> Account | None:
    """The one active, unlocked local account the provider's user is; else None."""
    wanted = identity(info, settings)
    if wanted is None:
        return None
    found = [u for u in users if u.username.strip().casefold() == wanted]
    if len(found) != 1:
        return None
    user = found[0]
    now = now or utcnow()
    locked = user.locked_until
    if locked is not None and locked.tzinfo is None:
        locked = locked.replace(tzinfo=dt.UTC)
    if not user.active or (locked is not None and locked > now):
        return None
    return Account(user.user_id, user.username, user.display_name, user.role, user.team_id)


def sso_login(store: Store, info: Mapping[str, Any], settings: SsoSettings) -> Account:
    """Log in the provider's user as their local account (audited); LoginFailed if none."""
    wanted = identity(info, settings)

    def work(session: Session) -> Account | None:
        candidates = [] if wanted is None else [
            LocalUser(u.id, u.username, u.display_name, u.role, u.team_id, u.active,
                      u.locked_until)
            for u in session.scalars(select(User))
            if u.username.strip().casefold() == wanted]
        account = match_account(info, candidates, settings)
        if account is None:
            audit.append(session, actor=(wanted or "?")[:80], action="login-failed",
                         entity="user", details={"via": "sso", "claim": settings.claim})
            return None
        audit.append(session, actor=account.username, action="login", entity="user",
                     entity_id=account.user_id, details={"via": "sso"})
        return account

    account = store.write(work)
    if account is None:
        raise LoginFailed(f"{LOGIN_FAILED} Single sign-on worked, but no active local "
                          "account matches it: ask an administrator to add you.")
    return account


__all__ = ["LocalUser", "SsoSettings", "identity", "match_account", "settings_from",
           "sso_login"]
