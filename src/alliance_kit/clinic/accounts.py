"""Staff accounts: argon2id password hashes, lockout after repeated failures, audited.

- passwords are hashed with argon2id (argon2-cffi's RFC 9106 defaults: 64 MiB, 3
  passes, 4 lanes, above OWASP's minimum); a hash made with older parameters is
  replaced at the next successful login;
- 5 failed logins lock the account for 15 minutes;
- an unknown user and a wrong password get the same message, after the same work;
- the plaintext is never stored, logged or returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import STAFF_ROLES, Actor, require_staff
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import User, utcnow
from alliance_kit.store.names import check_name

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
LOGIN_FAILED = "Unknown user or wrong password."

hasher = argon2.PasswordHasher(type=argon2.Type.ID)
#: Verified against when the user is unknown, so both paths cost the same.
_DUMMY_HASH = hasher.hash("not a real password, only for equal timing")


class LoginFailed(PermissionError):
    """Login refused; the message never says which part was wrong."""


@dataclass(frozen=True)
class Account:
    """What the app keeps about a logged-in user."""

    user_id: int
    username: str
    display_name: str
    role: str
    team_id: int | None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.user_id, self.team_id)


def hash_password(password: str) -> str:
    """An argon2id hash of a new password, after checking it is long enough."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return hasher.hash(password)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def login(store: Store, username: str, password: str) -> Account:
    """Check a username and password; return the account or raise LoginFailed."""

    def work(session: Session) -> Account | str:
        user = session.execute(
            select(User).where(User.username == username.strip())
        ).scalar_one_or_none()
        now = utcnow()
        if user is None or not user.active or not user.password_hash:
            _verify(_DUMMY_HASH, password)
            audit.append(session, actor=username.strip()[:80] or "?", action="login-failed",
                         entity="user", details={"reason": "unknown or inactive"})
            return LOGIN_FAILED
        locked_until = _aware(user.locked_until)
        if locked_until is not None and locked_until > now:
            _verify(_DUMMY_HASH, password)
            audit.append(session, actor=user.username, action="login-refused", entity="user",
                         entity_id=user.id, details={"reason": "locked"})
            minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
            return f"Too many failed attempts: try again in {minutes} minutes."
        if not _verify(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            audit.append(session, actor=user.username, action="login-failed", entity="user",
                         entity_id=user.id, details={"locked": user.locked_until is not None})
            return LOGIN_FAILED
        if hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hasher.hash(password)
        user.failed_logins = 0
        user.locked_until = None
        audit.append(session, actor=user.username, action="login", entity="user",
                     entity_id=user.id)
        return Account(user.id, user.username, user.display_name, user.role, user.team_id)

    outcome = store.write(work)
    if isinstance(outcome, str):
        raise LoginFailed(outcome)
    return outcome


def _verify(stored: str, password: str) -> bool:
    try:
        return hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """Set (or reset) a user's password and unlock the account (admins only)."""
    require_staff(actor, "admin")
    new_hash = hash_password(password)

    def work(session: Session) -> None:
        user = _user(session, username)
        user.password_hash = new_hash
        user.failed_logins = 0
        user.locked_until = None
        audit.append(session, actor=actor.label, action="reset-password", entity="user",
                     entity_id=user.id)

    store.write(work)


def add_user(store: Store, actor: Actor, username: str, role: str, password: str, *,
             display_name: str = "", team_id: int | None = None) -> int:
    """A new account with a password (admins only); returns the user id."""
    return create_user(store, actor, username, role, password_hash=hash_password(password),
                       display_name=display_name, team_id=team_id)


def create_user(store: Store, actor: Actor, username: str, role: str, *,
                password_hash: str | None, display_name: str = "",
                team_id: int | None = None) -> int:
    """A new account (admins only); without a password hash it cannot log in yet."""
    require_staff(actor, "admin")
    if role not in STAFF_ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(STAFF_ROLES)}")
    username = check_name(username, "username")
    if not username or len(username) > 64:
        raise ValueError("a username of 1 to 64 characters is needed")
    display_name = check_name(display_name, "the name")

    def work(session: Session) -> int:
        if session.execute(select(User.id).where(User.username == username)).first():
            raise ValueError(f"there is already a user {username!r}")
        user = User(username=username, role=role, display_name=display_name or username,
                    team_id=team_id, password_hash=password_hash)
        session.add(user)
        session.flush()
        audit.append(session, actor=actor.label, action="create", entity="user",
                     entity_id=user.id, details={"username": username, "role": role})
        return user.id

    return store.write(work)


def set_active(store: Store, actor: Actor, username: str, active: bool) -> None:
    """Disable (or re-enable) an account; a disabled account cannot log in."""
    require_staff(actor, "admin")

    def work(session: Session) -> None:
        user = _user(session, username)
        user.active = active
        audit.append(session, actor=actor.label, action="enable" if active else "disable",
                     entity="user", entity_id=user.id)

    store.write(work)


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise ValueError(f"no user {username!r}")
    return user
