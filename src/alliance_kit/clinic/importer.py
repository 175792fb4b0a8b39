"""Importing historical or paper responses: a wide table in, all rows or none stored.

One row per response, one column per item id (blank = missing), plus a client code column
and a session number column. Every row is checked as the kiosk's input is
(:func:`~alliance_kit.engine.scoring.validate_response`), except that a paper form may leave
required items blank (the scores' missing-data rules decide what is scored, and a blank
safety item raises its own alert); clients are looked up by code (never
created), missing sessions are added, and then everything is written in ONE transaction
through :class:`~alliance_kit.clinic.services.Services`, so a rejected row or a crash midway
leaves the database as it was. Idempotency keys come from the row's content, so running
the same import again stores nothing twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from alliance_kit.clinic.access import Actor, visible_client_ids
from alliance_kit.clinic.services import Services
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import read_answers
from alliance_kit.engine.scoring import validate_response
from alliance_kit.store import audit
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Client, Episode, Response
from alliance_kit.store.models import Session as SessionRow

T = TypeVar("T")

#: Data rows are numbered as a spreadsheet shows them: the header is row 1.
FIRST_DATA_ROW = 2
#: Namespace of the idempotency keys of imported rows (a fixed, random UUID).
IMPORT_NAMESPACE = uuid.UUID("6f1d3c1e-6a53-4d55-9a2e-0b7f3f6c2a41")


# ---- one transaction for many service calls ----------------------------------------------


@dataclass
class _JoinedStore(Store):
    """A store whose reads and writes all run in one caller's transaction, uncommitted."""

    joined: Session | None = None

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self.joined

    def write(self, work: Callable[[Session], T]) -> T:
        result = work(self.joined)
        self.joined.flush()
        return result


def in_one_transaction(services: Services, work: Callable[[Services], T]) -> T:
    """Run ``work`` with a Services whose every call joins one transaction, committed at the
    end: if anything raises, nothing ``work`` did is stored.

    Stop-gap until Services offers batches itself: it relies on Services touching the
    database only through ``store.read()`` and ``store.write()``. Like any
    ``Store.write`` work, ``work`` may be run again on a retryable conflict, so it must do
    nothing outside the database.
    """
    store = services.store

    def outer(session: Session) -> T:
        joined = _JoinedStore(store.engine, store.sessions, joined=session)
        return work(Services(joined, services.kit))

    return store.write(outer)


# ---- the report -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedRow:
    """One reason a row cannot be imported: its row as a spreadsheet numbers it, the column."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column!r}: {self.reason}"


@dataclass
class ImportReport:
    """What an import stored, would store (dry run), or why it stored nothing."""

    instrument_id: str
    source_name: str
    rows: int
    dry_run: bool = False
    #: New responses stored (or that a dry run would store).
    imported: int = 0
    #: Rows already stored by an earlier run of the same import: skipped.
    already_stored: int = 0
    sessions_created: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    unknown_clients: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Alerts the stored responses raised, as "client code: instrument rule".
    alerts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def written(self) -> bool:
        """Whether anything was stored in the database."""
        return self.ok and not self.dry_run and (self.imported > 0 or self.sessions_created > 0)

    def summary(self) -> str:
        """One line for people."""
        if not self.ok:
            return (f"{self.source_name}: {len(self.rejected)} problem(s) in "
                    f"{len({r.row for r in self.rejected})} of {self.rows} row(s); "
                    "nothing was imported")
        verb = "would import" if self.dry_run else "imported"
        text = (f"{self.source_name}: {verb} {self.imported} {self.instrument_id} "
                f"response(s), {self.already_stored} already stored, "
                f"{self.sessions_created} new session(s)")
        return text + ("; dry run: nothing was written" if self.dry_run else "")


# ---- planning -------------------------------------------------------------------------------


@dataclass
class _Row:
    """One row that passed every check, ready to submit."""

    row: int
    code: str
    client_id: int
    number: int
    date: dt.date | None
    answers: dict[str, Any]
    attributes: dict[str, Any]
    key: str
    session_id: int | None = None


@dataclass
class _ClientState:
    """What the database already holds for one client (its current episode)."""

    client_id: int
    sessions: dict[int, tuple[int, dt.date]]


def import_table(
    services: Services,
    actor: Actor,
    instrument_id: str,
    frame: pd.DataFrame,
    *,
    client_column: str,
    session_column: str,
    date_column: str | None = None,
    session_date: dt.date | None = None,
    source_name: str = "imported table",
    dry_run: bool = False,
) -> ImportReport:
    """Check every row of ``frame``, then store all of them in one transaction, or none.

    Clients are found by code among those ``actor`` may see; an unknown code rejects its
    row (clients are never created here). A session number the client does not have yet is
    created, dated from ``date_column`` or else ``session_date``; new session numbers must
    follow on from the client's last session without gaps. Columns that are neither items
    nor the instrument's respondent attributes are ignored (the report warns).

    Raises KeyError for an unknown instrument and ValueError for a missing column.
    """
    instrument = services.kit.instrument(instrument_id)
    for option, column in (("client", client_column), ("session", session_column),
                           ("date", date_column)):
        if column is not None and column not in frame.columns:
            raise ValueError(f"{source_name}: no {option} column {column!r} (columns: "
                             f"{', '.join(map(str, frame.columns))})")
    frame = frame.reset_index(drop=True)
    report = ImportReport(instrument.id, source_name, len(frame), dry_run=dry_run)
    if frame.empty:
        report.warnings.append("the table has no rows: nothing to import")
        return report
    _warn_ignored(instrument, frame, {client_column, session_column, date_column}, report)

    codes = frame[client_column].map(_text)
    clients = _clients(services, actor, set(codes) - {""})
    rows = _check_rows(instrument, frame, codes, clients, report, client_column=client_column,
                       session_column=session_column, date_column=date_column,
                       session_date=session_date)
    if report.rejected:
        report.rejected.sort(key=lambda r: (r.row, r.column))
        return report

    new = _drop_stored(services, instrument, rows, report)
    if report.rejected:
        report.rejected.sort(key=lambda r: (r.row, r.column))
        return report
    report.imported = len(new)
    report.sessions_created = len({(r.client_id, r.number) for r in new
                                   if r.session_id is None})
    if dry_run or not new:
        return report

    def work(batch: Services) -> list[str]:
        raised = []
        created: dict[tuple[int, int], int] = {}
        for row in sorted(new, key=lambda r: (r.client_id, r.number, r.row)):
            if row.session_id is None and (row.client_id, row.number) not in created:
                created[row.client_id, row.number] = batch.add_session(
                    actor, row.client_id, row.date, therapist_id=actor.user_id)
            session_id = row.session_id or created[row.client_id, row.number]
            saved = batch.submit_response(
                actor, client_id=row.client_id, instrument_id=instrument.id,
                answers=row.answers, attributes=row.attributes, idempotency_key=row.key,
                session_id=session_id, source="import", complete=False)
            raised += [f"{row.code}: {instrument.id} {a['rule_id']}" for a in saved.alerts]
        store = batch.store
        assert isinstance(store, _JoinedStore)
        audit.append(store.joined, actor=actor.label, action="import", entity="responses",
                     entity_id=instrument.id,
                     details={"source": source_name, "responses": len(new),
                              "sessions": len(created)})
        return raised

    report.alerts = in_one_transaction(services, work)
    return report


def _text(value: Any) -> str:
    """A cell as stripped text ('' for blank); whole numbers from spreadsheets lose '.0'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date().isoformat() if not pd.isna(value) else ""
    return str(value).strip()


def _warn_ignored(instrument: Instrument, frame: pd.DataFrame, used: set, report) -> None:
    known = {item.id for item in instrument.items} | set(instrument.attributes) | used
    ignored = [str(c) for c in frame.columns if c not in known]
    if ignored:
        report.warnings.append(f"column(s) {', '.join(ignored)} are not items of "
                               f"{instrument.id}: ignored")


def _clients(services: Services, actor: Actor, codes: set[str]) -> dict[str, _ClientState]:
    """The clients with these codes that ``actor`` may see, with their current sessions."""
    found: dict[str, _ClientState] = {}
    if not codes:
        return found
    with services.store.read() as session:
        rows = session.execute(
            select(Client.code, Client.id)
            .where(Client.code.in_(codes), Client.id.in_(visible_client_ids(actor)))
        ).all()
        ids = {client_id: code for code, client_id in rows}
        for code, client_id in rows:
            found[code] = _ClientState(client_id, {})
        if not ids:
            return found
        latest: dict[int, int] = {}
        for episode in session.execute(
            select(Episode.client_id, Episode.id).where(Episode.client_id.in_(ids))
            .order_by(Episode.client_id, Episode.started_on, Episode.id)
        ):
            latest[episode.client_id] = episode.id
        for row in session.execute(
            select(SessionRow.client_id, SessionRow.number, SessionRow.id, SessionRow.date)
            .where(SessionRow.episode_id.in_(latest.values()), SessionRow.number.is_not(None))
        ):
            found[ids[row.client_id]].sessions[row.number] = (row.id, row.date)
    return found


def _check_rows(instrument: Instrument, frame: pd.DataFrame, codes: pd.Series,
                clients: dict[str, _ClientState], report: ImportReport, *,
                client_column: str, session_column: str, date_column: str | None,
                session_date: dt.date | None) -> list[_Row]:
    """Every row's problems into ``report``; the rows that have none, ready to submit."""
    reject = report.rejected
    items = [item for item in instrument.items if item.id in frame.columns]
    answers = _answers(instrument, frame, items, reject)
    attributes = [c for c in instrument.attributes if c in frame.columns]
    rows: list[_Row] = []
    seen: dict[tuple[str, int], int] = {}
    for position in range(len(frame)):
        line = position + FIRST_DATA_ROW
        code = codes.iloc[position]
        number = _session_number(frame[session_column].iloc[position])
        if number is None:
            reject.append(RejectedRow(line, session_column, (
                f"{_text(frame[session_column].iloc[position])!r} is not a session number: "
                "give a whole number from 1")))
        date = session_date
        if date_column is not None and _text(frame[date_column].iloc[position]):
            cell = frame[date_column].iloc[position]
            date = _date(cell)
            if date is None:
                reject.append(RejectedRow(line, date_column, f"{_text(cell)!r} is not a date: "
                                          "write it as YYYY-MM-DD"))
        if not code:
            reject.append(RejectedRow(line, client_column, "no client code"))
        elif code not in clients:
            reject.append(RejectedRow(line, client_column, f"unknown client code {code!r}: add "
                                      "the client first (an import never creates clients)"))
            if code not in report.unknown_clients:
                report.unknown_clients.append(code)
        duplicate = False
        if number is not None and code:
            duplicate = (code, number) in seen
            if duplicate:
                reject.append(RejectedRow(line, session_column, f"client {code} session "
                                          f"{number} is already in row {seen[code, number]}: "
                                          "keep one row per client and session"))
            else:
                seen[code, number] = line
        row_answers = answers[position]
        if row_answers is not None:
            # A paper form may have gaps: required items may be blank here (the scores'
            # missing-data rules and the alerts for unanswered items take over), but a row
            # must answer something.
            if not any(v not in (None, "") for v in row_answers.values()):
                reject.append(RejectedRow(line, "", "no item is answered: leave the row out"))
            reject += [RejectedRow(line, error.column, error.message)
                       for error in validate_response(instrument, row_answers, complete=False)]
        if code in clients and number is not None and not duplicate:
            values = {a: _text(frame[a].iloc[position]) for a in attributes}
            row_answers = row_answers or {}
            rows.append(_Row(line, code, clients[code].client_id, number, date, row_answers,
                             {k: v for k, v in values.items() if v},
                             _key(instrument, code, number, row_answers, values)))
    # Rows with bad answers still hold their session number, so one bad value is not
    # reported again as a gap in the sessions after it.
    _check_sessions(rows, clients, reject, session_column, date_column,
                    {problem.row for problem in reject})
    bad = {problem.row for problem in reject}
    return [r for r in rows if r.row not in bad]


def _answers(instrument: Instrument, frame: pd.DataFrame, items, reject) -> list[dict | None]:
    """Each row's answers as JSON values (blank items left out); None for a row with a value
    that is not a number or off its scale (those are reported)."""
    values, errors, _total, _warnings = read_answers(instrument, frame[[i.id for i in items]])
    bad = set()
    for error in errors:
        reject.append(RejectedRow(error.row + FIRST_DATA_ROW, error.column, error.message))
        bad.add(error.row)
    result: list[dict | None] = []
    for position in range(len(frame)):
        if position in bad:
            result.append(None)
            continue
        answers = {}
        for item in items:
            value = values[item.id][position]
            if item.scale_type.numeric:
                if not np.isnan(value):
                    answers[item.id] = int(value) if float(value).is_integer() else float(value)
            elif value is not None and str(value).strip():
                answers[item.id] = str(value)
        result.append(answers)
    return result


def _session_number(value: Any) -> int | None:
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() and number >= 1 else None


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def _key(instrument: Instrument, code: str, number: int, answers: dict, attributes) -> str:
    """The row's idempotency key: instrument, client code, session number and content."""
    content = json.dumps({"answers": answers, "attributes": attributes}, sort_keys=True,
                         separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
    return str(uuid.uuid5(IMPORT_NAMESPACE, f"{instrument.id}\x1f{code}\x1f{number}\x1f{digest}"))


def _check_sessions(rows: list[_Row], clients: dict[str, _ClientState], reject,
                    session_column: str, date_column: str | None, bad: set[int]) -> None:
    """Attach existing sessions; new ones need a date and must follow on without gaps."""
    by_client: dict[str, list[_Row]] = {}
    for row in rows:
        by_client.setdefault(row.code, []).append(row)
    for code, client_rows in by_client.items():
        sessions = clients[code].sessions
        expected = max(sessions, default=0) + 1
        for row in sorted(client_rows, key=lambda r: r.number):
            if row.number in sessions:
                row.session_id = sessions[row.number][0]
                continue
            if row.number != expected:
                last = (f"client {code}'s last session is {expected - 1}" if expected > 1
                        else f"client {code} has no sessions yet")
                reject.append(RejectedRow(row.row, session_column, (
                    f"{last}: session {row.number} would leave a gap; import the sessions "
                    "in between too")))
                continue
            expected += 1
            if row.date is None and row.row not in bad:
                reject.append(RejectedRow(row.row, date_column or session_column, (
                    f"client {code} has no session {row.number} yet and no date for it: "
                    "give a date column (--date-column) or a session date (--session-date)")))


def _drop_stored(services: Services, instrument: Instrument, rows: list[_Row],
                 report: ImportReport) -> list[_Row]:
    """Rows not yet stored; an earlier identical import's rows are counted and skipped,
    and a session that already has a different response to the instrument is rejected."""
    if not rows:
        return []
    with services.store.read() as session:
        stored = set(session.execute(
            select(Response.idempotency_key)
            .where(Response.idempotency_key.in_([r.key for r in rows]))
        ).scalars())
        answered = set(session.execute(
            select(Response.session_id)
            .where(Response.instrument_id == instrument.id,
                   Response.session_id.in_([r.session_id for r in rows if r.session_id]))
        ).scalars())
    new = []
    for row in rows:
        if row.key in stored:
            report.already_stored += 1
        elif row.session_id in answered:
            report.rejected.append(RejectedRow(row.row, "", (
                f"client {row.code} session {row.number} already has a different "
                f"{instrument.id} response: correct it in the app instead of importing")))
        else:
            new.append(row)
    if report.rejected:
        report.already_stored = 0
        return []
    return new


__all__ = ["ImportReport", "RejectedRow", "import_table", "in_one_transaction"]
