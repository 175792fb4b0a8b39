"""What the admin pages read: staff, teams and the audit log (admins only, audited).

None of it is client data: users and teams are staff records, and the audit log names
clients by database id only. Reading the log is itself logged, with the filters used.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import Actor, require_active, require_staff
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import AuditEntry, Team, User

#: Most audit entries one view shows (newest first).
AUDIT_LIMIT = 2000


def users(store: Store, actor: Actor) -> pd.DataFrame:
    """Every staff account: id, username, name, role, team, active, locked until."""
    require_staff(actor, "admin")
    with store.read() as session:
        require_active(session, actor)
        rows = session.execute(
            select(User.id, User.username, User.display_name, User.role,
                   Team.name.label("team"), User.active, User.locked_until,
                   User.password_hash.is_not(None).label("has_password"))
            .outerjoin(Team, Team.id == User.team_id).order_by(User.username)
        ).mappings().all()
    return pd.DataFrame(rows, columns=["id", "username", "display_name", "role", "team",
                                       "active", "locked_until", "has_password"])


def teams(store: Store) -> dict[int, str]:
    """Team (clinic) names by id."""
    with store.read() as session:
        return dict(session.execute(select(Team.id, Team.name).order_by(Team.name)).all())


@dataclass(frozen=True)
class AuditFilter:
    """What to look for in the audit log; empty fields match everything."""

    actor: str = ""
    actions: tuple[str, ...] = ()
    client_id: int | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def audit_actions(store: Store) -> list[str]:
    """The actions the log holds, for a filter's choices."""
    with store.read() as session:
        return list(session.scalars(select(AuditEntry.action).distinct()
                                    .order_by(AuditEntry.action)))


def audit_log(store: Store, actor: Actor, filters: AuditFilter = AuditFilter(),
              limit: int = AUDIT_LIMIT) -> pd.DataFrame:
    """Audit entries matching ``filters``, newest first (admins only; the view is logged)."""
    require_staff(actor, "admin")
    query = select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor, AuditEntry.action,
                   AuditEntry.entity, AuditEntry.entity_id, AuditEntry.client_id,
                   AuditEntry.details)
    if filters.actor.strip():
        query = query.where(AuditEntry.actor.contains(filters.actor.strip(), autoescape=True))
    if filters.actions:
        query = query.where(AuditEntry.action.in_(filters.actions))
    if filters.client_id is not None:
        query = query.where(AuditEntry.client_id == filters.client_id)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= _start(filters.since))
    if filters.until is not None:
        query = query.where(AuditEntry.at < _start(filters.until + dt.timedelta(days=1)))
    with store.read() as session:
        require_active(session, actor)
        rows = session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit)).all()
    store.write(lambda session: audit.append(
        session, actor=actor.label, action="view", entity="audit-log",
        details={"filters": _jsonable(asdict(filters)), "rows": len(rows)}))
    frame = pd.DataFrame(rows, columns=["seq", "at", "actor", "action", "entity",
                                        "entity_id", "client_id", "details"])
    frame["details"] = frame["details"].map(
        lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True, default=str) if d else "")
    frame["client_id"] = frame["client_id"].astype("Int64")
    return frame


def _jsonable(values: dict) -> dict:
    return {key: value.isoformat() if isinstance(value, dt.date) else
            list(value) if isinstance(value, tuple) else value
            for key, value in values.items() if value not in (None, "", ())}


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def verify_log(store: Store, actor: Actor) -> tuple[int, list[str]]:
    """Walk the hash chain: (entries checked, problems in words)."""
    require_staff(actor, "admin")
    with store.read() as session:
        require_active(session, actor)
        count, problems = audit.verify_store(session)
    return count, [str(p) for p in problems]


__all__ = ["AuditFilter", "audit_actions", "audit_log", "teams", "users", "verify_log"]
