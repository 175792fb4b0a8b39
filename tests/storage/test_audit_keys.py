"""Where the audit key and the chain head live, and what happens when they are missing."""

from __future__ import annotations

import stat

import pytest
from click.testing import CliRunner
from conftest import row_counts

from alliance_kit.cli import cli
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import StoreError, audit, open_store
from alliance_kit.store.keys import Head, Secrets

SYSTEM = Actor.system()
KEY_ENV, KEY_FILE_ENV = "ALLIANCE_KIT_AUDIT_KEY", "ALLIANCE_KIT_AUDIT_KEY_FILE"


@pytest.fixture
def no_key_setting(monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    monkeypatch.delenv("ALLIANCE_KIT_AUDIT_HEAD_FILE", raising=False)
    monkeypatch.delenv("ALLIANCE_KIT_CONFIG", raising=False)


def add_client(store, kit) -> int:
    return Services(store, kit).add_client(SYSTEM, "C1", therapist_ids=[])


def test_sqlite_gets_a_private_key_file_and_a_head_file_next_to_it(
        no_key_setting, tmp_path, kit):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    from alliance_kit.store import migrate

    store = open_store(url, create=True)
    migrate.upgrade(store)
    key_file = tmp_path / "clinic.db.audit-key"
    assert not key_file.exists(), "only a write makes the key"
    add_client(store, kit)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text().strip())) == 32
    head = Head.read(tmp_path / "clinic.db.audit-head")
    with store.read() as session:
        report = audit.verify_chain(session)
    assert (report.problems, report.keyed, head.seq) == ([], 1, 1)
    assert head.hash == report.last.hash
    store.close()


def test_postgresql_without_a_configured_key_saves_nothing(no_key_setting, database_url, kit):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its key next to the database file")
    store = open_store(database_url)
    before = row_counts(store)
    with pytest.raises(StoreError, match="no audit key is configured.*ALLIANCE_KIT_AUDIT_KEY_FILE"):
        add_client(store, kit)
    with pytest.raises(StoreError, match="no audit key"):
        Services(store, kit).submit_response(SYSTEM, client_id=1, instrument_id="srs",
                                             answers={"1": 9, "2": 9, "3": 9, "4": 9},
                                             idempotency_key="k")
    result = CliRunner().invoke(cli, ["users", "add", "lead", "--role", "admin", "--database",
                                      database_url], input="a long password\n" * 2, obj=kit)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "no audit key is configured" in result.output
    assert row_counts(store) == before
    store.close()


@pytest.mark.parametrize("value, message", [
    ("abcd", "too short: 2 bytes"),
    ("not hex at all" * 8, "hex digits"),
])
def test_a_bad_key_in_the_environment_is_refused_in_words(
        no_key_setting, monkeypatch, database_url, kit, value, message):
    monkeypatch.setenv(KEY_ENV, value)
    store = open_store(database_url)
    before = row_counts(store)
    with pytest.raises(StoreError, match=message):
        add_client(store, kit)
    assert row_counts(store) == before
    store.close()


def test_a_configured_key_file_must_exist_and_new_key_makes_one(
        no_key_setting, monkeypatch, database_url, kit, tmp_path):
    key_file = tmp_path / "keys" / "clinic.key"
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    store = open_store(database_url)
    with pytest.raises(StoreError, match="alliance-kit audit new-key"):
        add_client(store, kit)
    assert not key_file.exists(), "a configured key file is never made behind the admin's back"
    runner = CliRunner()
    made = runner.invoke(cli, ["audit", "new-key", str(key_file)], obj=kit)
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    again = runner.invoke(cli, ["audit", "new-key", str(key_file)], obj=kit)
    assert again.exit_code == 1 and "nothing was overwritten" in again.output
    assert key_file.read_bytes() == content
    store.close()
    store = open_store(database_url)
    add_client(store, kit)
    assert runner.invoke(cli, ["audit", "verify", "--database", database_url],
                         obj=kit).exit_code == 0
    store.close()


def test_without_the_key_signed_entries_cannot_be_verified(
        no_key_setting, monkeypatch, database_url, kit, tmp_path):
    key_file = tmp_path / "clinic.key"
    CliRunner().invoke(cli, ["audit", "new-key", str(key_file)], obj=kit)
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    store = open_store(database_url)
    add_client(store, kit)
    store.close()
    key_file.unlink()
    result = CliRunner().invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert result.exit_code == 1
    assert "cannot be checked: it is signed, and the audit key is missing" in result.stdout
    # A different key is no better: the entry reads as changed.
    CliRunner().invoke(cli, ["audit", "new-key", str(key_file)], obj=kit)
    other = CliRunner().invoke(cli, ["audit", "verify", "--database", database_url], obj=kit)
    assert other.exit_code == 1
    assert "its content was changed" in other.stdout


def test_an_older_head_never_replaces_a_newer_one(tmp_path):
    secrets = Secrets(head_file=tmp_path / "head.json")
    secrets.record_head(10, "a" * 64)
    secrets.record_head(7, "b" * 64)
    assert (secrets.read_head().seq, secrets.read_head().hash) == (10, "a" * 64)
    secrets.record_head(11, "c" * 64)
    assert secrets.read_head().seq == 11


def test_a_head_that_cannot_be_written_does_not_fail_the_saved_write(
        no_key_setting, tmp_path, kit, caplog, monkeypatch):
    """The entry is committed before the head is written: failing then would make the
    caller think it was not saved. The failure is logged; verify notices the lag."""
    from alliance_kit.store import migrate

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the head's folder should be")
    monkeypatch.setenv("ALLIANCE_KIT_AUDIT_HEAD_FILE", str(blocked / "head.json"))
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}", create=True)
    migrate.upgrade(store)
    assert add_client(store, kit) > 0
    assert "cannot record the audit chain head" in caplog.text
    store.close()
