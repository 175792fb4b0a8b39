"""Importing historical attendance: a table of appointments in, all rows or none stored.

One row per appointment: a client code, a date (YYYY-MM-DD), a status (one of
:data:`~alliance_kit.engine.attendance.STATUSES`), and optionally a reason and a time of day
(HH:MM). Every row is checked before anything is written: clients are found by code among
those the actor may see (never created), the status must exist and fit the date, and the
date must fall in one of the client's episodes. Then everything is written in ONE
transaction. An appointment already stored for that client, day (and time) is updated
when its outcome was not recorded yet, and counted as already stored when it is the same,
so running the same import again changes nothing. Attendance alerts are evaluated once per
client, after the whole table is in.

Attended sessions are numbered in date order (the numbers responses carry): an attended
appointment dated before a client's numbered session cannot be added, so import attendance
before the responses of later sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from alliance_kit.clinic.access import Actor, require_staff, visible_client_ids
from alliance_kit.clinic.attendance_alerts import evaluate_client
from alliance_kit.clinic.attendance_data import (
    appointments,
    episodes,
    mark_attended,
    today_or,
)
from alliance_kit.clinic.importer import FIRST_DATA_ROW, RejectedRow, in_one_transaction
from alliance_kit.clinic.services import Services
from alliance_kit.engine.attendance import ATTENDED, SCHEDULED, STATUSES, status_problem
from alliance_kit.store import audit
from alliance_kit.store.models import Client
from alliance_kit.store.models import Session as SessionRow

MAX_REASON = 500


@dataclass
class AttendanceImport:
    """What an attendance import stored, would store (dry run), or why it stored nothing."""

    source_name: str
    rows: int
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    already_stored: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    unknown_clients: list[str] = field(default_factory=list)
    #: Attendance alerts raised once everything was in, as "client code: rule".
    alerts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    def summary(self) -> str:
        if not self.ok:
            return (f"{self.source_name}: {len(self.rejected)} problem(s) in "
                    f"{len({r.row for r in self.rejected})} of {self.rows} row(s); nothing "
                    "was imported")
        verb = "would add" if self.dry_run else "added"
        text = (f"{self.source_name}: {verb} {self.created} appointment(s), "
                f"{'would update' if self.dry_run else 'updated'} {self.updated}, "
                f"{self.already_stored} already stored")
        return text + ("; dry run: nothing was written" if self.dry_run else "")


@dataclass
class _Row:
    row: int
    code: str
    client_id: int
    date: dt.date
    status: str
    reason: str | None
    time: dt.time | None
    episode_id: int | None = None
    #: The stored appointment this row updates, if any.
    session_id: int | None = None


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.isoformat()
    return str(value).strip()


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def _time(value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(_text(value))


def import_attendance(services: Services, actor: Actor, frame: pd.DataFrame, *,
                      client_column: str, date_column: str, status_column: str,
                      reason_column: str | None = None, time_column: str | None = None,
                      source_name: str = "attendance table", dry_run: bool = False,
                      today: dt.date | None = None) -> AttendanceImport:
    """Check every row, then store all of them in one transaction, or none (see the
    module's doc). Raises ValueError for a column that is not there."""
    require_staff(actor, "therapist", "supervisor", "admin")
    today = today_or(today)
    for option, column in (("client", client_column), ("date", date_column),
                           ("status", status_column), ("reason", reason_column),
                           ("time", time_column)):
        if column is not None and column not in frame.columns:
            raise ValueError(f"{source_name}: no {option} column {column!r} (columns: "
                             f"{', '.join(map(str, frame.columns))})")
    frame = frame.reset_index(drop=True)
    report = AttendanceImport(source_name, len(frame), dry_run)
    codes = {_text(c) for c in frame[client_column]} - {""}
    with services.store.read() as session:
        clients = dict(session.execute(select(Client.code, Client.id).where(
            Client.code.in_(codes), Client.id.in_(visible_client_ids(actor)))).all())
        ids = list(clients.values())
        stored = appointments(session, ids)
        spells = episodes(session, ids)
    rows = _check_rows(frame, clients, report, today, client_column=client_column,
                       date_column=date_column, status_column=status_column,
                       reason_column=reason_column, time_column=time_column)
    _plan(rows, stored, spells, report, status_column)
    report.rejected.sort(key=lambda r: (r.row, r.column))
    if report.rejected or dry_run or not (report.created or report.updated):
        return report
    todo = [r for r in rows if r.session_id != -1]

    def work(batch: Services) -> list[str]:
        session = batch.store.joined
        touched: dict[int, str] = {}
        for row in sorted(todo, key=lambda r: (r.client_id, r.date, r.row)):
            if row.session_id is not None:
                stored_row = session.get(SessionRow, row.session_id)
                if row.status == ATTENDED:
                    mark_attended(session, stored_row)
                else:
                    stored_row.status = row.status
                stored_row.status_reason = row.reason or stored_row.status_reason
                stored_row.time = stored_row.time or row.time
            else:
                new = SessionRow(episode_id=row.episode_id, client_id=row.client_id,
                                 date=row.date, time=row.time, status=row.status,
                                 status_reason=row.reason, therapist_id=actor.user_id)
                session.add(new)
                session.flush()
                if row.status == ATTENDED:
                    mark_attended(session, new)
            session.flush()
            touched[row.client_id] = row.code
        raised = []
        for client_id, code in touched.items():
            found = evaluate_client(session, batch.kit, client_id, today=today,
                                    actor_label=actor.label)
            raised += [f"{code}: attendance {a['rule_id']}" for a in found.raised]
        audit.append(session, actor=actor.label, action="import", entity="attendance",
                     details={"source": source_name, "created": report.created,
                              "updated": report.updated, "clients": sorted(touched)})
        return raised

    report.alerts = in_one_transaction(services, work)
    return report


def _check_rows(frame: pd.DataFrame, clients: dict[str, int], report: AttendanceImport,
                today: dt.date, *, client_column: str, date_column: str, status_column: str,
                reason_column: str | None, time_column: str | None) -> list[_Row]:
    reject = report.rejected
    rows, seen = [], {}
    for position in range(len(frame)):
        line = position + FIRST_DATA_ROW
        bad = len(reject)
        code = _text(frame[client_column].iloc[position])
        if not code:
            reject.append(RejectedRow(line, client_column, "no client code"))
        elif code not in clients:
            reject.append(RejectedRow(line, client_column, f"unknown client code {code!r}: "
                                      "add the client first (an import never creates clients)"))
            if code not in report.unknown_clients:
                report.unknown_clients.append(code)
        cell = frame[date_column].iloc[position]
        date = _date(cell)
        if date is None:
            reject.append(RejectedRow(line, date_column, f"{_text(cell)!r} is not a date: "
                                      "write it as YYYY-MM-DD"))
        status = _text(frame[status_column].iloc[position]).lower()
        problem = status_problem(status, date or today, today)
        if problem and (date is not None or status not in STATUSES):
            reject.append(RejectedRow(line, status_column, problem))
        time = None
        if time_column is not None and _text(frame[time_column].iloc[position]):
            try:
                time = _time(frame[time_column].iloc[position])
            except ValueError:
                reject.append(RejectedRow(line, time_column, (
                    f"{_text(frame[time_column].iloc[position])!r} is not a time of day: "
                    "write it as HH:MM")))
        reason = None
        if reason_column is not None:
            reason = _text(frame[reason_column].iloc[position])[:MAX_REASON] or None
        key = (code, date, time)
        if len(reject) == bad and key in seen:
            reject.append(RejectedRow(line, date_column, (
                f"client {code} on {date:%Y-%m-%d}"
                f"{f' at {time:%H:%M}' if time else ''} is already in row {seen[key]}: keep "
                "one row per appointment")))
        if len(reject) == bad:
            seen[key] = line
            rows.append(_Row(line, code, clients[code], date, status, reason, time))
    return rows


def _plan(rows: list[_Row], stored: pd.DataFrame, spells: pd.DataFrame,
          report: AttendanceImport, status_column: str) -> None:
    """Match rows to stored appointments and episodes; count what would change."""
    reject = report.rejected
    for row in rows:
        own = stored[(stored["client_id"] == row.client_id) & (stored["date"] == row.date)]
        if row.time is not None:
            own = own[own["time"].map(lambda t, want=row.time: t is None or t == want)]
        match = own.iloc[0] if len(own) else None
        if match is not None and match["status"] == row.status:
            row.session_id = -1
            report.already_stored += 1
            continue
        if match is not None and match["status"] != SCHEDULED and row.status != ATTENDED:
            reject.append(RejectedRow(row.row, status_column, (
                f"client {row.code} on {row.date:%Y-%m-%d} is stored as {match['status']}: "
                "correct it in the app (an import only fills in appointments whose outcome "
                "was not recorded)")))
            continue
        if match is not None:
            row.session_id, row.episode_id = int(match["session_id"]), int(match["episode_id"])
        else:
            mine = spells[spells["client_id"] == row.client_id]
            covering = mine[(mine["started_on"] <= row.date) & mine["ended_on"].map(
                lambda end, day=row.date: end is None or pd.isna(end) or day <= end)]
            if covering.empty:
                reject.append(RejectedRow(row.row, "", (
                    f"no episode of client {row.code} covers {row.date:%Y-%m-%d} (care "
                    f"began {mine['started_on'].min():%Y-%m-%d}): the date is outside the "
                    "client's episodes")))
                continue
            row.episode_id = int(covering.iloc[-1]["episode_id"])
        later = stored[(stored["episode_id"] == row.episode_id) & stored["number"].notna()
                       & (stored["date"] > row.date)]
        if row.status == ATTENDED and len(later):
            first = later.iloc[0]
            reject.append(RejectedRow(row.row, status_column, (
                f"client {row.code} already has session {int(first['number'])} on "
                f"{first['date']:%Y-%m-%d}: an attended session on {row.date:%Y-%m-%d} cannot "
                "be numbered before it; import attendance before the responses of later "
                "sessions")))
            continue
        if match is not None:
            report.updated += 1
        else:
            report.created += 1


__all__ = ["AttendanceImport", "import_attendance"]
