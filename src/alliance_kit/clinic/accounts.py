"""Staff accounts: argon2id password hashes, lockout after repeated failures, audited.

- passwords are hashed with argon2id (argon2-cffi's RFC 9106 defaults: 64 MiB, 3
  passes, 4 lanes, above OWASP's minimum); a hash made with older parameters is
  replaced at the next successful login;
- 5 failed logins lock the account for 15 minutes, counted in the database itself
  (``failed_logins = failed_logins + 1``), so logins racing on several servers all count;
- an unknown user, a wrong password and a locked account get the same message, after the
  same work;
- the password is checked (argon2, ~90 ms) outside any write transaction: only the
  counters are written, so failed logins never hold up a kiosk's save;
- disabling an account, changing its role or team, or resetting its password bumps its
  ``session_version``, which ends every session logged in with the old one;
- the plaintext is never stored, logged or returned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import STAFF_ROLES, Actor, require_active, require_staff
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Team, User, utcnow
from alliance_kit.store.names import check_name

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
#: The one message for an unknown user, a wrong password and a locked account alike.
LOGIN_FAILED = ("Unknown user or wrong password, or the account is locked for "
                f"{int(LOCKOUT.total_seconds() // 60)} minutes after {MAX_FAILURES} failed "
                "attempts.")

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
    #: The account's ``session_version`` at login: a session ends when it changes.
    session_version: int = 0

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


@dataclass(frozen=True)
class _Seen:
    """What login read about a user before checking the password (no transaction open)."""

    user_id: int
    password_hash: str
    locked: bool


def login(store: Store, username: str, password: str) -> Account:
    """Check a username and password; return the account or raise LoginFailed.

    The password is verified between two short transactions, never inside one: the first
    reads the user, the second writes the outcome (counters and the audit entry) and
    re-checks that nothing changed in between.
    """
    name = username.strip()
    with store.read() as session:
        user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        seen = None
        if user is not None and user.active and user.password_hash:
            locked_until = _aware(user.locked_until)
            seen = _Seen(user.id, user.password_hash,
                         locked_until is not None and locked_until > utcnow())
    if seen is None or seen.locked:
        _verify(_DUMMY_HASH, password)
        if seen is None:
            store.write(lambda session: audit.append(
                session, actor=name[:80] or "?", action="login-failed", entity="user",
                details={"reason": "unknown or inactive"}))
        else:
            store.write(lambda session: audit.append(
                session, actor=name, action="login-refused", entity="user",
                entity_id=seen.user_id, details={"reason": "locked"}))
        raise LoginFailed(LOGIN_FAILED)
    if not _verify(seen.password_hash, password):
        store.write(lambda session: _count_failure(session, seen.user_id, name))
        raise LoginFailed(LOGIN_FAILED)
    rehashed = (hasher.hash(password) if hasher.check_needs_rehash(seen.password_hash)
                else None)
    account = store.write(lambda session: _succeed(session, seen, rehashed))
    if account is None:
        raise LoginFailed(LOGIN_FAILED)
    return account


def _count_failure(session: Session, user_id: int, name: str) -> None:
    """One more failed login, counted by the database (racing servers all count)."""
    failures = session.execute(
        update(User).where(User.id == user_id)
        .values(failed_logins=User.failed_logins + 1).returning(User.failed_logins)
    ).scalar_one()
    locked = failures >= MAX_FAILURES
    if locked:
        session.execute(update(User).where(User.id == user_id)
                        .values(locked_until=utcnow() + LOCKOUT, failed_logins=0))
    audit.append(session, actor=name, action="login-failed", entity="user",
                 entity_id=user_id, details={"locked": locked})


def _succeed(session: Session, seen: _Seen, rehashed: str | None) -> Account | None:
    """The login, if the account is as it was when the password was checked."""
    user = session.get(User, seen.user_id)
    locked_until = _aware(user.locked_until) if user is not None else None
    if user is None or not user.active or user.password_hash != seen.password_hash \
            or (locked_until is not None and locked_until > utcnow()):
        return None
    if rehashed is not None:
        user.password_hash = rehashed
    user.failed_logins = 0
    user.locked_until = None
    audit.append(session, actor=user.username, action="login", entity="user",
                 entity_id=user.id)
    return account_of(user)


def account_of(user: User) -> Account:
    """The account a user row logs in as."""
    return Account(user.id, user.username, user.display_name, user.role, user.team_id,
                   user.session_version or 0)


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
        require_active(session, actor)
        user = _user(session, username)
        user.password_hash = new_hash
        user.failed_logins = 0
        user.locked_until = None
        user.session_version = (user.session_version or 0) + 1
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
        require_active(session, actor)
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
        require_active(session, actor)
        user = _user(session, username)
        user.active = active
        user.session_version = (user.session_version or 0) + 1
        audit.append(session, actor=actor.label, action="enable" if active else "disable",
                     entity="user", entity_id=user.id)

    store.write(work)


def set_role(store: Store, actor: Actor, username: str, role: str,
             team_id: int | None) -> None:
    """Give an account another role or team (admins only); its open sessions end."""
    require_staff(actor, "admin")
    if role not in STAFF_ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(STAFF_ROLES)}")

    def work(session: Session) -> None:
        require_active(session, actor)
        user = _user(session, username)
        if team_id is not None and session.get(Team, team_id) is None:
            raise ValueError(f"there is no team {team_id}")
        before = {"role": user.role, "team": user.team_id}
        user.role, user.team_id = role, team_id
        user.session_version = (user.session_version or 0) + 1
        audit.append(session, actor=actor.label, action="update", entity="user",
                     entity_id=user.id, details={"before": before,
                                                 "after": {"role": role, "team": team_id}})

    store.write(work)


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise ValueError(f"no user {username!r}")
    return user
