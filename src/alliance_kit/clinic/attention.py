"""What needs a member of staff's attention now: open safety and warning alerts of their
clients that they have not opened yet, for the dashboard's banner and its refresh.

:func:`signal` is cheap and returns alert ids only (no client data, not audited): the
dashboard polls it to notice a new alert. :func:`unopened` is the banner's content (client
codes, audited as a read). Opening the client page records an :class:`AlertOpening` per
open alert for that member of staff (:func:`mark_opened`), and the banner lets go of them.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, require_client, require_staff, visible_client_ids
from alliance_kit.clinic.services import Services
from alliance_kit.clinic.services.base import write_audit
from alliance_kit.store.models import Alert, AlertOpening, Client, utcnow
from alliance_kit.store.names import visible

#: Severities the banner shows.
URGENT = ("safety", "warning")
COLUMNS = ["client_id", "code", "severity", "alerts", "raised_at"]
STAFF = ("therapist", "supervisor", "admin")


def _unopened_query(actor: Actor):
    opened = select(AlertOpening.alert_id).where(AlertOpening.user_id == actor.user_id)
    return (Alert.client_id.in_(visible_client_ids(actor)), Alert.acknowledged_at.is_(None),
            Alert.severity.in_(URGENT), Alert.id.not_in(opened))


def signal(services: Services, actor: Actor) -> tuple[int, ...]:
    """Ids of the open urgent alerts this member of staff has not opened, sorted: when it
    changes, the dashboard redraws. No client data, so not audited."""
    require_staff(actor, *STAFF)
    with services.store.read() as session:
        return tuple(session.scalars(select(Alert.id).where(*_unopened_query(actor))
                                     .order_by(Alert.id)))


def unopened(services: Services, actor: Actor) -> pd.DataFrame:
    """One row per client with unopened urgent alerts, most severe and newest first
    (audited): client_id, code (hidden characters shown), severity, alerts, raised_at."""
    require_staff(actor, *STAFF)
    rank = {s: i for i, s in enumerate(URGENT)}
    with services.store.read() as session:
        rows = session.execute(
            select(Alert.client_id, Client.code, Alert.severity, func.count(Alert.id),
                   func.max(Alert.raised_at))
            .join(Client, Client.id == Alert.client_id)
            .where(*_unopened_query(actor))
            .group_by(Alert.client_id, Client.code, Alert.severity)).all()
    by_client: dict[int, list] = {}
    for client_id, code, severity, count, raised in rows:
        entry = by_client.setdefault(client_id, [client_id, visible(code), severity, 0, raised])
        entry[3] += count
        if rank[severity] < rank[entry[2]]:
            entry[2] = severity
        if raised is not None and (entry[4] is None or raised > entry[4]):
            entry[4] = raised
    frame = pd.DataFrame(list(by_client.values()), columns=COLUMNS)
    if len(frame):
        frame["raised_at"] = pd.to_datetime(frame["raised_at"], utc=True)
        frame["rank"] = frame["severity"].map(rank)
        frame = frame.sort_values(["rank", "raised_at"], ascending=[True, False]).drop(
            columns="rank").reset_index(drop=True)
    write_audit(services.store, actor, "view", "new-alerts", details={"clients": len(frame)})
    return frame


def mark_opened(services: Services, actor: Actor, client_id: int,
                now: dt.datetime | None = None) -> int:
    """Record that this member of staff opened the client's page with its open alerts on it;
    returns how many alerts were newly opened."""
    require_staff(actor, *STAFF)
    if actor.user_id is None:
        return 0
    now = now or utcnow()

    def work(session: Session) -> int:
        require_client(session, actor, client_id)
        seen = select(AlertOpening.alert_id).where(AlertOpening.user_id == actor.user_id)
        ids = list(session.scalars(select(Alert.id).where(
            Alert.client_id == client_id, Alert.acknowledged_at.is_(None),
            Alert.id.not_in(seen))))
        session.add_all(AlertOpening(alert_id=i, user_id=actor.user_id, opened_at=now)
                        for i in ids)
        return len(ids)

    try:
        return services.store.write(work)
    except IntegrityError:  # the same person's other tab recorded them a moment ago
        return services.store.write(work)


__all__ = ["URGENT", "mark_opened", "signal", "unopened"]
