"""Who may see which client: the one place where access rules live.

- a therapist sees the clients they are on the care team of;
- a supervisor also sees the clients of every therapist in their team;
- an admin manages users, instruments and the audit log, and sees no client data unless
  they are on a client's care team themselves;
- the kiosk sees only the one client of its hand-over, and only to submit;
- a member of staff acts only while their account is active and has the role and team it
  had when they logged in (:func:`require_active`): a disabled account, or a supervisor
  moved to another team, is refused at once, not at the next login.

Every service function asks here; the app and the CLI never query clients themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session

from alliance_kit.store.models import CareTeam, Client, User

STAFF_ROLES = ("therapist", "supervisor", "admin")


class AccessDenied(PermissionError):
    """The actor may not do this. The message never says whether the client exists."""


@dataclass(frozen=True)
class Actor:
    """Who is asking: a member of staff, the kiosk for one client, or the system itself."""

    username: str
    role: str
    user_id: int | None = None
    team_id: int | None = None
    #: For the kiosk: the one client this hand-over is for.
    client_id: int | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.username, user.role, user.id, user.team_id)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """The CLI and maintenance jobs (demo, import, rescore): full access, still audited."""
        return cls(name, "system")

    @classmethod
    def kiosk(cls, client_id: int, started_by: str) -> Actor:
        return cls(f"kiosk:{started_by}", "kiosk", client_id=client_id)

    @property
    def label(self) -> str:
        """How the actor appears in the audit log."""
        return self.username


def is_current(actor: Actor) -> ColumnElement[bool]:
    """SQL that is true while the actor's account is active with the role and team it
    acted with (always true for the system and the kiosk, which have no account)."""
    if actor.user_id is None:
        return exists(select(1))
    team = User.team_id.is_(None) if actor.team_id is None else User.team_id == actor.team_id
    return exists(select(User.id).where(User.id == actor.user_id, User.active.is_(True),
                                        User.role == actor.role, team))


def require_active(session: Session, actor: Actor) -> None:
    """AccessDenied unless the actor's account is still active, with the same role and team.

    The app keeps who is logged in in the browser session; this is what stops a disabled
    account (or a supervisor moved to another team) from going on with the old rights.
    """
    if actor.user_id is None:
        return
    user = session.get(User, actor.user_id)
    if user is None or not user.active:
        raise AccessDenied(f"{actor.label}: this account is disabled")
    if user.role != actor.role or user.team_id != actor.team_id:
        raise AccessDenied(f"{actor.label}: this account's role or team changed: log in again")


def visible_client_ids(actor: Actor) -> Select:
    """A SELECT of the ids of the clients ``actor`` may see (none once the actor's account
    is disabled or changed: see :func:`require_active`)."""
    if actor.role == "system":
        return select(Client.id)
    if actor.role == "kiosk":
        return select(Client.id).where(Client.id == actor.client_id)
    current = is_current(actor)
    own = select(CareTeam.client_id).where(CareTeam.user_id == actor.user_id, current)
    if actor.role == "supervisor" and actor.team_id is not None:
        team = select(User.id).where(User.team_id == actor.team_id)
        return select(CareTeam.client_id).where(CareTeam.user_id.in_(team), current).union(own)
    return own


def require_client(session: Session, actor: Actor, client_id: int) -> Client:
    """The client, if ``actor`` may see it; otherwise AccessDenied (same for a missing one)."""
    require_active(session, actor)
    allowed = session.execute(
        select(Client).where(Client.id == client_id, Client.id.in_(visible_client_ids(actor)))
    ).scalar_one_or_none()
    if allowed is None:
        raise AccessDenied(f"{actor.label} may not see client {client_id}, or there is no "
                           "such client")
    return allowed


def require_staff(actor: Actor, *roles: str) -> None:
    """Only these roles (and the system) may do this."""
    if actor.role != "system" and actor.role not in roles:
        raise AccessDenied(f"{actor.label} ({actor.role}) may not do this: it needs "
                           f"{' or '.join(roles)}")
