"""Opening the database and write transactions: refusing damaged or missing files without
touching them, SQLite pragmas, retries (SQLite busy, PostgreSQL 40001/40P01), the URL
setting, and a database that cannot be written."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import StoreError, audit, database_url, engine, migrate, open_store
from alliance_kit.store.models import AuditEntry, Response, Score

SYSTEM = Actor.system()


def phq() -> dict:
    return {str(i): 1 for i in range(1, 10)}


def audit_count(store) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def make_sqlite(path: Path, kit=None, rows: int = 5) -> None:
    """A migrated SQLite database with some data, checkpointed into the main file."""
    store = open_store(f"sqlite:///{path}", create=True)
    migrate.upgrade(store)
    if kit is not None:
        services = Services(store, kit)
        user = services.add_user(SYSTEM, "ana", "therapist")
        for i in range(rows):
            client = services.add_client(SYSTEM, f"C{i}", therapist_ids=[user])
            services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                     answers=phq(), idempotency_key=f"k{i}")
    store.close()


def side_files(path: Path) -> list[Path]:
    return [p for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
                        path.with_name(path.name + "-journal")) if p.exists()]


# ---- missing and damaged files -------------------------------------------------------


def test_missing_file_is_refused_and_nothing_is_created(tmp_path):
    path = tmp_path / "sub" / "missing.db"
    with pytest.raises(StoreError, match="alliance-kit db upgrade"):
        open_store(f"sqlite:///{path}")
    assert not path.exists() and not path.parent.exists()
    assert list(tmp_path.iterdir()) == []


def test_create_makes_a_new_file(tmp_path):
    path = tmp_path / "sub" / "new.db"
    store = open_store(f"sqlite:///{path}", create=True)
    try:
        assert path.exists() and migrate.current(store) is None
    finally:
        store.close()


def _damaged(kind: str, good: bytes) -> bytes:
    if kind == "empty":
        return b""
    if kind == "random":
        return os.urandom(16384)
    if kind == "text":
        return b"database_url = 'sqlite:///x.db'\n" * 50
    if kind == "truncated-1000":
        return good[:1000]
    if kind == "truncated-3-pages":
        return good[:3 * 4096]
    if kind == "header-overwritten":
        return b"\0" * 100 + good[100:]
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["empty", "random", "text", "truncated-1000",
                                  "truncated-3-pages", "header-overwritten"])
def test_damaged_file_is_refused_as_damaged_and_left_unchanged(tmp_path, kit, kind):
    good = tmp_path / "good.db"
    make_sqlite(good, kit)
    damaged = tmp_path / "damaged.db"
    content = _damaged(kind, good.read_bytes())
    damaged.write_bytes(content)
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{damaged}")
    message = str(info.value)
    assert "may be damaged" in message, message
    assert "Traceback" not in message
    assert damaged.read_bytes() == content
    assert side_files(damaged) == []


def test_a_directory_instead_of_a_file_is_refused(tmp_path):
    folder = tmp_path / "folder.db"
    folder.mkdir()
    with pytest.raises(StoreError, match="cannot read the database"):
        open_store(f"sqlite:///{folder}")


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_sqlite_is_refused(url):
    with pytest.raises(StoreError, match="in-memory"):
        open_store(url)


def test_unreachable_postgresql_is_a_store_error_without_the_password():
    url = "postgresql+psycopg://alice:s3cret-pw@127.0.0.1:1/nothing?connect_timeout=2"
    with pytest.raises(StoreError, match="cannot open the database") as info:
        open_store(url)
    assert "s3cret-pw" not in str(info.value)


# ---- a database that cannot be written -----------------------------------------------


def _readonly_error():
    return OperationalError("INSERT INTO responses ...", {},
                            sqlite3.OperationalError("attempt to write a readonly database"))


def test_a_read_only_sqlite_file_reports_failure_not_saved(tmp_path, kit, monkeypatch):
    """Root ignores chmod, so the file is made immutable (chattr +i). Where chattr is not
    available the same failure is injected into the write transaction instead."""
    path = tmp_path / "ro.db"
    make_sqlite(path, kit, rows=1)
    content = path.read_bytes()
    immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    try:
        store = open_store(f"sqlite:///{path}")
        services = Services(store, kit)
        if not immutable:
            def broken(*args, **kwargs):
                raise _readonly_error()
            monkeypatch.setattr("alliance_kit.store.audit.append", broken)
        with pytest.raises((DBAPIError, StoreError), match="readonly"):
            services.submit_response(SYSTEM, client_id=1, instrument_id="phq-9",
                                     answers=phq(), idempotency_key="new")
        monkeypatch.undo()
        with store.read() as session:
            assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 1
            assert session.execute(
                select(Response.id).where(Response.idempotency_key == "new")).first() is None
        store.close()
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    assert path.read_bytes() == content


def test_a_failed_write_is_reported_and_nothing_is_kept(services, store, monkeypatch):
    """Both engines: a storage error late in a submission (injected into the audit write)
    propagates — the caller never hears "saved" — it is not retried, and nothing stays."""
    user = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C1", therapist_ids=[user])
    before = audit_count(store)
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise _readonly_error()

    monkeypatch.setattr("alliance_kit.store.audit.append", broken)
    with pytest.raises(OperationalError, match="readonly"):
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers=phq(), idempotency_key="k1")
    monkeypatch.undo()
    assert len(calls) == 1
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(Score)).scalar_one() == 0
    assert audit_count(store) == before


# ---- SQLite settings -----------------------------------------------------------------


def test_sqlite_pragmas_are_in_effect_on_every_connection(tmp_path):
    path = tmp_path / "p.db"
    make_sqlite(path)
    store = open_store(f"sqlite:///{path}")
    try:
        with store.engine.connect() as first, store.engine.connect() as second:
            for connection in (first, second):
                pragma = connection.exec_driver_sql
                assert pragma("PRAGMA journal_mode").scalar() == "wal"
                assert pragma("PRAGMA synchronous").scalar() == 2
                assert pragma("PRAGMA foreign_keys").scalar() == 1
                assert pragma("PRAGMA busy_timeout").scalar() == 30000
    finally:
        store.close()


def test_foreign_keys_are_enforced_on_sqlite(tmp_path):
    path = tmp_path / "fk.db"
    make_sqlite(path)
    store = open_store(f"sqlite:///{path}")
    try:
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO care_team (client_id, user_id) VALUES (404, 404)")
    finally:
        store.close()


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """BEGIN IMMEDIATE: a write transaction holds the lock before it writes anything,
    while a read transaction does not."""
    path = tmp_path / "lock.db"
    make_sqlite(path)
    store = open_store(f"sqlite:///{path}")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)

    def try_lock() -> bool:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        other.execute("ROLLBACK")
        return True

    try:
        with store.read() as session:
            session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            assert try_lock()
        assert store.write(lambda session: try_lock()) is False
    finally:
        other.close()
        store.close()


# ---- retries -------------------------------------------------------------------------


def _locked():
    return OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))


def _serialization_failure():
    return OperationalError("UPDATE ...", {}, psycopg.errors.SerializationFailure(
        "could not serialize access due to concurrent update"))


@pytest.mark.parametrize("failure", [_locked, _serialization_failure])
def test_a_transient_failure_is_retried_and_the_first_attempt_rolled_back(store, failure):
    attempts = []

    def work(session):
        audit.append(session, actor="t", action="view", entity="client")
        attempts.append(1)
        if len(attempts) == 1:
            raise failure()
        return "done"

    assert store.write(work) == "done"
    assert len(attempts) == 2
    assert audit_count(store) == 1                 # the first attempt's entry is gone
    with store.read() as session:
        assert audit.verify_store(session) == (1, [])


def test_a_permanent_failure_is_not_retried(store):
    attempts = []

    def work(session):
        attempts.append(1)
        raise IntegrityError("INSERT ...", {}, Exception("UNIQUE constraint failed"))

    with pytest.raises(IntegrityError):
        store.write(work)
    assert len(attempts) == 1


def test_retries_give_up_after_the_last_attempt(store, monkeypatch):
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: None)
    attempts = []

    def work(session):
        attempts.append(1)
        raise _locked()

    with pytest.raises(OperationalError, match="database is locked"):
        store.write(work)
    assert len(attempts) == engine.MAX_ATTEMPTS


def test_a_real_conflict_is_retried(store, tmp_path):
    """SQLite: another connection holds the write lock for a moment; the write waits and
    succeeds. PostgreSQL: the server raises 40001 and then 40P01 inside the transaction;
    both attempts are retried."""
    attempts = []
    if store.dialect == "sqlite":
        holder = sqlite3.connect(store.sqlite_path, isolation_level=None,
                                 check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        releaser = threading.Timer(0.4, lambda: holder.execute("ROLLBACK"))
        releaser.start()
        started = time.monotonic()

        def work(session):
            attempts.append(1)
            return audit.append(session, actor="t", action="view", entity="client").seq

        try:
            assert store.write(work) == 1
        finally:
            releaser.join()
            holder.close()
        assert time.monotonic() - started >= 0.3
    else:
        def work(session):
            attempts.append(1)
            audit.append(session, actor="t", action="view", entity="client")
            code = {1: "40001", 2: "40P01"}.get(len(attempts))
            if code:
                session.execute(text(
                    f"DO $$ BEGIN RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; "
                    "END $$"))
            return len(attempts)

        assert store.write(work) == 3
    assert audit_count(store) == 1


def test_sqlite_busy_at_begin_is_retried(tmp_path):
    """With BEGIN IMMEDIATE, SQLITE_BUSY surfaces at BEGIN (once the busy timeout runs
    out). That is the "database is locked" a write must retry. Here the busy timeout is
    50 ms and another connection holds the write lock for 0.2 s."""
    path = tmp_path / "busy.db"
    make_sqlite(path)
    store = open_store(f"sqlite:///{path}")
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def short_timeout(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    releaser = threading.Timer(0.2, lambda: holder.execute("ROLLBACK"))
    releaser.start()
    try:
        seq = store.write(lambda session: audit.append(
            session, actor="t", action="view", entity="client").seq)
    finally:
        releaser.join()
        holder.close()
    try:
        assert seq == 1
        assert audit_count(store) == 1
    finally:
        store.close()


def test_concurrent_submissions_with_one_key_store_one_response(services, store):
    user = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C1", therapist_ids=[user])
    results, errors = [], []
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            results.append(services.submit_response(
                SYSTEM, client_id=client, instrument_id="phq-9", answers=phq(),
                idempotency_key="same"))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.created for r in results) == [False, False, False, True]
    assert len({r.response_id for r in results}) == 1
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Response)).scalar_one() == 1
        assert audit.verify_store(session)[1] == []


# ---- which database ------------------------------------------------------------------


def test_database_url_precedence(database_url, tmp_path, monkeypatch):
    config = tmp_path / "alliance.toml"
    config.write_text(f'database_url = "{database_url}"\n')
    other = tmp_path / "other.toml"
    other.write_text('database_url = "sqlite:////nowhere/other.db"\n')

    monkeypatch.delenv(engine.DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(engine.CONFIG_ENV, raising=False)
    assert engine.database_url() == "sqlite:///alliance_kit.db" == engine.DEFAULT_URL

    monkeypatch.setenv(engine.CONFIG_ENV, str(config))
    assert engine.database_url() == database_url
    opened = open_store()                           # no URL: the configured one
    try:
        assert migrate.current(opened) == migrate.head()
    finally:
        opened.close()

    monkeypatch.setenv(engine.CONFIG_ENV, str(other))
    monkeypatch.setenv(engine.DATABASE_URL_ENV, database_url)
    assert engine.database_url() == database_url   # the environment wins over the file

    monkeypatch.setenv(engine.DATABASE_URL_ENV, "")
    assert engine.database_url() == "sqlite:////nowhere/other.db"


def test_database_url_config_problems(tmp_path, monkeypatch):
    monkeypatch.delenv(engine.DATABASE_URL_ENV, raising=False)
    without = tmp_path / "without.toml"
    without.write_text('title = "no database here"\n')
    monkeypatch.setenv(engine.CONFIG_ENV, str(without))
    assert database_url() == engine.DEFAULT_URL
    broken = tmp_path / "broken.toml"
    broken.write_text("database_url = \n")
    monkeypatch.setenv(engine.CONFIG_ENV, str(broken))
    with pytest.raises(StoreError, match="cannot read the configuration"):
        database_url()
    monkeypatch.setenv(engine.CONFIG_ENV, str(tmp_path / "absent.toml"))
    with pytest.raises(StoreError, match="cannot read the configuration"):
        database_url()
