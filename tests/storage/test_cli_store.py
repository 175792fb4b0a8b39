"""The database commands through the real CLI: db upgrade, db check, backup, rescore.

Every command must end with an exit code and a message: never a traceback."""

from __future__ import annotations

import os
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.engine import make_url

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.engine import scoring
from alliance_kit.store import migrate, open_store

SYSTEM = Actor.system()


def run(kit, *args):
    result = CliRunner().invoke(cli, list(args), obj=kit)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{result.output}")
    return result


def fill(store, kit, clients: int = 3) -> None:
    services = Services(store, kit)
    user = services.add_user(SYSTEM, "ana", "therapist")
    for i in range(clients):
        client = services.add_client(SYSTEM, f"C{i}", therapist_ids=[user])
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers={**{str(k): 1 for k in range(1, 9)}, "9": 0},
                                 idempotency_key=f"k{i}")
    services.submit_response(SYSTEM, client_id=1, instrument_id="srs",
                             answers={"1": 9, "2": 9, "3": 9, "4": 9}, idempotency_key="s")


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request, tmp_path):
    """The URL of a database with no schema yet: a new SQLite path, or an empty
    PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'new.db'}"
    admin, engine = request.getfixturevalue("pg_template")
    name = f"ak_empty_{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    request.addfinalizer(drop)
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


# ---- db upgrade ----------------------------------------------------------------------


def test_db_upgrade_creates_and_migrates_then_is_already_at_head(new_database, kit):
    head = migrate.head()
    first = run(kit, "db", "upgrade", "--database", new_database)
    assert first.exit_code == 0
    assert first.stdout.strip() == f"schema upgraded from empty to {head}"
    again = run(kit, "db", "upgrade", "--database", new_database)
    assert again.exit_code == 0
    assert again.stdout.strip() == f"schema already at {head}"
    check = run(kit, "db", "check", "--database", new_database)
    assert check.exit_code == 0 and "database OK" in check.stdout


# ---- db check ------------------------------------------------------------------------


def test_db_check_of_a_healthy_database(database_url, store, kit):
    fill(store, kit)
    result = run(kit, "db", "check", "--database", database_url)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[-1] == "database OK"
    assert f"checked: schema revision {migrate.head()}" in lines
    assert any(re.fullmatch(r"checked: audit log chain \(\d+ entries\)", x) for x in lines)
    assert not any(x.startswith("problem:") for x in lines)


def test_db_check_of_a_tampered_audit_log_exits_1(database_url, store, kit):
    fill(store, kit)
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        connection.exec_driver_sql("DELETE FROM audit_log WHERE seq = 2")
        if store.dialect == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")
    result = run(kit, "db", "check", "--database", database_url)
    assert result.exit_code == 1
    assert "problem: audit entry 3: entries 2 to 2 are missing" in result.stdout
    assert "database OK" not in result.output


def test_db_check_of_a_page_damaged_sqlite_file(tmp_path, kit):
    """Random bytes at offset 8192 of a database with data: exit 1 with a SQLite
    integrity problem or a clear 'cannot open' error; never a traceback, never OK."""
    path = tmp_path / "damaged.db"
    store = open_store(f"sqlite:///{path}", create=True)
    migrate.upgrade(store)
    fill(store, kit, clients=20)
    store.close()
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(4096))
    result = run(kit, "db", "check", "--database", f"sqlite:///{path}")
    assert result.exit_code == 1
    assert "database OK" not in result.output
    assert "problem: SQLite integrity" in result.output or "Error:" in result.output


def test_db_check_of_a_missing_file_creates_nothing(tmp_path, kit):
    path = tmp_path / "missing.db"
    result = run(kit, "db", "check", "--database", f"sqlite:///{path}")
    assert result.exit_code == 1
    assert "alliance-kit db upgrade" in result.output
    assert not path.exists()


def test_db_check_of_an_unmigrated_database_exits_1(tmp_path, kit):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    open_store(url, create=True).close()
    result = run(kit, "db", "check", "--database", url)
    assert result.exit_code == 1
    assert "alliance-kit db upgrade" in result.stdout
    assert "database OK" not in result.output


# ---- backup --------------------------------------------------------------------------


def test_backup_command(database_url, store, kit, tmp_path):
    target = tmp_path / "copy.db"
    result = run(kit, "backup", str(target), "--database", database_url)
    if store.dialect == "postgresql":
        assert result.exit_code == 1
        assert "pg_dump" in result.output
        assert not target.exists()
        return
    fill(store, kit)
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".manifest.json").unlink(missing_ok=True)
    result = run(kit, "backup", str(target), "--database", database_url)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"backup written to {target}",
                                          f"manifest written to {target}.manifest.json"]
    copy = open_store(f"sqlite:///{target}")
    try:
        with copy.read() as a, store.read() as b:
            for table in ("responses", "scores", "audit_log", "clients"):
                query = text(f"SELECT * FROM {table} ORDER BY 1")
                assert a.execute(query).all() == b.execute(query).all()
    finally:
        copy.close()
    content = target.read_bytes()
    again = run(kit, "backup", str(target), "--database", database_url)
    assert again.exit_code == 1
    assert "already exists" in again.output
    assert target.read_bytes() == content


# ---- rescore -------------------------------------------------------------------------


def test_rescore_command_prints_changes(database_url, store, kit, monkeypatch):
    fill(store, kit)
    unchanged = run(kit, "rescore", "--database", database_url)
    assert unchanged.exit_code == 0
    assert unchanged.stdout == ""
    assert unchanged.stderr.strip() == "0 score(s) changed"
    monkeypatch.setattr(scoring, "ENGINE_VERSION", "99.0.0")
    changed = run(kit, "rescore", "--instrument", "phq-9", "--database", database_url)
    assert changed.exit_code == 0
    lines = changed.stdout.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(r"response \d+ phq-9 total: 8 -> 8 \(engine [\d.]+ -> 99\.0\.0\)",
                            line), line
    assert changed.stderr.strip() == "3 score(s) changed"
    rest = run(kit, "rescore", "--database", database_url)
    assert len(rest.stdout.splitlines()) == 1
    assert " srs total: 36 -> 36 (engine " in rest.stdout
    assert rest.stderr.strip() == "1 score(s) changed"
    with store.read() as session:
        versions = session.execute(text(
            "SELECT DISTINCT engine_version FROM scores WHERE current")).scalars().all()
    assert versions == ["99.0.0"]


def test_rescore_of_an_unknown_instrument_is_a_clean_error(database_url, kit):
    result = run(kit, "rescore", "--instrument", "nope", "--database", database_url)
    assert result.exit_code != 0
    assert "unknown instrument 'nope'" in result.output


def test_rescore_on_a_missing_database_creates_nothing(tmp_path, kit):
    path = tmp_path / "missing.db"
    result = run(kit, "rescore", "--database", f"sqlite:///{path}")
    assert result.exit_code == 1
    assert "alliance-kit db upgrade" in result.output
    assert not path.exists()


def test_commands_use_the_configured_database_without_option(database_url, store, kit,
                                                             monkeypatch):
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", database_url)
    result = run(kit, "audit", "verify")
    assert result.exit_code == 0 and "audit log intact" in result.stdout
