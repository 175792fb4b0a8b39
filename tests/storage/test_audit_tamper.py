"""Rewriting history as someone with the database file (or a SQL prompt) but not the audit
key would: on both engines, every way found in the security review is refused by the
database or found by ``audit verify`` and ``db check``.

- SQLite's ``INSERT OR REPLACE`` deletes and re-inserts without firing DELETE triggers:
  refused by BEFORE INSERT triggers (an existing key, a seq other than last + 1, a
  prev_hash that is not the last hash), on PostgreSQL too;
- an entry or an answer rewritten with its hash recomputed (without the key) is found at
  that entry or response, the newest one included;
- deleting the newest entries (trigger dropped and recreated) leaves a valid, shorter chain:
  found by comparing with the chain head recorded outside the database.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.store import audit, open_store
from alliance_kit.store.integrity import payload_hash
from alliance_kit.store.models import AuditEntry, Response

SYSTEM = Actor.system()
HEAD_FILE_ENV = "ALLIANCE_KIT_AUDIT_HEAD_FILE"


def phq(item9: int = 0) -> dict:
    return {**{str(i): 1 for i in range(1, 9)}, "9": item9}


@pytest.fixture
def headed(database_url, tmp_path, monkeypatch):
    """A store whose chain head is recorded in a file (the SQLite default is next to the
    database; PostgreSQL needs the setting), with a client and three responses."""
    monkeypatch.setenv(HEAD_FILE_ENV, str(tmp_path / "audit-head.json"))
    opened = open_store(database_url)
    yield opened
    opened.close()


def fill(services, count: int = 3) -> int:
    uid = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C1", therapist_ids=[uid])
    for i in range(count):
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers=phq(), idempotency_key=f"k-{i}")
    return client


def services_of(store, kit):
    from alliance_kit.clinic.services import Services

    return Services(store, kit)


def triggers_off(store, statements: list[str]) -> None:
    """Run ``statements`` as someone who may drop the guards, then put the guards back as
    they were (SQLite: drop and recreate every trigger; PostgreSQL: disable, enable)."""
    with store.engine.begin() as connection:
        if store.dialect == "sqlite":
            saved = [row[0] for row in connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('audit_log', 'responses')")]
            for name, in connection.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name IN ('audit_log', 'responses')").all():
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER ALL")
            connection.exec_driver_sql("ALTER TABLE responses DISABLE TRIGGER ALL")
        for statement in statements:
            connection.exec_driver_sql(statement)
        if store.dialect == "sqlite":
            for sql in saved:
                connection.exec_driver_sql(sql)
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER ALL")
            connection.exec_driver_sql("ALTER TABLE responses ENABLE TRIGGER ALL")


def newest(store) -> AuditEntry:
    with store.read() as session:
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
        session.expunge(entry)
        return entry


def forged_copy(entry: AuditEntry, actor: str = "mallory") -> dict:
    """The entry with another actor and its hash recomputed as an attacker without the key
    can: ``audit.entry_hash`` with no key."""
    fields = dict(seq=entry.seq, at=entry.at, actor=actor, action=entry.action,
                  entity=entry.entity, entity_id=entry.entity_id, client_id=entry.client_id,
                  details=entry.details or {}, prev_hash=entry.prev_hash)
    return {**fields, "details": json.dumps(fields["details"]),
            "hash": audit.entry_hash(**fields)}


def run(kit, *args):
    return CliRunner().invoke(cli, list(args), obj=kit)


# ---- refused by the database -----------------------------------------------------------


def test_insert_or_replace_of_an_audit_entry_is_refused(store, kit):
    fill(services_of(store, kit))
    entry = newest(store)
    values = forged_copy(entry)
    if store.dialect == "sqlite":
        sql = ("INSERT OR REPLACE INTO audit_log (seq, at, actor, action, entity, entity_id, "
               "client_id, details, prev_hash, hash) VALUES (:seq, :at, :actor, :action, "
               ":entity, :entity_id, :client_id, :details, :prev_hash, :hash)")
    else:
        sql = ("INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, client_id, "
               "details, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :entity, "
               ":entity_id, :client_id, CAST(:details AS JSON), :prev_hash, :hash) "
               "ON CONFLICT (seq) DO UPDATE SET actor = EXCLUDED.actor, hash = EXCLUDED.hash")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(sql), values)
    assert newest(store).actor == entry.actor


def test_insert_or_replace_of_a_response_is_refused(store, kit):
    fill(services_of(store, kit))
    with store.read() as session:
        response = session.scalars(select(Response).order_by(Response.id)).first()
        session.expunge(response)
        zeroed = {key: 0 for key in response.answers}
        digest = payload_hash(client_id=response.client_id, instrument_id=response.instrument_id,
                              version=response.instrument_version, answers=zeroed,
                              attributes=response.attributes or {},
                              session_id=response.session_id, replaces_id=response.replaces_id)
    verb = "INSERT OR REPLACE" if store.dialect == "sqlite" else "INSERT"
    conflict = "" if store.dialect == "sqlite" else (
        " ON CONFLICT (id) DO UPDATE SET answers = EXCLUDED.answers, "
        "payload_hash = EXCLUDED.payload_hash")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text(
            f"{verb} INTO responses (id, idempotency_key, client_id, session_id, "
            "session_number, instrument_id, instrument_version, language, answers, "
            "attributes, source, started_at, submitted_at, entered_by, replaces_id, "
            "payload_hash) SELECT id, idempotency_key, client_id, session_id, session_number, "
            "instrument_id, instrument_version, language, :answers, attributes, source, "
            "started_at, submitted_at, entered_by, replaces_id, :digest FROM responses "
            f"WHERE id = :id{conflict}"),
            {"answers": json.dumps(zeroed), "digest": digest, "id": response.id})
    with store.read() as session:
        assert session.get(Response, response.id).answers == response.answers


@pytest.mark.parametrize("how", ["a gap in seq", "an existing seq", "a wrong prev_hash"])
def test_an_insert_that_does_not_extend_the_chain_is_refused(store, kit, how):
    fill(services_of(store, kit))
    last = newest(store)
    values = forged_copy(last)
    values.update({"a gap in seq": {"seq": last.seq + 5, "prev_hash": last.hash},
                   "an existing seq": {"seq": last.seq - 1},
                   "a wrong prev_hash": {"seq": last.seq + 1, "prev_hash": "f" * 64}}[how])
    cast = ":details" if store.dialect == "sqlite" else "CAST(:details AS JSON)"
    with pytest.raises(DBAPIError, match="append-only|UNIQUE|unique|duplicate"), \
            store.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, client_id, "
            f"details, prev_hash, hash) VALUES (:seq, :at, :actor, :action, :entity, "
            f":entity_id, :client_id, {cast}, :prev_hash, :hash)"), values)
    with store.read() as session:
        assert audit.verify_store(session)[1] == []


# ---- found by audit verify and db check ----------------------------------------------


def test_the_newest_entry_rewritten_with_a_recomputed_hash_is_found(database_url, store, kit):
    fill(services_of(store, kit))
    entry = newest(store)
    values = forged_copy(entry)
    triggers_off(store, [
        f"UPDATE audit_log SET actor = 'mallory', hash = '{values['hash']}' "
        f"WHERE seq = {entry.seq}"])
    result = run(kit, "audit", "verify", "--database", database_url)
    assert result.exit_code == 1, result.output
    assert f"audit entry {entry.seq}:" in result.stdout
    assert "intact" not in result.output


def test_zeroed_answers_with_a_recomputed_payload_hash_are_found(database_url, store, kit):
    fill(services_of(store, kit))
    with store.read() as session:
        response = session.scalars(select(Response).order_by(Response.id.desc())).first()
        session.expunge(response)
        zeroed = {key: 0 for key in response.answers}
        digest = payload_hash(client_id=response.client_id, instrument_id=response.instrument_id,
                              version=response.instrument_version, answers=zeroed,
                              attributes=response.attributes or {},
                              session_id=response.session_id, replaces_id=response.replaces_id)
    triggers_off(store, [
        f"UPDATE responses SET answers = '{json.dumps(zeroed)}', payload_hash = '{digest}' "
        f"WHERE id = {response.id}"])
    result = run(kit, "db", "check", "--database", database_url)
    assert result.exit_code == 1, result.output
    assert f"problem: response {response.id}:" in result.stdout
    assert "database OK" not in result.output


def test_a_cut_tail_is_found_by_audit_verify_and_db_check(database_url, headed, kit):
    fill(services_of(headed, kit))
    last = newest(headed).seq
    ok = run(kit, "audit", "verify", "--database", database_url)
    assert ok.exit_code == 0, ok.output
    triggers_off(headed, [f"DELETE FROM audit_log WHERE seq > {last - 3}"])
    with headed.read() as session:
        count, problems = audit.verify_store(session)
    assert count == last - 3
    cut = run(kit, "audit", "verify", "--database", database_url)
    assert cut.exit_code == 1, cut.output
    assert f"entries {last - 2} to {last} were cut off the end" in cut.stdout
    check = run(kit, "db", "check", "--database", database_url)
    assert check.exit_code == 1
    assert "cut off the end" in check.stdout


def test_a_log_that_grew_since_the_head_was_recorded_is_fine(database_url, headed, kit):
    services = services_of(headed, kit)
    fill(services)
    head = json.loads((headed.secrets.head_file).read_text())
    # Another server appended later and this server's head file lags: not a problem.
    (headed.secrets.head_file).write_text(json.dumps({**head, "seq": head["seq"] - 2,
                                                      "hash": _hash_of(headed, head["seq"] - 2)}))
    assert run(kit, "audit", "verify", "--database", database_url).exit_code == 0


def _hash_of(store, seq: int) -> str:
    with store.read() as session:
        return session.get(AuditEntry, seq).hash


def test_a_rewritten_log_that_differs_from_the_head_is_found(database_url, headed, kit):
    """Someone with the key who rewrote the newest entry cannot hide it from the head."""
    fill(services_of(headed, kit))
    entry = newest(headed)
    key = headed.secrets.key()
    forged = audit.entry_hash(entry.seq, entry.at, "mallory", entry.action, entry.entity,
                              entry.entity_id, entry.client_id, entry.details or {},
                              entry.prev_hash, key)
    triggers_off(headed, [f"UPDATE audit_log SET actor = 'mallory', hash = '{forged}' "
                          f"WHERE seq = {entry.seq}"])
    result = run(kit, "audit", "verify", "--database", database_url)
    assert result.exit_code == 1
    assert "differs from the chain head recorded outside the database" in result.stdout


def test_verify_against_a_head_copied_off_the_machine(database_url, headed, kit, tmp_path):
    """``audit verify --head FILE`` compares with a head (or a backup manifest) kept
    elsewhere, e.g. when the head file next to the database was deleted too."""
    fill(services_of(headed, kit))
    copy = tmp_path / "off-machine.json"
    copy.write_text(headed.secrets.head_file.read_text())
    last = newest(headed).seq
    triggers_off(headed, [f"DELETE FROM audit_log WHERE seq > {last - 1}"])
    headed.secrets.head_file.unlink()
    result = run(kit, "audit", "verify", "--database", database_url, "--head", str(copy))
    assert result.exit_code == 1
    assert f"entries {last} to {last} were cut off the end" in result.stdout
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"audit_head": {"seq": last - 1,
                                                   "hash": _hash_of(headed, last - 1)}}))
    again = run(kit, "audit", "verify", "--database", database_url, "--head", str(manifest))
    assert again.exit_code == 0, again.output


def test_entries_from_before_the_key_verify_but_not_after_a_keyed_one(store, kit):
    """A database upgraded from before keys: its first entries carry plain SHA-256 hashes
    and still verify; once an entry is keyed, an unkeyed one after it is a problem."""
    at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    prev = audit.GENESIS
    with store.engine.begin() as connection:
        for seq in (1, 2):
            fields = dict(seq=seq, at=at, actor="old", action="view", entity="client",
                          entity_id=None, client_id=None, details={}, prev_hash=prev)
            digest = audit.entry_hash(**fields)
            connection.execute(AuditEntry.__table__.insert(), {**fields, "hash": digest})
            prev = digest
    store.write(lambda session: audit.append(session, actor="new", action="view",
                                             entity="client"))
    with store.read() as session:
        report = audit.verify_chain(session)
    assert (report.count, report.keyed, report.unkeyed, report.problems) == (3, 1, 2, [])
    assert any("2 entries were written before" in note for note in report.notes)
    with store.read() as session:
        third_hash = session.get(AuditEntry, 3).hash
    fields = dict(seq=4, at=at, actor="x", action="view", entity="client",
                  entity_id=None, client_id=None, details={}, prev_hash=third_hash)
    with store.engine.begin() as connection:
        connection.execute(AuditEntry.__table__.insert(),
                           {**fields, "hash": audit.entry_hash(**fields)})
    with store.read() as session:
        problems = audit.verify_store(session)[1]
    assert [p.seq for p in problems] == [4]
    assert "not signed with the clinic's audit key" in problems[0].message


def test_a_backup_manifest_records_the_head_and_catches_a_later_cut(database_url, store, kit,
                                                                   tmp_path):
    if store.dialect != "sqlite":
        pytest.skip("alliance-kit backup copies SQLite databases (pg_dump for PostgreSQL)")
    fill(services_of(store, kit))
    last = newest(store)
    target = tmp_path / "backup.db"
    assert run(kit, "backup", str(target), "--database", database_url).exit_code == 0
    manifest = json.loads((tmp_path / "backup.db.manifest.json").read_text())
    assert manifest["audit_head"] == {"seq": last.seq, "hash": last.hash}
    import hashlib

    assert manifest["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    store.secrets.head_file.unlink()  # the head next to the database is gone too
    triggers_off(store, [f"DELETE FROM audit_log WHERE seq > {last.seq - 2}"])
    result = run(kit, "audit", "verify", "--database", database_url, "--head",
                 str(tmp_path / "backup.db.manifest.json"))
    assert result.exit_code == 1
    assert "were cut off the end" in result.stdout
