"""Attendance alerts: the registered rules, evaluated for a client, stored once each.

Attendance alerts belong to a client, not to a response: they are stored in the alerts
table with ``instrument_id`` :data:`ATTENDANCE`, no response, and a ``trigger_key`` naming
what raised them (``session:12``), unique per client and rule, so evaluating again (or two
processes at once) never stores the same finding twice.

When rules run:

- whenever attendance is recorded for a client (:mod:`alliance_kit.clinic.attendance`, a
  kiosk hand-over, a new session), inside that same transaction;
- for the time-based ones (*not seen*), by :func:`sweep`: ``alliance-kit attendance sweep``
  (run it daily), and for a therapist's own clients on their first caseload view of the day.

A rule marked ``auto_resolve`` closes its open alert, as the system and with a note, once
it no longer applies (the client came back, an appointment was booked, the episode ended).
Rules an admin switched off (``attendance:<rule>`` in the alert settings) raise nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor, require_staff, visible_client_ids
from alliance_kit.clinic.attendance_data import (
    alliance_results,
    appointments,
    episodes,
    policy_in,
    today_or,
)
from alliance_kit.engine.attendance import SESSION_COLUMNS, AttendancePolicy
from alliance_kit.kit import Kit
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Alert, Client
from alliance_kit.types import AttendanceFinding, AttendanceInputs, AttendanceRule

#: The ``instrument_id`` of attendance alerts, and the prefix of their alert settings.
ATTENDANCE = "attendance"
ALLIANCE_COLUMNS = ["session_id", "date", "instrument_id", "value", "low", "why"]


@dataclass
class Evaluated:
    """What evaluating one or more clients changed."""

    raised: list[dict] = field(default_factory=list)
    resolved: int = 0
    #: Rules that failed (a plugin's bug): "rule: error". The others still ran.
    problems: list[str] = field(default_factory=list)

    def add(self, other: Evaluated) -> None:
        self.raised += other.raised
        self.resolved += other.resolved
        self.problems += other.problems


@dataclass
class _Clinic:
    """Everything the rules read, for a set of clients, read once and grouped."""

    #: Each client's latest episode: (episode id, started on, ended on).
    episodes: dict[int, tuple[int, dt.date, dt.date | None]]
    #: Appointments and alliance results by episode id.
    sessions: dict[int, pd.DataFrame]
    alliance: dict[int, pd.DataFrame]
    #: (client, rule, trigger) of every stored attendance alert, and the open ones' ids.
    stored: set[tuple[int, str, str]]
    open: dict[tuple[int, str], list[tuple[int, str]]]

    @property
    def clients(self) -> list[int]:
        return sorted(self.episodes)


def _read(session: Session, kit: Kit, client_ids) -> _Clinic:
    stored: set[tuple[int, str, str]] = set()
    open_alerts: dict[tuple[int, str], list[tuple[int, str]]] = {}
    query = select(Alert.id, Alert.client_id, Alert.rule_id, Alert.trigger_key,
                   Alert.acknowledged_at).where(Alert.instrument_id == ATTENDANCE)
    if client_ids is not None:
        query = query.where(Alert.client_id.in_(client_ids))
    for alert_id, client_id, rule_id, trigger, acknowledged in session.execute(query):
        stored.add((client_id, rule_id, trigger))
        if acknowledged is None:
            open_alerts.setdefault((client_id, rule_id), []).append((alert_id, trigger))
    latest = {int(e.client_id): (int(e.episode_id), e.started_on,
                                 None if pd.isna(e.ended_on) else e.ended_on)
              for e in episodes(session, client_ids).itertuples(index=False)}
    sessions = appointments(session, client_ids)
    alliance = alliance_results(session, kit, client_ids)
    episode_of = dict(zip(sessions["session_id"], sessions["episode_id"], strict=True))
    alliance = alliance.assign(episode_id=alliance["session_id"].map(episode_of))
    # Only the clients' current episodes matter; select the columns once, then split.
    current = {episode_id for episode_id, _, _ in latest.values()}
    sessions = sessions[sessions["episode_id"].isin(current)]
    alliance = alliance[alliance["episode_id"].isin(current)]
    return _Clinic(
        latest,
        {int(k): g.reset_index(drop=True) for k, g in
         sessions[SESSION_COLUMNS].groupby(sessions["episode_id"], sort=False)},
        {int(k): g.reset_index(drop=True) for k, g in
         alliance[ALLIANCE_COLUMNS].groupby(alliance["episode_id"], sort=False)},
        stored, open_alerts)


def inputs_for(clinic: _Clinic, client_id: int, policy: AttendancePolicy,
               today: dt.date) -> AttendanceInputs | None:
    """The rules' view of one client; None when their current episode has ended."""
    if client_id not in clinic.episodes:
        return None
    episode_id, started_on, ended_on = clinic.episodes[client_id]
    if ended_on is not None:
        return None
    sessions = clinic.sessions.get(episode_id)
    if sessions is None:
        sessions = pd.DataFrame(columns=SESSION_COLUMNS)
    alliance = clinic.alliance.get(episode_id)
    if alliance is None:
        alliance = pd.DataFrame(columns=ALLIANCE_COLUMNS)
    return AttendanceInputs(int(client_id), sessions, alliance, policy, today, started_on)


def _plan(kit: Kit, clinic: _Clinic, client_id: int, policy: AttendancePolicy,
          switched: settings.AlertSettings, today: dt.date
          ) -> tuple[list[tuple[AttendanceRule, AttendanceFinding]], list[tuple[int, str]],
                     list[str]]:
    """(new findings, open alerts that no longer apply, problems) for one client. Once the
    episode has ended every open attendance alert no longer applies."""
    inputs = inputs_for(clinic, client_id, policy, today)
    new, stale, problems = [], [], []
    for rule in kit.attendance_rules.values():
        found: list[AttendanceFinding] = []
        if inputs is not None and switched.enabled(ATTENDANCE, rule.name):
            try:
                found = list(rule.evaluate(inputs))
            except Exception as exc:  # a plugin's bug must not block recording attendance
                problems.append(f"{rule.name}: {type(exc).__name__}: {exc}")
                continue
        triggers = {f.trigger for f in found}
        new += [(rule, f) for f in found if (client_id, rule.name, f.trigger) not in clinic.stored]
        if rule.auto_resolve or inputs is None:
            stale += [(alert_id, rule.name) for alert_id, trigger
                      in clinic.open.get((client_id, rule.name), []) if trigger not in triggers]
    return new, stale, problems


def _store(session: Session, client_id: int, new, stale, actor_label: str,
           today: dt.date) -> Evaluated:
    done = Evaluated()
    now = dt.datetime.now(dt.UTC)
    for rule, finding in new:
        # A savepoint: if another process stored the same finding first, keep theirs.
        try:
            with session.begin_nested():
                session.add(Alert(
                    response_id=None, client_id=client_id, instrument_id=ATTENDANCE,
                    rule_id=rule.name, rule_type=ATTENDANCE, severity=rule.severity,
                    value=finding.value, message=finding.message[:2000],
                    session_id=finding.session_id, trigger_key=finding.trigger[:80]))
        except IntegrityError:
            continue
        done.raised.append({"client_id": client_id, "rule_id": rule.name,
                            "severity": rule.severity, "message": finding.message})
    for alert_id, rule_name in stale:
        alert = session.get(Alert, alert_id)
        if alert is None or alert.acknowledged_at is not None:
            continue
        alert.acknowledged_at = now
        alert.note = f"No longer applies on {today:%Y-%m-%d} (closed by the system)."
        audit.append(session, actor=actor_label, action="resolve", entity="alert",
                     entity_id=alert_id, client_id=client_id, details={"rule": rule_name})
        done.resolved += 1
    return done


def evaluate_client(session: Session, kit: Kit, client_id: int, *,
                    today: dt.date | None = None,
                    actor_label: str = "system:attendance") -> Evaluated:
    """Run every enabled rule for one client inside the caller's transaction: store new
    findings, close alerts that no longer apply. The caller audits what it did."""
    today = today_or(today)
    clinic = _read(session, kit, [client_id])
    new, stale, problems = _plan(kit, clinic, client_id, policy_in(session),
                                 settings.alert_settings_in(session), today)
    done = _store(session, client_id, new, stale, actor_label, today)
    done.problems += problems
    return done


def sweep(store: Store, kit: Kit, actor: Actor, *, today: dt.date | None = None) -> Evaluated:
    """Evaluate every active client the actor may see (all of them for the system).

    Reads first and writes only for the clients whose alerts change, so running it again
    the same day changes nothing and writes nothing (not even an audit entry).
    """
    require_staff(actor, "therapist", "supervisor", "admin")
    today = today_or(today)
    visible = select(Client.id).where(Client.active, Client.id.in_(visible_client_ids(actor)))
    with store.read() as session:
        clinic = _read(session, kit, visible)
        policy = policy_in(session)
        switched = settings.alert_settings_in(session)
    changing = []
    done = Evaluated()
    for client_id in clinic.clients:
        new, stale, problems = _plan(kit, clinic, int(client_id), policy, switched, today)
        done.problems += problems
        if new or stale:
            changing.append(int(client_id))
    if not changing:
        return done

    def work(session: Session) -> Evaluated:
        result = Evaluated()
        for client_id in changing:
            step = evaluate_client(session, kit, client_id, today=today,
                                   actor_label=actor.label)
            result.raised += step.raised
            result.resolved += step.resolved
        audit.append(session, actor=actor.label, action="sweep", entity="attendance",
                     details={"clients": changing, "raised": len(result.raised),
                              "resolved": result.resolved, "day": today.isoformat()})
        return result

    done.add(store.write(work))
    return done


__all__ = ["ATTENDANCE", "Evaluated", "evaluate_client", "inputs_for", "sweep"]
