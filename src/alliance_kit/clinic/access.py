"""Who may see which client: the one place where access rules live.

- a therapist sees the clients they are on the care team of;
- a supervisor also sees the clients of every therapist in their team;
- an admin manages users, instruments and the audit log, and sees no client data unless
  they are on a client's care team themselves;
- the kiosk sees only the one client of its hand-over, and only to submit.

Every service function asks here; the app and the CLI never query clients themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
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


def visible_client_ids(actor: Actor) -> Select:
    """A SELECT of the ids of the clients ``actor`` may see."""
    if actor.role == "system":
        return select(Client.id)
    if actor.role == "kiosk":
        return select(Client.id).where(Client.id == actor.client_id)
    own = select(CareTeam.client_id).where(CareTeam.user_id == actor.user_id)
    if actor.role == "supervisor" and actor.team_id is not None:
        team = select(User.id).where(User.team_id == actor.team_id)
        return select(CareTeam.client_id).where(CareTeam.user_id.in_(team)).union(own)
    return own


def require_client(session: Session, actor: Actor, client_id: int) -> Client:
    """The client, if ``actor`` may see it; otherwise AccessDenied (same for a missing one)."""
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
