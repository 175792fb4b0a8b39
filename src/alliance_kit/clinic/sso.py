"""Single sign-on: who an OpenID Connect login (Streamlit's ``st.login``) is, locally.

The identity provider says who someone is; the local ``users`` table still says what they
may do. :func:`match_account` maps the provider's user info (``st.user.to_dict()``) to one
active local account by one claim (``email`` by default, compared without regard to case
with the username); no match, an ambiguous match, an inactive or locked account, or an
unverified e-mail address means no login. Nobody is created on the fly: an admin adds the
user first. See ``docs/sso.md``.

A single sign-on session never outlives ours: the identity provider must be asked for a
fresh login every time (``prompt = "login"`` and ``max_age`` in the provider's settings,
checked by :func:`fresh_login_problem`), the app accepts Streamlit's identity cookie only
while the provider's login in it is recent (:func:`is_fresh`), and every end of our login
(Log out, a timeout) clears that cookie with ``st.logout()``.
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
    #: How recent (seconds) the provider's login must be for the app to accept it: the
    #: identity cookie lasts 30 days, and must not log anyone in on its own.
    fresh_seconds: int = 300


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
    session_version: int = 0


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
    providers = [k for k, v in auth.items() if isinstance(v, Mapping)
                 and k not in ("client_kwargs", "authorize_params")]
    provider = ours.get("provider") or (providers[0] if len(providers) == 1 else None)
    fresh = ours.get("fresh_seconds", SsoSettings.fresh_seconds)
    if not isinstance(fresh, int) or isinstance(fresh, bool) or not 30 <= fresh <= 3600:
        raise ValueError(f"[{SECTION}] fresh_seconds = {fresh!r} must be a whole number of "
                         "seconds from 30 to 3600")
    return SsoSettings(provider=provider, claim=claim,
                       require_verified=bool(ours.get("require_verified", True)),
                       label=str(ours.get("label", SsoSettings.label)), fresh_seconds=fresh)


def fresh_login_problem(secrets: Mapping[str, Any], settings: SsoSettings) -> str | None:
    """Why the provider is not asked for a fresh login every time, or None when it is.

    Its ``[auth.<provider>]`` section (or ``[auth]`` itself) must say
    ``client_kwargs = { prompt = "login" }`` and ``authorize_params = { max_age = N }``
    with N no larger than ``fresh_seconds``; otherwise a provider session that is still
    open would log the next person at the tablet straight in.
    """
    auth = secrets.get("auth") or {}
    section = auth.get(settings.provider) if settings.provider else auth
    section = section if isinstance(section, Mapping) else {}
    kwargs = section.get("client_kwargs") or auth.get("client_kwargs") or {}
    params = section.get("authorize_params") or auth.get("authorize_params") or {}
    where = f"[auth.{settings.provider}]" if settings.provider else "[auth]"
    if not isinstance(kwargs, Mapping) or kwargs.get("prompt") != "login":
        return (f'{where} must ask the identity provider for a fresh login: add '
                'client_kwargs = { prompt = "login" } (see docs/sso.md)')
    max_age = params.get("max_age") if isinstance(params, Mapping) else None
    if not isinstance(max_age, int) or isinstance(max_age, bool) or not 0 <= max_age \
            <= settings.fresh_seconds:
        return (f"{where} must limit how old the provider's login may be: add "
                f"authorize_params = {{ max_age = 0 }} (at most {settings.fresh_seconds}; "
                "see docs/sso.md)")
    return None


def is_fresh(info: Mapping[str, Any], settings: SsoSettings,
             now: dt.datetime | None = None) -> bool:
    """Whether the provider's login in ``info`` (its ``auth_time``, else the ID token's
    ``iat``) happened within ``settings.fresh_seconds``: an older identity cookie must not
    log anyone in by itself."""
    moment = info.get("auth_time", info.get("iat"))
    if isinstance(moment, bool) or not isinstance(moment, int | float):
        return False
    now = now or utcnow()
    age = now.timestamp() - float(moment)
    return -60 <= age <= settings.fresh_seconds


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
    return Account(user.user_id, user.username, user.display_name, user.role, user.team_id,
                   user.session_version)


def sso_login(store: Store, info: Mapping[str, Any], settings: SsoSettings) -> Account:
    """Log in the provider's user as their local account (audited); LoginFailed if none."""
    wanted = identity(info, settings)

    def work(session: Session) -> Account | None:
        candidates = [] if wanted is None else [
            LocalUser(u.id, u.username, u.display_name, u.role, u.team_id, u.active,
                      u.locked_until, u.session_version or 0)
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


__all__ = ["LocalUser", "SsoSettings", "fresh_login_problem", "identity", "is_fresh",
           "match_account", "settings_from", "sso_login"]
