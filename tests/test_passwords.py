"""Passwords and the audit log, on SQLite and PostgreSQL.

- ``accounts.hasher`` is argon2id at or above OWASP's minimum (m >= 19 MiB, t >= 2, p >= 1);
- the same password gets a different salt (and hash) every time;
- a hash made with weaker parameters is replaced at the next successful login;
- the plaintext is never in any table, the audit log, log output, CLI output or an export;
- ``alliance-kit audit verify`` over 10,000 entries finds one modified and one deleted row;
- 5 wrong passwords lock the account; an unknown user and a wrong password read the same.

Already covered elsewhere (not repeated here): UPDATE/DELETE/TRUNCATE on the audit log
refused by both engines (tests/storage/test_audit.py::
test_update_and_delete_are_refused_by_the_database, test_truncate_is_refused_on_postgresql),
the chain over 10,000 entries at the function level (test_audit.py::
test_chain_of_10000_entries_catches_one_modified_and_one_deleted_entry), the kiosk PIN's
hash and lockout (tests/test_kiosk.py).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import logging
import os
import uuid
import zipfile

import argon2
import pandas as pd
import pytest
from argon2.low_level import Type
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.clinic import accounts, exports, kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import audit, migrate, open_store
from alliance_kit.store.models import AuditEntry, Base, User

SYSTEM = Actor.system()
ADMIN = Actor.system("test-admin")
PG_ENV = "ALLIANCE_KIT_TEST_DATABASE_URL"
PASSWORD = "Tr0ub4dor&3-horse-Ünïcode-✓"
WRONG = "Wr0ng-but-long-guess-§§"
PIN = "482913"
#: OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 iterations, 1 lane.
OWASP_MEMORY_KIB, OWASP_TIME, OWASP_LANES = 19_456, 2, 1


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh migrated database on each engine (its own, dropped afterwards)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'passwords.db'}"
        store = open_store(url, create=True)
    else:
        admin = os.environ.get(PG_ENV)
        if not admin:
            if os.environ.get("CI"):
                pytest.fail(f"{PG_ENV} is not set under CI: the PostgreSQL tests must run")
            pytest.skip(f"PostgreSQL tests need {PG_ENV}")
        name = f"ak_pw_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        engine = create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))

        def drop() -> None:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            engine.dispose()

        request.addfinalizer(drop)
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
        store = open_store(url)
    migrate.upgrade(store)
    store.close()
    return url


@pytest.fixture
def store(database_url):
    opened = open_store(database_url)
    yield opened
    opened.close()


# ---- the hash parameters -------------------------------------------------------------


def test_hasher_is_argon2id_at_or_above_the_owasp_minimum():
    params = argon2.extract_parameters(accounts.hasher.hash(PASSWORD))
    assert params.type is Type.ID
    assert params.memory_cost >= OWASP_MEMORY_KIB
    assert params.time_cost >= OWASP_TIME
    assert params.parallelism >= OWASP_LANES
    assert params.salt_len >= 16 and params.hash_len >= 32
    stored = accounts.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert _current(argon2.extract_parameters(stored))


def _current(params: argon2.Parameters) -> bool:
    hasher = accounts.hasher
    return (params.type is Type.ID and params.memory_cost == hasher.memory_cost
            and params.time_cost == hasher.time_cost
            and params.parallelism == hasher.parallelism)


def test_the_same_password_gets_a_new_salt_every_time():
    hashes = [accounts.hash_password(PASSWORD) for _ in range(5)]
    salts = [h.split("$")[4] for h in hashes]
    assert len(set(salts)) == 5 and len(set(hashes)) == 5
    assert all(accounts.hasher.verify(h, PASSWORD) for h in hashes)


def test_short_passwords_are_refused():
    with pytest.raises(ValueError, match="at least"):
        accounts.hash_password("short")


def _stored_hash(store, username: str) -> str:
    with store.read() as session:
        return session.execute(
            select(User.password_hash).where(User.username == username)).scalar_one()


def test_a_weaker_hash_is_replaced_at_login(store):
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    old = weak.hash(PASSWORD)
    assert accounts.hasher.check_needs_rehash(old)
    accounts.create_user(store, ADMIN, "ana", "therapist", password_hash=old)
    account = accounts.login(store, "ana", PASSWORD)
    assert account.username == "ana"
    new = _stored_hash(store, "ana")
    assert new != old
    assert not accounts.hasher.check_needs_rehash(new)
    assert _current(argon2.extract_parameters(new))
    assert accounts.login(store, "ana", PASSWORD).user_id == account.user_id
    assert _stored_hash(store, "ana") == new, "a current hash must not be rewritten"


def test_a_weaker_hash_is_kept_after_a_failed_login(store):
    weak = argon2.PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, type=Type.ID)
    old = weak.hash(PASSWORD)
    accounts.create_user(store, ADMIN, "ana", "therapist", password_hash=old)
    with pytest.raises(accounts.LoginFailed):
        accounts.login(store, "ana", WRONG)
    assert _stored_hash(store, "ana") == old


def test_five_wrong_passwords_lock_the_account_and_messages_do_not_tell(store):
    accounts.add_user(store, ADMIN, "ana", "therapist", PASSWORD)
    unknown = pytest.raises(accounts.LoginFailed)
    with unknown as first:
        accounts.login(store, "nobody", PASSWORD)
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginFailed) as wrong:
            accounts.login(store, "ana", WRONG)
        assert str(wrong.value) == str(first.value) == accounts.LOGIN_FAILED
    with pytest.raises(accounts.LoginFailed) as locked:
        accounts.login(store, "ana", PASSWORD)  # the right password, while locked
    assert str(locked.value) == accounts.LOGIN_FAILED  # same words: no hint the name exists
    accounts.set_password(store, ADMIN, "ana", PASSWORD)  # an admin lifts the lockout
    assert accounts.login(store, "ana", PASSWORD).username == "ana"


# ---- the plaintext goes nowhere ------------------------------------------------------


def _forms(secret: str) -> list[str]:
    """The plaintext and the encodings a careless dump might hold it in."""
    raw = secret.encode("utf-8")
    return [secret, secret.lower(), raw.hex(), base64.b64encode(raw).decode(),
            secret.encode("unicode_escape").decode()]


def _assert_absent(where: str, content: str) -> None:
    for secret in (PASSWORD, WRONG, PIN * 2):
        for form in _forms(secret):
            assert form not in content, f"{form!r} found in {where}"
    assert PIN not in content.replace(PIN * 2, ""), f"the PIN found in {where}"


def _dump(store) -> str:
    """Every row of every table, as text."""
    parts = []
    with store.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.append(f"{table.name}: {tuple(row)!r}")
    return "\n".join(parts)


def _unzipped(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8", "replace")
                         for name in archive.namelist())


def test_the_plaintext_is_in_no_table_log_audit_entry_or_export(store, kit, caplog, capsys):
    # Every logger at DEBUG, SQLAlchemy's statement log with its parameters included.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # SQLAlchemy's default: WARN
    services = Services(store, kit)
    uid = accounts.add_user(store, ADMIN, "ana", "therapist", PASSWORD, display_name="Ana")
    accounts.add_user(store, ADMIN, "bo", "admin", WRONG[::-1] + "x")
    ana = Actor("ana", "therapist", uid)
    with pytest.raises(accounts.LoginFailed):
        accounts.login(store, "ana", WRONG)
    accounts.login(store, "ana", PASSWORD)
    with pytest.raises(accounts.LoginFailed):
        accounts.login(store, "nobody", WRONG)
    accounts.set_password(store, ADMIN, "ana", PASSWORD + "!")
    accounts.login(store, "ana", PASSWORD + "!")
    kiosk.set_pin(store, ADMIN, PIN * 2)
    client = services.add_client(ADMIN, "C1", therapist_ids=[uid])
    services.submit_response(ana, client_id=client, instrument_id="phq-9",
                             answers={str(i): 1 for i in range(1, 10)}, idempotency_key="k1")

    dump = _dump(store)
    assert "$argon2id$" in dump  # the dump does see the users table
    _assert_absent("the tables", dump)
    with store.read() as session:
        log = "\n".join(repr((e.actor, e.action, e.entity, e.entity_id, e.details))
                        for e in session.scalars(select(AuditEntry)))
    _assert_absent("the audit log", log)

    files = []
    for fmt in exports.formats(services.kit):
        for shape in exports.SHAPES:
            for deidentified in (False, True):
                files.append(exports.export(services, ana, "phq-9", shape=shape, fmt=fmt,
                                            deidentified=deidentified, salt=b"s" * 16))
    assert all(f.responses == 1 for f in files)
    for f in files:
        if f.data[:2] == b"PK":
            content = _unzipped(f.data)
        elif f.data[:4] == b"PAR1":  # Parquet: compressed columns, read them back
            content = pd.read_parquet(io.BytesIO(f.data)).to_csv()
        else:
            content = f.data.decode("utf-8-sig")
        _assert_absent(f"export {f.filename}", content)
    _assert_absent("Services.export_responses",
                   services.export_responses(ana, "phq-9").to_csv())

    captured = capsys.readouterr()
    records = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "$argon2id$" in records, "the log did not see the statements: it proves nothing"
    _assert_absent("log records", records)
    _assert_absent("stdout/stderr", captured.out + captured.err)


def test_users_add_prompts_without_echoing_the_password(database_url, kit):
    result = CliRunner().invoke(
        cli, ["users", "add", "ana", "--role", "therapist", "--database", database_url],
        input=f"{PASSWORD}\n{PASSWORD}\n", obj=kit)
    assert result.exit_code == 0, result.output
    assert "added therapist ana" in result.output
    _assert_absent("the output of users add", result.output)
    store = open_store(database_url)
    try:
        assert accounts.login(store, "ana", PASSWORD).username == "ana"
        _assert_absent("the tables", _dump(store))
    finally:
        store.close()


# ---- alliance-kit audit verify on 10,000 entries -------------------------------------


def _bulk_log(store, count: int) -> None:
    """``count`` chained entries built as ``audit.append`` builds them, in one insert,
    then one more through ``audit.append`` to prove the chain continues."""
    at = dt.datetime.now(dt.UTC)
    prev, rows = audit.GENESIS, []
    for seq in range(1, count):
        fields = dict(seq=seq, at=at, actor="load", action="view", entity="client",
                      entity_id=str(seq), client_id=None, details={"i": seq})
        digest = audit.entry_hash(**fields, prev_hash=prev)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    with store.engine.begin() as connection:
        connection.execute(insert(AuditEntry), rows)
    store.write(lambda session: audit.append(session, actor="load", action="view",
                                             entity="client", entity_id=count))


def _tamper(store, statement: str) -> None:
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        connection.exec_driver_sql(statement)
        if store.dialect == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")


@pytest.mark.parametrize("tampering, expected", [
    ("UPDATE audit_log SET details = '{\"i\": 4242}' WHERE seq = 6000",
     "audit entry 6000: its content was changed"),
    ("DELETE FROM audit_log WHERE seq = 6000",
     "audit entry 6001: entries 6000 to 6000 are missing"),
])
def test_audit_verify_command_over_10000_entries(database_url, store, kit, tampering,
                                                 expected):
    _bulk_log(store, 10_000)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert ok.exit_code == 0, ok.output
    assert "audit log intact: 10000 entries" in ok.stdout
    _tamper(store, tampering)
    bad = runner.invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert bad.exit_code == 1
    assert expected in bad.stdout
    assert "intact" not in bad.output
