"""The database tables (SQLAlchemy 2). Clients are pseudonymous: a code, optional initials.

Responses and the audit log are append-only: the database itself refuses UPDATE and
DELETE on them (see ``store/guards.py``). A correction is a new response that names the one
it replaces. Scores are derived data: a rescore adds new rows and marks the old ones
not current, keeping them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

ROLES = ("therapist", "supervisor", "admin")
SOURCES = ("kiosk", "import", "staff")
SEVERITIES = ("safety", "urgent", "warning", "info")
#: What became of an appointment (see docs/attendance.md); "scheduled" is a future one.
SESSION_STATUSES = ("attended", "no-show", "cancelled-by-client", "cancelled-by-clinic",
                    "scheduled")
#: How an episode of care ended; "dropped-out" is the only unplanned ending.
END_REASONS = ("completed", "referred", "dropped-out", "other")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, dt.datetime: DateTime(timezone=True)}


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class User(Base):
    """A member of staff. Access to clients follows from assignments and the team."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="ck_users_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]
    #: Bumped when the account is disabled, its role or team changes or its password is
    #: reset: a session logged in with an older version ends at its next page load.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship()


class Client(Base):
    """A client, known only by a pseudonymous code (and optional initials)."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    initials: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CareTeam(Base):
    """Which therapists care for which client."""

    __tablename__ = "care_team"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Episode(Base):
    """An episode of care: from intake to discharge, and how it ended."""

    __tablename__ = "episodes"
    __table_args__ = (CheckConstraint(f"end_reason IN {END_REASONS}", name="ck_episodes_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))


class Session(Base):
    """One appointment and what became of it. Attended sessions are numbered within their
    episode (1, 2, ...: the number responses carry); missed, cancelled and scheduled ones
    have no number until they are attended."""

    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("episode_id", "number"),
        CheckConstraint(f"status IN {SESSION_STATUSES}", name="ck_sessions_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    number: Mapped[int | None] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    #: The appointment's time of day, when one was booked.
    time: Mapped[dt.time | None] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(24), default="attended",
                                        server_default="attended")
    status_reason: Mapped[str | None] = mapped_column(Text)


class Assignment(Base):
    """Which instrument is due when: e.g. srs at the end of every session, phq-9 every 4th."""

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("timing IN ('session-start', 'session-end')", name="ck_assign_timing"),
        CheckConstraint("every >= 1", name="ck_assign_every"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(64))
    timing: Mapped[str] = mapped_column(String(16), default="session-end")
    every: Mapped[int] = mapped_column(Integer, default=1)
    first_session: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Response(Base):
    """One submitted questionnaire, exactly as answered. Never updated, never deleted."""

    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"source IN {SOURCES}", name="ck_responses_source"),
        Index("ix_responses_client_instrument", "client_id", "instrument_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"), index=True)
    session_number: Mapped[int | None] = mapped_column(Integer)
    instrument_id: Mapped[str] = mapped_column(String(64))
    instrument_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: Respondent attributes the rules need (e.g. sex for AUDIT-C), not identity.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: A correction names the response it replaces; the original stays.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"), unique=True)
    #: SHA-256 of the canonical payload, so a retried key with other answers is refused.
    payload_hash: Mapped[str] = mapped_column(String(64))


class Score(Base):
    """One score of one response, with the versions that produced it."""

    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_response_current", "response_id", "current"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id"))
    score_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    instrument_version: Mapped[str] = mapped_column(String(32))
    engine_version: Mapped[str] = mapped_column(String(32))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class Alert(Base):
    """An alert: raised by an instrument's rule for one response, or by an attendance rule
    for a client (``instrument_id`` "attendance", no response, ``trigger_key`` naming what
    raised it, so the same finding is stored once)."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint(f"severity IN {SEVERITIES}", name="ck_alerts_severity"),
        UniqueConstraint("response_id", "rule_id"),
        UniqueConstraint("client_id", "instrument_id", "rule_id", "trigger_key",
                         name="uq_alerts_trigger"),
        Index("ix_alerts_client_open", "client_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    instrument_id: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_type: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    #: The appointment an attendance alert is about, if one.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    #: What raised an attendance alert, once (e.g. "session:12"); None for response alerts.
    trigger_key: Mapped[str | None] = mapped_column(String(80))


class AuditEntry(Base):
    """One line of the append-only, hash-chained audit log."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    client_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HandoverCode(Base):
    """A one-time code a client types on a kiosk tablet to open their questionnaires.

    Only a hash of the code is stored; a code works once and expires.
    """

    __tablename__ = "handover_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id"))
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class Setting(Base):
    """A clinic-wide setting (enabled instruments, alert settings, kiosk PIN hash, ...)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(80))


class WhatWorksNote(Base):
    """What works for one client, as staff recorded it: the client's own reasons for change,
    the approach chosen, and the guidance entries picked. Append-only: a newer note follows
    an older one (the history), and the database refuses UPDATE and DELETE."""

    __tablename__ = "what_works_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    written_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who wrote it, as the audit log names them.
    author: Mapped[str] = mapped_column(String(80))
    reasons: Mapped[str] = mapped_column(Text, default="")
    approach: Mapped[str] = mapped_column(Text, default="")
    #: Guidance entries picked: [{"pack", "id", "title"}], titles as they were then.
    guidance: Mapped[list[Any]] = mapped_column(JSON, default=list)


class Notification(Base):
    """One message to send about alerts, on one of a clinic's channels (the outbox).

    Written in the transaction that raised the alerts, delivered after it, retried until it
    goes through or the attempts run out. The message itself holds no client data.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "delivered_at", "gave_up_at",
                            "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The clinic (team) whose settings say where it goes; None: staff without a team.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    channel: Mapped[str] = mapped_column(String(40))
    #: The response whose alerts it is about (for the audit trail, never in the message).
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id"))
    severity: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    gave_up_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertOpening(Base):
    """A member of staff opened the client page showing an alert: its banner goes away."""

    __tablename__ = "alert_openings"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
