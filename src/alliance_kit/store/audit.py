"""The append-only, hash-chained audit log: every read of client data and every write.

Each entry's hash covers its own fields and the previous entry's hash, and entries are
numbered 1, 2, 3, ... without gaps, so a changed, inserted or deleted entry breaks the
chain where it happened. The hash is an HMAC keyed with the clinic's audit key, which is
kept outside the database (:mod:`alliance_kit.store.keys`): without the key nobody can
rewrite an entry and recompute a hash that passes. Entries written before a database had a
key (plain SHA-256) are accepted only at the start of the log, before the first keyed one.
The newest entry's number and hash (the chain head) are recorded outside the database
after each commit, so a cut tail is found too. ``verify`` walks the chain. The database
refuses UPDATE and DELETE on the table and any INSERT that does not extend the chain
(``guards.py``); the chain and the head catch what is done around them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from alliance_kit.store import keys
from alliance_kit.store.guards import GENESIS
from alliance_kit.store.keys import Head
from alliance_kit.store.models import AuditEntry, utcnow

#: Any fixed number: the PostgreSQL advisory lock that serializes appends.
_LOCK_KEY = 7_263_511


def _canonical_time(at: dt.datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def entry_hash(
    seq: int,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    client_id: int | None,
    details: Mapping[str, Any],
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA-256 with ``key`` over the previous hash and a canonical JSON of the entry's
    fields; without a key, the plain SHA-256 of entries written before keys existed."""
    body = json.dumps(
        [seq, _canonical_time(at), actor, action, entity, entity_id, client_id, details],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    message = (prev_hash + body).encode("utf-8")
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    client_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry in the caller's (write) transaction, signed with the audit key."""
    key = keys.of_session(session).require_key()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    last = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = utcnow()
    details = dict(details or {})
    entity_id = None if entity_id is None else str(entity_id)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        client_id=client_id,
        details=details,
        prev_hash=prev_hash,
        hash=entry_hash(seq, at, actor, action, entity, entity_id, client_id, details, prev_hash,
                        key),
    )
    session.add(entry)
    session.flush()
    session.info[keys.PENDING_HEAD] = (entry.seq, entry.hash)
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks and how."""

    seq: int
    message: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.message}" if self.seq else self.message


def verify(entries: Iterable[AuditEntry], key: bytes | None = None,
           report: ChainReport | None = None) -> list[ChainProblem]:
    """Every break in the chain: a changed entry, a missing one, one out of place, or one
    not signed with ``key`` after the first one that is."""
    problems = []
    report = report if report is not None else ChainReport()
    expected_seq, prev_hash = 1, GENESIS
    for entry in entries:
        report.count += 1
        if entry.seq != expected_seq:
            gap = (
                f"entries {expected_seq} to {entry.seq - 1} are missing"
                if entry.seq > expected_seq
                else "is out of order or repeated"
            )
            problems.append(ChainProblem(entry.seq, gap))
        if entry.prev_hash != prev_hash:
            problems.append(
                ChainProblem(
                    entry.seq,
                    "does not follow the entry before it (an entry was removed or changed)",
                )
            )
        fields = (entry.seq, entry.at, entry.actor, entry.action, entry.entity,
                  entry.entity_id, entry.client_id, entry.details or {}, entry.prev_hash)
        if key is not None and hmac.compare_digest(entry_hash(*fields, key), entry.hash):
            report.keyed += 1
        elif entry_hash(*fields) == entry.hash:
            if report.keyed:
                problems.append(ChainProblem(
                    entry.seq, "is not signed with the clinic's audit key although earlier "
                    "entries are: it was written or rewritten by someone without the key"))
            else:
                report.unkeyed += 1
        elif key is None:
            problems.append(ChainProblem(
                entry.seq, "cannot be checked: it is signed, and the audit key is missing "
                f"({report.key_source or 'not configured'})"))
        else:
            problems.append(ChainProblem(entry.seq, "its content was changed after it was written"))
        report.last = Head(entry.seq, entry.hash)
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return problems


@dataclass
class ChainReport:
    """What a walk of the whole log found, besides the problems."""

    count: int = 0
    #: Entries signed with the key, and entries from before the database had one.
    keyed: int = 0
    unkeyed: int = 0
    last: Head | None = None
    #: The head recorded outside the database, and where it was read from.
    head: Head | None = None
    head_source: str | None = None
    key_source: str | None = None
    problems: list[ChainProblem] = field(default_factory=list)
    #: Things worth saying that are not problems (e.g. no head is recorded).
    notes: list[str] = field(default_factory=list)


def check_head(report: ChainReport, head: Head) -> list[ChainProblem]:
    """Compare the log with a chain head recorded outside it: a cut tail or a rewritten
    newest entry is a problem; a log that has grown since is not."""
    last_seq = report.last.seq if report.last is not None else 0
    if head.seq > last_seq:
        return [ChainProblem(head.seq, f"is missing: the log ends at entry {last_seq}, but "
                             f"entry {head.seq} was recorded outside the database"
                             f"{' at ' + head.at if head.at else ''} (from "
                             f"{report.head_source}): entries {last_seq + 1} to {head.seq} "
                             "were cut off the end")]
    return []


def verify_chain(session: Session, batch: int = 5000, head_file=None) -> ChainReport:
    """Walk the whole log in order with the store's key, and compare it with the chain head
    recorded outside the database (``head_file``, else the store's own head file)."""
    secrets = keys.of_session(session)
    report = ChainReport(key_source=secrets.where)
    key = secrets.key()
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    by_seq: dict[int, str] = {}
    try:
        if head_file is not None:
            report.head, report.head_source = Head.read(head_file), str(head_file)
        else:
            report.head = secrets.read_head()
            report.head_source = str(secrets.head_file) if secrets.head_file else None
    except (OSError, ValueError) as exc:
        report.problems.append(ChainProblem(0, f"the chain head outside the database cannot "
                                               f"be read: {exc}"))

    def entries() -> Iterable[AuditEntry]:
        for entry in session.scalars(query):
            if report.head is not None and entry.seq == report.head.seq:
                by_seq[entry.seq] = entry.hash
            yield entry

    report.problems += verify(entries(), key, report)
    if report.head is not None:
        report.problems += check_head(report, report.head)
        recorded = by_seq.get(report.head.seq)
        if recorded is not None and recorded != report.head.hash:
            report.problems.append(ChainProblem(
                report.head.seq, "differs from the chain head recorded outside the database "
                f"(from {report.head_source}): the log was rewritten from here or earlier"))
    elif head_file is None and secrets.head_file is None:
        report.notes.append("no chain head is recorded outside this database, so a cut "
                            "tail cannot be found: set ALLIANCE_KIT_AUDIT_HEAD_FILE (see "
                            "docs/deployment.md)")
    elif report.count:
        report.notes.append(f"no chain head recorded yet in {report.head_source}")
    if report.unkeyed:
        report.notes.append(f"{report.unkeyed} entries were written before this database "
                            "had an audit key (plain SHA-256)")
    return report


def verify_store(session: Session, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole log in order; return (entries checked, problems)."""
    report = verify_chain(session, batch)
    return report.count, report.problems
