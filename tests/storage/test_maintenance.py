"""maintenance.check and maintenance.backup, on both engines where they apply."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import func, select, text

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import StoreError, audit, maintenance, migrate, open_store
from alliance_kit.store.models import Base

SYSTEM = Actor.system()


def fill(services: Services, clients: int = 6) -> None:
    user = services.add_user(SYSTEM, "ana", "therapist")
    for i in range(clients):
        client = services.add_client(SYSTEM, f"C{i}", therapist_ids=[user])
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers={**{str(k): 1 for k in range(1, 9)}, "9": i % 2},
                                 idempotency_key=f"k{i}")


def table_rows(store) -> dict[str, list]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with store.read() as session:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns)
            rows[table.name] = [tuple(r) for r in session.execute(
                select(table).order_by(*order)).all()]
    return rows


def tamper(store, statement: str) -> None:
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        connection.exec_driver_sql(statement)
        if store.dialect == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")


# ---- check ---------------------------------------------------------------------------


def test_check_of_a_healthy_database(services, store):
    fill(services)
    report = maintenance.check(store)
    assert report.ok and report.problems == []
    assert f"schema revision {migrate.head()}" in report.checked
    with store.read() as session:
        entries = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    assert f"audit log chain ({entries} entries)" in report.checked
    if store.dialect == "sqlite":
        assert {"SQLite integrity_check", "foreign keys"} <= set(report.checked)


def test_check_finds_a_broken_audit_chain(services, store):
    fill(services, clients=2)
    tamper(store, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
    report = maintenance.check(store)
    assert not report.ok
    assert report.problems == ["audit entry 3: its content was changed after it was written"]


def test_check_of_an_unmigrated_database_asks_for_an_upgrade(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'empty.db'}", create=True)
    try:
        report = maintenance.check(store)
    finally:
        store.close()
    assert not report.ok
    assert any("alliance-kit db upgrade" in p for p in report.problems)


def test_check_finds_a_dangling_foreign_key_on_sqlite(tmp_path, kit):
    url = f"sqlite:///{tmp_path / 'fk.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    fill(Services(store, kit), clients=1)
    store.close()
    raw = sqlite3.connect(tmp_path / "fk.db")
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.execute("INSERT INTO care_team (client_id, user_id) VALUES (1, 404)")
    raw.commit()
    raw.close()
    store = open_store(url)
    try:
        report = maintenance.check(store)
    finally:
        store.close()
    assert not report.ok
    assert any(p.startswith("table care_team row") and "users" in p for p in report.problems)


def test_check_of_a_page_damaged_sqlite_file_reports_it(tmp_path, kit):
    """Random bytes over a page in the middle of the file: check reports a SQLite
    integrity problem (or open refuses the file); it never crashes or says OK."""
    path = tmp_path / "damaged.db"
    store = open_store(f"sqlite:///{path}", create=True)
    migrate.upgrade(store)
    fill(Services(store, kit), clients=20)
    store.close()
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(4096))
    try:
        store = open_store(f"sqlite:///{path}")
    except StoreError:
        return
    try:
        try:
            report = maintenance.check(store)
        except StoreError:
            return
        assert not report.ok
        assert any(p.startswith("SQLite integrity") for p in report.problems)
    finally:
        store.close()


# ---- backup --------------------------------------------------------------------------


def test_backup_is_a_consistent_copy_that_opens(services, store, tmp_path):
    if store.dialect != "sqlite":
        with pytest.raises(StoreError, match="pg_dump"):
            maintenance.backup(store, tmp_path / "copy.db")
        assert not (tmp_path / "copy.db").exists()
        return
    fill(services)
    # the latest writes are still in the WAL: the copy must have them
    with store.engine.connect() as connection:
        wal = store.sqlite_path.with_name(store.sqlite_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0
        connection.rollback()
    target = tmp_path / "backups" / "copy.db"
    assert maintenance.backup(store, target) == target
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db",
                                                               "copy.db.manifest.json"]
    raw = sqlite3.connect(target)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        raw.close()
    copy = open_store(f"sqlite:///{target}")
    try:
        assert table_rows(copy) == table_rows(store)
        assert table_rows(copy)["responses"]
        with copy.read() as session:
            assert audit.verify_store(session)[1] == []
        assert maintenance.check(copy).ok
    finally:
        copy.close()


def test_backup_never_overwrites(services, store, tmp_path):
    if store.dialect != "sqlite":
        pytest.raises(StoreError, maintenance.backup, store, tmp_path / "x.db")
        return
    target = tmp_path / "exists.db"
    target.write_bytes(b"precious")
    with pytest.raises(StoreError, match="already exists"):
        maintenance.backup(store, target)
    assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir() if "exists" in p.name) == ["exists.db"]


def test_backup_while_another_connection_writes(services, store, tmp_path):
    """Online: a write transaction open elsewhere neither blocks the backup nor leaks
    half-written rows into it."""
    if store.dialect != "sqlite":
        pytest.raises(StoreError, maintenance.backup, store, tmp_path / "x.db")
        return
    fill(services, clients=2)
    writer = sqlite3.connect(store.sqlite_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO teams (name) VALUES ('uncommitted')")
    try:
        target = maintenance.backup(store, tmp_path / "online.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    copy = open_store(f"sqlite:///{target}")
    try:
        with copy.read() as session:
            assert session.execute(text("SELECT count(*) FROM teams")).scalar_one() == 0
            assert session.execute(
                select(func.count()).select_from(Base.metadata.tables["responses"])
            ).scalar_one() == 2
    finally:
        copy.close()
