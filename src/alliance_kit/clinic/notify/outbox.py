"""The outbox: notices queued with the alerts that call for them, delivered after, retried.

:func:`queue` runs inside the transaction that stores a response and its alerts, so a
notice exists exactly when its alerts do. :func:`deliver_due` sends what is due, one
notice and channel at a time, outside any transaction: every delivery, failure and
give-up is written to the audit log, and a failed one waits longer before each retry
(:data:`RETRY_AFTER`). Two senders (the app and a cron job) never send the same notice:
each claims a row before sending it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import alliance_kit.clinic.notify.settings as notify_settings
from alliance_kit.clinic.access import Actor, require_staff
from alliance_kit.i18n import N_, t
from alliance_kit.plugins import DeliveryFailed, Plugins
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import CareTeam, Notification, Setting, Team, User, utcnow
from alliance_kit.types import Notice

log = logging.getLogger(__name__)

#: Waits before the 2nd, 3rd, ... attempt; after the last one the notice is given up.
RETRY_AFTER = (dt.timedelta(seconds=30), dt.timedelta(minutes=2), dt.timedelta(minutes=5),
               dt.timedelta(minutes=15), dt.timedelta(minutes=30), dt.timedelta(hours=1),
               dt.timedelta(hours=2), dt.timedelta(hours=4))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
#: How long a claimed notice is left to its sender before another may try it.
CLAIM = dt.timedelta(minutes=2)
RANK = {"safety": 0, "warning": 1, "info": 2}
SENDER = "notify"

SUBJECT = N_("alliance_kit: an alert needs attention")
TEXT = N_("An alert needs attention. Log in to see it (this message holds no client "
          "information):")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def teams_of_client(session: Session, client_id: int) -> list[int | None]:
    """The clinics (teams) of a client's care team; [None] when none of them has a team."""
    teams = sorted(set(session.execute(
        select(User.team_id).join(CareTeam, CareTeam.user_id == User.id)
        .where(CareTeam.client_id == client_id)).scalars()), key=lambda t: (t is None, t))
    named = [team for team in teams if team is not None]
    return named or [None]


def queue(session: Session, client_id: int, response_id: int,
          alerts: Iterable[Mapping[str, Any]]) -> int:
    """Queue notices for alerts just raised (inside the caller's transaction): one per
    clinic channel whose settings ask for the most severe of them. Returns how many."""
    severities = [a["severity"] for a in alerts if a.get("severity") in RANK]
    if not severities:
        return 0
    top = min(severities, key=RANK.__getitem__)
    queued = 0
    for team_id in teams_of_client(session, client_id):
        row = session.get(Setting, notify_settings.key(team_id))
        wanted = notify_settings.from_dict(row.value if row else None)
        if top not in wanted.severities:
            continue
        for channel in wanted.channels:
            session.add(Notification(team_id=team_id, channel=channel,
                                     response_id=response_id, severity=top))
            queued += 1
    return queued


def notice_for(row: Notification, team_name: str, wanted: notify_settings.NotifySettings
               ) -> Notice:
    """The notice a queued row stands for, in the clinic's language, without client data."""
    _ = t(wanted.language)
    return Notice(id=f"alliance-kit-{row.id}", subject=_(SUBJECT), text=_(TEXT),
                  link=f"{wanted.app_url.rstrip('/')}/caseload", severity=row.severity,
                  clinic=team_name, created_at=_aware(row.created_at))


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt did."""

    notification_id: int
    channel: str
    ok: bool
    detail: str
    gave_up: bool = False


def deliver_due(store: Store, plugins: Plugins, *, now: dt.datetime | None = None,
                limit: int = 50) -> list[Attempt]:
    """Send every notice that is due (oldest first); returns what each attempt did."""
    attempts = []
    for row_id in _due(store, now or utcnow(), limit):
        attempt = deliver_one(store, plugins, row_id, now=now)
        if attempt is not None:
            attempts.append(attempt)
    return attempts


def _due(store: Store, now: dt.datetime, limit: int) -> list[int]:
    with store.read() as session:
        return list(session.scalars(
            select(Notification.id)
            .where(Notification.delivered_at.is_(None), Notification.gave_up_at.is_(None),
                   Notification.next_attempt_at <= now)
            .order_by(Notification.id).limit(limit)))


def deliver_one(store: Store, plugins: Plugins, notification_id: int, *,
                now: dt.datetime | None = None) -> Attempt | None:
    """Claim one due notice and try it; None when another sender has it or it is done."""
    now = now or utcnow()
    claimed = store.write(lambda session: _claim(session, notification_id, now))
    if claimed is None:
        return None
    row, team_name, wanted = claimed
    options = wanted.channels.get(row.channel)
    try:
        if options is None:
            raise DeliveryFailed(f"the clinic no longer has a {row.channel!r} channel")
        if not wanted.app_url:
            raise DeliveryFailed("the clinic's notification settings have no app address")
        outcome = plugins.notify(notice_for(row, team_name, wanted), row.channel, options)
        if outcome is None:
            raise DeliveryFailed(f"no installed plugin delivers the channel {row.channel!r}")
    except Exception as exc:  # any failure is recorded and retried, never lost
        detail = str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
        return store.write(lambda session: _failed(session, row.id, detail[:1000], now))
    _, what = outcome
    return store.write(lambda session: _delivered(session, row.id, what[:500], now))


def _claim(session: Session, notification_id: int, now: dt.datetime):
    row = session.get(Notification, notification_id)
    if row is None or row.delivered_at is not None or row.gave_up_at is not None \
            or _aware(row.next_attempt_at) > now:
        return None
    # Moving next_attempt_at on claims the row: a sender that read the old value loses.
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == notification_id,
               Notification.next_attempt_at == row.next_attempt_at)
        .values(next_attempt_at=now + CLAIM, attempts=Notification.attempts + 1)
        .execution_options(synchronize_session="fetch"))
    if claimed.rowcount != 1:
        return None
    session.refresh(row)
    team = session.get(Team, row.team_id) if row.team_id is not None else None
    stored = session.get(Setting, notify_settings.key(row.team_id))
    wanted = notify_settings.from_dict(stored.value if stored else None)
    session.expunge(row)
    return row, team.name if team else "", wanted


def _delivered(session: Session, notification_id: int, what: str, now: dt.datetime) -> Attempt:
    row = session.get(Notification, notification_id)
    row.delivered_at, row.last_error = now, None
    audit.append(session, actor=SENDER, action="notify", entity="notification",
                 entity_id=row.id, details={"channel": row.channel, "attempt": row.attempts,
                                            "severity": row.severity, "done": what})
    return Attempt(row.id, row.channel, True, what)


def _failed(session: Session, notification_id: int, error: str, now: dt.datetime) -> Attempt:
    row = session.get(Notification, notification_id)
    row.last_error = error
    gave_up = row.attempts >= MAX_ATTEMPTS
    if gave_up:
        row.gave_up_at = now
    else:
        row.next_attempt_at = now + RETRY_AFTER[row.attempts - 1]
    audit.append(session, actor=SENDER, action="notify-gave-up" if gave_up else "notify-failed",
                 entity="notification", entity_id=row.id,
                 details={"channel": row.channel, "attempt": row.attempts, "error": error,
                          **({} if gave_up else {"retry_at": row.next_attempt_at.isoformat()})})
    log.warning("notification %s on %s failed (attempt %s): %s", row.id, row.channel,
                row.attempts, error)
    return Attempt(row.id, row.channel, False, error, gave_up)


def send_test(store: Store, plugins: Plugins, actor: Actor, team_id: int | None,
              channel: str | None = None) -> list[Attempt]:
    """Queue a test notice on the clinic's channels (or one) and send it now (admins only).

    It goes through the outbox like any other, so it is audited and retried the same way.
    """
    require_staff(actor, "admin")
    wanted = notify_settings.get(store, team_id)
    channels = [channel] if channel else list(wanted.channels)
    missing = [c for c in channels if c not in wanted.channels]
    if missing or not channels:
        raise ValueError(f"this clinic has no {', '.join(missing) or 'notification'} channel "
                         "set up: save the settings first")

    def work(session: Session) -> list[int]:
        rows = [Notification(team_id=team_id, channel=c, severity="safety") for c in channels]
        session.add_all(rows)
        session.flush()
        audit.append(session, actor=actor.label, action="notify-test", entity="notification",
                     details={"channels": channels, "ids": [r.id for r in rows]})
        return [r.id for r in rows]

    ids = store.write(work)
    return [a for a in (deliver_one(store, plugins, i) for i in ids) if a is not None]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    severity: str
    created_at: dt.datetime
    attempts: int
    state: str
    next_attempt_at: dt.datetime | None
    last_error: str | None


def recent(store: Store, actor: Actor, team_id: int | None, limit: int = 50) -> list[OutboxRow]:
    """A clinic's latest notices and how they went (admins only), newest first."""
    require_staff(actor, "admin")
    with store.read() as session:
        rows = session.scalars(select(Notification).where(
            Notification.team_id.is_(None) if team_id is None else
            Notification.team_id == team_id).order_by(Notification.id.desc()).limit(limit))
        return [OutboxRow(r.id, r.channel, r.severity, _aware(r.created_at), r.attempts,
                          "delivered" if r.delivered_at else "gave up" if r.gave_up_at
                          else "waiting", None if r.delivered_at or r.gave_up_at
                          else _aware(r.next_attempt_at), r.last_error) for r in rows]
