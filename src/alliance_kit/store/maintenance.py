"""Integrity checks and online backups of the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from alliance_kit.store import audit, keys, migrate, names
from alliance_kit.store.engine import Store, StoreError, open_store
from alliance_kit.store.integrity import payload_hash
from alliance_kit.store.models import Response


@dataclass
class CheckReport:
    """What ``alliance-kit db check`` found: empty ``problems`` means all is well."""

    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: Worth knowing, not wrong (e.g. entries from before the audit key existed).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(store: Store) -> CheckReport:
    """Schema revision, SQLite integrity and foreign keys, the audit chain, the submitted
    answers, and client codes and staff names (see :mod:`alliance_kit.store.names`)."""
    report = CheckReport()
    revision, newest = migrate.current(store), migrate.head()
    report.checked.append(f"schema revision {revision}")
    if revision != newest:
        report.problems.append(f"the schema is at {revision}, this version needs {newest}: "
                               "run `alliance-kit db upgrade` (after a backup)")
    if store.dialect == "sqlite":
        try:
            _check_sqlite(store, report)
        except DBAPIError as exc:
            report.problems.append(f"SQLite integrity: the file cannot be read whole "
                                   f"({exc.orig}): the database is damaged; restore it from "
                                   "a backup")
            return report
    else:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    if revision is not None:
        try:
            with store.read() as session:
                chain = audit.verify_chain(session)
                report.checked.append(f"audit log chain ({chain.count} entries)")
                report.problems += [str(problem) for problem in chain.problems]
                report.notes += chain.notes
                checked, changed = _verify_payloads(session)
                report.checked.append(f"submitted answers ({checked} responses)")
                report.problems += changed
                checked, unsafe = names.stored_name_problems(session)
                report.checked.append(f"client codes and staff names ({checked} rows)")
                report.problems += unsafe
        except StoreError as exc:
            report.problems.append(str(exc))
        except (DBAPIError, ValueError, TypeError) as exc:
            report.problems.append(f"stored rows cannot be read back ({exc}): the database "
                                   "is damaged; restore it from a backup")
    return report


def _verify_payloads(session) -> tuple[int, list[str]]:
    """Every response's answers still hash to what was stored when it was submitted.

    Hashes are keyed with the audit key; a plain hash is accepted only for responses
    stored before the first keyed one (before the database had a key).
    """
    changed = []
    count = keyed = 0
    secrets = keys.of_session(session)
    key = secrets.key()
    query = select(Response).order_by(Response.id).execution_options(yield_per=2000)
    for response in session.scalars(query):
        count += 1
        payload = dict(
            client_id=response.client_id, instrument_id=response.instrument_id,
            version=response.instrument_version, answers=response.answers,
            attributes=response.attributes or {}, session_id=response.session_id,
            replaces_id=response.replaces_id)
        if key is not None and hmac.compare_digest(payload_hash(**payload, key=key),
                                                   response.payload_hash):
            keyed += 1
        elif payload_hash(**payload) == response.payload_hash:
            if keyed:
                changed.append(f"response {response.id}: its payload hash is not signed with "
                               "the audit key although earlier responses' are: it was "
                               "rewritten by someone without the key")
        elif key is None:
            changed.append(f"response {response.id}: cannot be checked without the audit key "
                           f"({secrets.where})")
        else:
            changed.append(f"response {response.id}: its answers no longer match what was "
                           "submitted (changed after saving)")
    return count, changed[:50]


def _check_sqlite(store: Store, report: CheckReport) -> None:
    with store.engine.connect() as connection:
        rows = [r[0] for r in connection.exec_driver_sql("PRAGMA integrity_check")]
        report.checked.append("SQLite integrity_check")
        if rows != ["ok"]:
            report.problems += [f"SQLite integrity: {row}" for row in rows[:20]]
        broken = list(connection.exec_driver_sql("PRAGMA foreign_key_check"))
        report.checked.append("foreign keys")
        report.problems += [f"table {row[0]} row {row[1]} refers to a missing {row[2]} row"
                            for row in broken[:20]]


def manifest_of(target: Path) -> Path:
    """The manifest written next to a backup: ``<backup>.manifest.json``."""
    return Path(target).with_name(Path(target).name + ".manifest.json")


def _write_manifest(path: Path, copy: Path, head: tuple[int, str] | None) -> None:
    """What a backup holds, kept outside it: its SHA-256 and the audit chain head, so a
    restored database (or the live one, later) can be checked against it with
    ``alliance-kit audit verify --head <manifest>``."""
    digest = hashlib.sha256()
    with copy.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    manifest = {"created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "sha256": digest.hexdigest(),
                "audit_head": None if head is None else {"seq": head[0], "hash": head[1]}}
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def backup(store: Store, target: Path) -> Path:
    """Copy a SQLite database, consistently, while it is in use (SQLite's online backup),
    with a manifest next to it (:func:`manifest_of`)."""
    source = store.sqlite_path
    if source is None:
        raise StoreError("backup copies SQLite databases; for PostgreSQL use pg_dump "
                         "(see docs/deployment.md)")
    target = Path(target)
    if target.exists() or manifest_of(target).exists():
        raise StoreError(f"{target} already exists: choose a new file name (nothing was "
                         "overwritten)")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, \
                sqlite3.connect(partial) as dst:
            src.backup(dst)
        copy = open_store(f"sqlite:///{partial}")
        try:
            with copy.engine.connect() as connection:
                result = connection.exec_driver_sql("PRAGMA integrity_check").scalar()
        finally:
            copy.close()
        if result != "ok":
            raise StoreError(f"the backup failed its integrity check ({result}): not kept")
        # Make the copy a single self-contained file before it takes its final name.
        with sqlite3.connect(partial) as connection:
            connection.execute("PRAGMA journal_mode=DELETE")
            head = connection.execute(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        _write_manifest(manifest_of(target), partial, head)
        partial.rename(target)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(f"{target}: backup failed: {exc}") from None
    finally:
        for leftover in (partial, partial.with_name(partial.name + "-wal"),
                         partial.with_name(partial.name + "-shm")):
            leftover.unlink(missing_ok=True)
    return target
