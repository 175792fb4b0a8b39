"""Logins and one-time codes under load and in races (issue 15, items 7, 8 and 11).

- an unknown user, a wrong password and a locked account read the same (item 7);
- the slow password check (argon2, ~90 ms) runs outside the write transaction and the
  process's writer lock, so failed logins do not hold up a kiosk's save (item 8);
- two app processes on one PostgreSQL database: redeeming the same code at the same moment
  gives it to exactly one of them, and failed logins racing each other all count (item 11).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from alliance_kit.clinic import accounts, kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.store import audit
from alliance_kit.store.models import AuditEntry, User

from .conftest import make_store_url

ADMIN = Actor.system("test-admin")
PASSWORD = "correct horse battery staple"
WORKER = Path(__file__).with_name("race_worker.py")


# ---- one message (item 7) ------------------------------------------------------------------


def test_unknown_wrong_and_locked_read_the_same(store):
    accounts.add_user(store, ADMIN, "ana", "therapist", PASSWORD)
    messages = set()
    with pytest.raises(accounts.LoginFailed) as unknown:
        accounts.login(store, "nobody", PASSWORD)
    messages.add(str(unknown.value))
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(accounts.LoginFailed) as wrong:
            accounts.login(store, "ana", "not the password at all")
        messages.add(str(wrong.value))
    with pytest.raises(accounts.LoginFailed) as locked:
        accounts.login(store, "ana", PASSWORD)  # right password, locked account
    messages.add(str(locked.value))
    assert messages == {accounts.LOGIN_FAILED}
    assert "ana" not in accounts.LOGIN_FAILED


# ---- the password check holds up nothing (item 8) -------------------------------------------


def test_a_slow_password_check_holds_up_no_other_write(store, monkeypatch):
    accounts.add_user(store, ADMIN, "ana", "therapist", PASSWORD)
    real = accounts.hasher

    class Slow:
        """argon2 as it is, only slower: the check takes 0.8 s."""

        def verify(self, stored, password):
            time.sleep(0.8)
            return real.verify(stored, password)

        def __getattr__(self, name):
            return getattr(real, name)

    monkeypatch.setattr(accounts, "hasher", Slow())
    failing = threading.Thread(target=lambda: pytest.raises(
        accounts.LoginFailed, accounts.login, store, "ana", "a wrong password here"))
    failing.start()
    time.sleep(0.2)  # the login is now checking the password
    started = time.perf_counter()
    store.write(lambda session: audit.append(session, actor="kiosk", action="submit",
                                             entity="response"))
    waited = time.perf_counter() - started
    failing.join()
    assert waited < 0.4, f"a save waited {waited:.2f} s behind a password check"
    with store.read() as session:
        assert session.execute(select(User.failed_logins)).scalar_one() == 1


# ---- two app processes on one PostgreSQL database (item 11) -----------------------------------


@pytest.fixture
def pg_url(request, tmp_path):
    return make_store_url(request, tmp_path, "postgresql")


def race(url: str, *workers: list[str]) -> list[list[dict]]:
    """Start one process per argument list, let them all begin at the same moment, and
    return what each reported."""
    processes = [subprocess.Popen([sys.executable, str(WORKER), url, *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for args in workers]
    try:
        for process in processes:
            line = process.stdout.readline().strip()
            assert line == "ready", process.stderr.read()
        start = time.time() + 1.0
        for process in processes:
            process.stdin.write(f"{start}\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (_, errors) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, errors
    return [[json.loads(line) for line in out.splitlines() if line.strip()]
            for out, _ in outputs]


def test_two_servers_redeeming_the_same_codes_at_once_get_each_once(pg_url, kit):
    from alliance_kit.clinic.services import Services
    from alliance_kit.store import open_store

    store = open_store(pg_url)
    services = Services(store, kit)
    uid = services.add_user(ADMIN, "ana", "therapist")
    ana = Actor("ana", "therapist", uid)
    client = services.add_client(ADMIN, "C1", therapist_ids=[uid])
    services.assign(ADMIN, client, "session-checkin")
    codes = [kiosk.create_code(services, ana, client, None, ["session-checkin"]).code
             for _ in range(20)]
    store.close()
    first, second = race(pg_url, ["redeem", *codes], ["redeem", *codes])
    winners = [a["ok"] + b["ok"] for a, b in zip(first, second, strict=True)]
    assert winners == [1] * len(codes), f"codes redeemed twice or never: {winners}"
    losers = [r["error"] for r in first + second if not r["ok"]]
    assert all("already used" in error for error in losers), losers


def test_failed_logins_racing_on_two_servers_all_count(pg_url):
    from alliance_kit.store import open_store

    store = open_store(pg_url)
    accounts.add_user(store, ADMIN, "ana", "therapist", PASSWORD)
    first, second = race(pg_url, ["login", "ana", "wrong password one", "2"],
                         ["login", "ana", "wrong password two", "2"])
    assert not any(r["ok"] for r in first + second)
    with store.read() as session:
        failures = session.execute(select(User.failed_logins)).scalar_one()
        logged = session.execute(select(AuditEntry).where(
            AuditEntry.action == "login-failed")).all()
    assert len(logged) == 4
    assert failures == 4, f"4 failed logins counted as {failures}"
    # The fifth, from either server, locks the account.
    with pytest.raises(accounts.LoginFailed):
        accounts.login(store, "ana", "wrong password three")
    with store.read() as session:
        assert session.execute(select(User.locked_until)).scalar_one() is not None
    store.close()
