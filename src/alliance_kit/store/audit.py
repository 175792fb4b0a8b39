"""The append-only, hash-chained audit log: every read of client data and every write.

Each entry's hash covers its own fields and the previous entry's hash, and entries are
numbered 1, 2, 3, ... without gaps, so a changed, inserted or deleted entry breaks the
chain where it happened. ``verify`` walks the chain. The database refuses UPDATE and
DELETE on the table (``guards.py``); the chain catches what is done around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from alliance_kit.store.models import AuditEntry, utcnow

GENESIS = "0" * 64
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
) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the entry's fields."""
    body = json.dumps(
        [seq, _canonical_time(at), actor, action, entity, entity_id, client_id, details],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


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
    """Add one entry in the caller's (write) transaction."""
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
        hash=entry_hash(seq, at, actor, action, entity, entity_id, client_id, details, prev_hash),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks and how."""

    seq: int
    message: str

    def __str__(self) -> str:
        return f"audit entry {self.seq}: {self.message}"


def verify(entries: Iterable[AuditEntry]) -> list[ChainProblem]:
    """Every break in the chain: a changed entry, a missing one, or one out of place."""
    problems = []
    expected_seq, prev_hash = 1, GENESIS
    for entry in entries:
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
        recomputed = entry_hash(
            entry.seq,
            entry.at,
            entry.actor,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.client_id,
            entry.details or {},
            entry.prev_hash,
        )
        if recomputed != entry.hash:
            problems.append(ChainProblem(entry.seq, "its content was changed after it was written"))
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    return problems


def verify_store(session: Session, batch: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Walk the whole log in order; return (entries checked, problems)."""
    count = 0

    def entries() -> Iterable[AuditEntry]:
        nonlocal count
        query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
        for entry in session.scalars(query):
            count += 1
            yield entry

    problems = verify(entries())
    return count, problems
