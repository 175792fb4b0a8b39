"""The audit log on both engines: what is recorded, what the database refuses, and what
the hash chain catches when someone with the power to bypass the guards tampers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.store import audit
from alliance_kit.store.models import Alert, AuditEntry, Response

SYSTEM = Actor.system()


def phq(item9: int = 1) -> dict:
    return {**{str(i): 1 for i in range(1, 9)}, "9": item9}


def entries(store) -> list[tuple]:
    with store.read() as session:
        return [tuple(r) for r in session.execute(
            select(AuditEntry.seq, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                   AuditEntry.entity_id, AuditEntry.client_id).order_by(AuditEntry.seq))]


def verify(store):
    with store.read() as session:
        return audit.verify_store(session)


@pytest.fixture
def world(services, store):
    uid = services.add_user(SYSTEM, "ana", "therapist")
    ana = Actor("ana", "therapist", uid)
    client = services.add_client(SYSTEM, "C1", therapist_ids=[uid])
    saved = services.submit_response(ana, client_id=client, instrument_id="phq-9",
                                     answers=phq(), idempotency_key="k-0")
    with store.read() as session:
        alert_id = session.execute(select(Alert.id)).scalar_one()
    return ana, client, saved.response_id, alert_id


OPERATIONS = {
    # name: (call(services, ana, client, response_id, alert_id), action, entity, client?)
    "submit_response": (lambda s, a, c, r, al: s.submit_response(
        a, client_id=c, instrument_id="srs", answers={"1": 9, "2": 9, "3": 9, "4": 9},
        idempotency_key="k-1"), "submit", "response", True),
    "client_history": (lambda s, a, c, r, al: s.client_history(a, c),
                       "view", "client", True),
    "answers": (lambda s, a, c, r, al: s.answers(a, r), "view", "response", True),
    "open_alerts(client)": (lambda s, a, c, r, al: s.open_alerts(a, client_id=c),
                            "view", "alerts", True),
    "open_alerts": (lambda s, a, c, r, al: s.open_alerts(a), "view", "alerts", False),
    "caseload": (lambda s, a, c, r, al: s.caseload(a), "view", "caseload", False),
    "acknowledge_alert": (lambda s, a, c, r, al: s.acknowledge_alert(a, al, "called"),
                          "acknowledge", "alert", True),
    "export_responses": (lambda s, a, c, r, al: s.export_responses(a, "phq-9"),
                         "export", "responses", False),
    "add_session": (lambda s, a, c, r, al: s.add_session(a, c, dt.date(2024, 5, 1)),
                    "create", "session", True),
    "assign": (lambda s, a, c, r, al: s.assign(a, c, "srs"), "assign", "assignment", True),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_read_and_write_of_client_data_is_audited(services, store, world, operation):
    ana, client, response_id, alert_id = world
    call, action, entity, with_client = OPERATIONS[operation]
    before = entries(store)
    call(services, ana, client, response_id, alert_id)
    after = entries(store)
    new = after[len(before):]
    assert after[:len(before)] == before
    assert len(new) == 1, new
    seq, actor, got_action, got_entity, _, got_client = new[0]
    assert seq == len(before) + 1
    assert (actor, got_action, got_entity) == ("ana", action, entity)
    assert got_client == (client if with_client else None)
    assert verify(store)[1] == []


def test_administration_is_audited(services, store):
    admin = Actor("root", "admin", None)
    team = services.add_team(admin, "T")
    user = services.add_user(admin, "bob", "therapist", team_id=team)
    client = services.add_client(admin, "C9", therapist_ids=[user])
    services.rescore(admin)
    log = entries(store)
    assert [(e[1], e[2], e[3], e[4], e[5]) for e in log] == [
        ("root", "create", "team", str(team), None),
        ("root", "create", "user", str(user), None),
        ("root", "create", "client", str(client), client),
        ("root", "rescore", "scores", None, None),
    ]


def test_denied_reads_leave_no_trace_of_client_data(services, store, world):
    from alliance_kit.clinic.access import AccessDenied

    _, client, _, _ = world
    uid = services.add_user(SYSTEM, "ben", "therapist")
    before = entries(store)
    with pytest.raises(AccessDenied):
        services.client_history(Actor("ben", "therapist", uid), client)
    assert entries(store) == before


# ---- the database refuses rewriting history ------------------------------------------


STATEMENTS = {
    "update audit_log": "UPDATE audit_log SET actor = 'mallory'",
    "delete audit_log": "DELETE FROM audit_log WHERE seq = 1",
    "update responses": "UPDATE responses SET answers = '{}'",
    "delete responses": "DELETE FROM responses",
}


@pytest.mark.parametrize("statement", sorted(STATEMENTS))
def test_update_and_delete_are_refused_by_the_database(store, world, statement):
    sql = STATEMENTS[statement]
    before_log = entries(store)
    with store.read() as session:
        before_responses = session.execute(select(Response.id, Response.answers)).all()
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(sql))
    assert entries(store) == before_log
    with store.read() as session:
        assert session.execute(select(Response.id, Response.answers)).all() == before_responses


@pytest.mark.parametrize("table", ["audit_log", "responses"])
def test_truncate_is_refused_on_postgresql(store, world, table):
    if store.dialect != "postgresql":
        # SQLite has no TRUNCATE; its DELETE without WHERE is covered above.
        with pytest.raises(DBAPIError), store.engine.begin() as connection:
            connection.execute(text(f"DELETE FROM {table}"))
        return
    before = entries(store)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {table} CASCADE"))
    assert entries(store) == before


# ---- the chain -----------------------------------------------------------------------


def fill(store, count: int, transactions: int = 4) -> None:
    """``count`` entries through audit.append, in a few big transactions."""
    per = count // transactions

    def work(session):
        for i in range(per):
            entry = audit.append(session, actor="load", action="view", entity="client",
                                 entity_id=i, client_id=i % 50, details={"i": i})
            session.expunge(entry)

    for _ in range(transactions):
        store.write(work)


def fast_fill(store, count: int, appended: int = 10) -> None:
    """``count`` entries: the first ones built with ``audit.entry_hash`` exactly as
    ``append`` builds them and inserted in one statement (``append`` costs three round
    trips each, ~2 ms on PostgreSQL), the last ``appended`` through ``audit.append``,
    which must continue the bulk-built chain."""
    at = dt.datetime.now(dt.UTC)
    prev, rows = audit.GENESIS, []
    for seq in range(1, count - appended + 1):
        fields = dict(seq=seq, at=at, actor="load", action="view", entity="client",
                      entity_id=str(seq), client_id=seq % 50, details={"i": seq})
        digest = audit.entry_hash(**fields, prev_hash=prev)
        rows.append({**fields, "prev_hash": prev, "hash": digest})
        prev = digest
    with store.engine.begin() as connection:
        connection.execute(insert(AuditEntry), rows)
    fill(store, appended, transactions=1)


def bypass_guards(store, statements: list, params: dict | None = None) -> None:
    """Tamper as someone with the power to drop or disable the guards (every trigger on
    the audit log, the INSERT guard of migration 0004 included)."""
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            for name, in connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_log'").all():
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        for statement in statements:
            if isinstance(statement, str):
                connection.exec_driver_sql(statement)
            else:
                connection.execute(statement, params or {})
        if store.dialect == "postgresql":
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")


def test_intact_log_verifies_clean(services, store, world):
    count, problems = verify(store)
    assert problems == [] and count == len(entries(store)) >= 3


def test_chain_of_10000_entries_catches_one_modified_and_one_deleted_entry(store):
    fast_fill(store, 10_000)
    count, problems = verify(store)
    assert (count, problems) == (10_000, [])
    bypass_guards(store, [
        "UPDATE audit_log SET client_id = 7 WHERE seq = 5000",
        "DELETE FROM audit_log WHERE seq = 7000",
    ])
    count, problems = verify(store)
    assert count == 9_999
    by_seq = {}
    for problem in problems:
        by_seq.setdefault(problem.seq, []).append(problem.message)
    assert sorted(by_seq) == [5000, 7001]
    assert any("changed" in m for m in by_seq[5000])
    assert any("7000 to 7000 are missing" in m for m in by_seq[7001])


@pytest.mark.parametrize("with_key", [False, True], ids=["without the key", "with the key"])
def test_chain_catches_an_entry_rewritten_with_a_recomputed_hash(store, with_key):
    """Without the audit key a recomputed hash is caught at the entry itself; someone who
    also has the key is caught at the next entry (and by the chain head, see
    test_audit_tamper.py)."""
    fill(store, 40, transactions=1)
    key = store.secrets.key() if with_key else None
    with store.read() as session:
        e = session.get(AuditEntry, 20)
        forged = audit.entry_hash(e.seq, e.at, "mallory", e.action, e.entity, e.entity_id,
                                  e.client_id, e.details, e.prev_hash, key)
    bypass_guards(store, [
        f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' WHERE seq = 20"])
    _, problems = verify(store)
    assert [p.seq for p in problems] == ([21] if with_key else [20, 21])
    assert "does not follow" in problems[-1].message
    if not with_key:
        assert "not signed with the clinic's audit key" in problems[0].message


def test_chain_catches_an_inserted_entry(store):
    fill(store, 10, transactions=1)
    with store.read() as session:
        e = session.get(AuditEntry, 5)
        at, prev = e.at, e.hash
    forged = audit.entry_hash(6, at, "mallory", "view", "client", None, None, {}, prev,
                              store.secrets.key())
    insert = text(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, client_id, "
        "details, prev_hash, hash) VALUES (6, :at, 'mallory', 'view', 'client', NULL, "
        "NULL, '{}', :prev, :hash)")
    params = {"at": at, "prev": prev, "hash": forged}
    bypass_guards(store, ["UPDATE audit_log SET seq = seq + 100 WHERE seq > 5", insert],
                  params)
    _, problems = verify(store)
    assert problems, "a moved and inserted entry went unnoticed"


def test_concurrent_appends_keep_the_chain_valid(store):
    threads, each = 4, 15
    errors = []

    def worker(n):
        try:
            for i in range(each):
                store.write(lambda session, i=i: audit.append(
                    session, actor=f"t{n}", action="view", entity="client", entity_id=i))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert errors == []
    count, problems = verify(store)
    assert (count, problems) == (threads * each, [])
    with store.read() as session:
        seqs = session.execute(select(AuditEntry.seq).order_by(AuditEntry.seq)).scalars().all()
        per_actor = dict(session.execute(
            select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)).all())
    assert seqs == list(range(1, threads * each + 1))
    assert per_actor == {f"t{n}": each for n in range(threads)}


# ---- alliance-kit audit verify -------------------------------------------------------


def test_audit_verify_command_exit_codes(database_url, store, world, kit):
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert ok.exit_code == 0, ok.output
    assert f"audit log intact: {len(entries(store))} entries" in ok.stdout
    bypass_guards(store, ["UPDATE audit_log SET actor = 'mallory' WHERE seq = 2"])
    bad = runner.invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert bad.exit_code == 1
    assert "audit entry 2: its content was changed" in bad.stdout
    assert "1 problem(s) in" in bad.stderr
    assert "intact" not in bad.output


def test_audit_verify_on_a_missing_database_fails_cleanly(tmp_path, kit):
    result = CliRunner().invoke(
        cli, ["audit", "verify", "--database", f"sqlite:///{tmp_path / 'none.db'}"], obj=kit)
    assert result.exit_code == 1
    assert "alliance-kit db upgrade" in result.output
    assert not (tmp_path / "none.db").exists()
