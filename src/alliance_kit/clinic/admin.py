"""What the admin pages read: staff, teams and the audit log (admins only, audited).

None of it is client data: users and teams are staff records, and the audit log names
clients by database id only. Reading the log is itself logged, with the filters used.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy import func, select

from alliance_kit.clinic.access import Actor, require_active, require_staff
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import AuditEntry, Team, User
from alliance_kit.store.names import visible

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
    frame = pd.DataFrame(rows, columns=["id", "username", "display_name", "role", "team",
                                        "active", "locked_until", "has_password"])
    # Shown as they are (hidden characters made visible); the username stays as stored: it
    # is what the account functions look accounts up by.
    for column in ("display_name", "team"):
        frame[column] = frame[column].map(lambda v: v if v is None else visible(v))
    return frame


def teams(store: Store) -> dict[int, str]:
    """Team (clinic) names by id."""
    with store.read() as session:
        return {team_id: visible(name) for team_id, name in session.execute(
            select(Team.id, Team.name).order_by(Team.name)).all()}


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
              limit: int = AUDIT_LIMIT, offset: int = 0,
              upto: int | None = None) -> pd.DataFrame:
    """Audit entries matching ``filters``, newest first, ``limit`` of them after skipping
    ``offset``, none newer than entry ``upto`` if given (admins only; the view is logged
    with its filters and position)."""
    require_staff(actor, "admin")
    query = _filtered(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor,
                             AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id,
                             AuditEntry.client_id, AuditEntry.details), filters)
    if upto is not None:
        query = query.where(AuditEntry.seq <= upto)
    with store.read() as session:
        require_active(session, actor)
        rows = session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit)
                               .offset(max(0, offset))).all()
    store.write(lambda session: audit.append(
        session, actor=actor.label, action="view", entity="audit-log",
        details={"filters": _jsonable(asdict(filters)), "rows": len(rows),
                 **({"offset": offset} if offset else {})}))
    frame = pd.DataFrame(rows, columns=["seq", "at", "actor", "action", "entity",
                                        "entity_id", "client_id", "details"])
    frame["details"] = frame["details"].map(
        lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True, default=str) if d else "")
    frame["client_id"] = frame["client_id"].astype("Int64")
    frame["actor"] = frame["actor"].map(visible)
    return frame


def audit_count(store: Store, actor: Actor, filters: AuditFilter = AuditFilter(),
                upto: int | None = None) -> int:
    """How many audit entries match ``filters`` (none newer than ``upto``; admins only)."""
    require_staff(actor, "admin")
    query = _filtered(select(func.count(AuditEntry.seq)), filters)
    if upto is not None:
        query = query.where(AuditEntry.seq <= upto)
    with store.read() as session:
        require_active(session, actor)
        return session.execute(query).scalar_one()


@dataclass(frozen=True)
class AuditPage:
    """One page of the audit log: its entries, which page of how many, and the total."""

    entries: pd.DataFrame
    page: int
    pages: int
    total: int
    per_page: int
    #: The newest entry the pages cover: keep it while paging, so the entries a look at
    #: the log itself adds do not shift the pages.
    upto: int = 0

    @property
    def first(self) -> int:
        """The position (1-based, newest first) of the page's first entry; 0 when empty."""
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return self.first + len(self.entries) - 1 if len(self.entries) else 0


def audit_page(store: Store, actor: Actor, filters: AuditFilter = AuditFilter(),
               page: int = 1, per_page: int = 200, upto: int | None = None) -> AuditPage:
    """Page ``page`` (1 = newest) of the entries matching ``filters``, none newer than
    ``upto`` (default: the newest now; pass the page's ``upto`` back to turn pages): read on
    the server, so the whole log can be walked whatever its size. A page past the end gives
    the last one."""
    if not 1 <= per_page <= AUDIT_LIMIT:
        raise ValueError(f"per_page must be 1 to {AUDIT_LIMIT}")
    require_staff(actor, "admin")
    if upto is None:
        with store.read() as session:
            upto = session.execute(select(func.max(AuditEntry.seq))).scalar() or 0
    total = audit_count(store, actor, filters, upto)
    pages = max(1, -(-total // per_page))
    page = min(max(1, int(page)), pages)
    entries = audit_log(store, actor, filters, limit=per_page, offset=(page - 1) * per_page,
                        upto=upto)
    return AuditPage(entries, page, pages, total, per_page, upto)


def _filtered(query, filters: AuditFilter):
    """``query`` narrowed to the entries matching ``filters``."""
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
    return query


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


__all__ = ["AuditFilter", "AuditPage", "audit_actions", "audit_count", "audit_log",
           "audit_page", "teams", "users", "verify_log"]
