"""users and kiosk commands: passwords and PINs are asked for, stored only as hashes."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.clinic import accounts, kiosk
from alliance_kit.store import migrate, open_store
from alliance_kit.store.models import AuditEntry, User


def test_users_and_kiosk_commands(tmp_path):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    migrate.upgrade(open_store(url, create=True))
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    runner = CliRunner()

    def run(*args, given=""):
        return runner.invoke(cli, [*args, "--database", url], input=given, obj=kit)

    secret = "correct horse battery"
    added = run("users", "add", "ana", "--role", "therapist", given=f"{secret}\n{secret}\n")
    assert added.exit_code == 0, added.output
    store = open_store(url)
    assert accounts.login(store, "ana", secret).role == "therapist"
    with store.read() as session:
        stored = session.execute(select(User.password_hash)).scalar_one()
        log = " ".join(str(e.details) for e in session.execute(select(AuditEntry)).scalars())
    assert stored.startswith("$argon2id$") and secret not in stored and secret not in log

    short = run("users", "reset-password", "ana", given="short\nshort\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    assert run("users", "disable", "ana").exit_code == 0
    assert run("users", "add", "ana", "--role", "admin",
               given=f"{secret}\n{secret}\n").exit_code == 1  # the name is taken

    short_pin = run("kiosk", "set-pin", given="4821\n4821\n")
    assert short_pin.exit_code == 1 and "at least 6 digits" in short_pin.output
    assert run("kiosk", "set-pin", given="482193\n482193\n").exit_code == 0
    assert kiosk.pin_is_set(store)
    assert run("users", "idle-minutes", "10").exit_code == 0
    assert run("users", "idle-minutes", "0.5").exit_code == 1
    assert run("kiosk", "idle-minutes", "7").exit_code == 0
    assert run("kiosk", "idle-minutes", "600").exit_code == 1
