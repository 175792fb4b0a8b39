"""Benchmark what security round 2 adds to every write and every login.

1. Audit appends per second (one entry per write transaction, as a read's audit entry is),
   with the chain head recorded outside the database after each commit and without
   (``Secrets.head_file = None``), on SQLite. The HMAC and the INSERT guard triggers are
   always on (they are part of the schema and of ``audit.append``).
2. ``audit verify`` over 20,000 keyed entries (seconds).
3. How long a kiosk save waits behind a failing login: the password check (argon2id) now
   runs outside the write transaction, so the save should not wait for it.

Run: ``python bench/bench_audit_security.py`` (prints one line per figure).
"""

from __future__ import annotations

import contextlib
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("ALLIANCE_KIT_AUDIT_KEY", "ab" * 32)

from alliance_kit.clinic import accounts  # noqa: E402
from alliance_kit.clinic.access import Actor  # noqa: E402
from alliance_kit.store import audit, migrate, open_store  # noqa: E402

APPENDS = 2000


def store_in(folder: Path):
    store = open_store(f"sqlite:///{folder / 'bench.db'}", create=True)
    migrate.upgrade(store)
    return store


def appends_per_second(store, count: int = APPENDS) -> float:
    started = time.perf_counter()
    for i in range(count):
        store.write(lambda session, i=i: audit.append(session, actor="bench", action="view",
                                                      entity="client", entity_id=i))
    return count / (time.perf_counter() - started)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "a").mkdir()
        (folder / "b").mkdir()
        with_head = store_in(folder / "a")
        without_head = store_in(folder / "b")
        without_head.secrets.head_file = None
        appends_per_second(with_head, 200)  # warm up both
        appends_per_second(without_head, 200)
        # Alternate, so load from elsewhere on the machine falls on both alike.
        withs, withouts = [], []
        for _ in range(3):
            withs.append(appends_per_second(with_head, APPENDS // 3))
            withouts.append(appends_per_second(without_head, APPENDS // 3))
        rate_with, rate_without = statistics.median(withs), statistics.median(withouts)
        print(f"audit appends/s, SQLite, head recorded: {rate_with:.0f}")
        print(f"audit appends/s, SQLite, no head file:  {rate_without:.0f}")
        print(f"head file cost per write: {1000 / rate_with - 1000 / rate_without:.3f} ms")

        for _ in range(9):
            appends_per_second(with_head, 2000)
        started = time.perf_counter()
        with with_head.read() as session:
            report = audit.verify_chain(session)
        print(f"audit verify over {report.count} keyed entries: "
              f"{time.perf_counter() - started:.2f} s, problems: {len(report.problems)}")

        accounts.add_user(with_head, Actor.system("bench"), "ana", "therapist",
                          "a long enough password")
        waits = []
        for _ in range(10):
            login = threading.Thread(target=lambda: _fail(with_head))
            login.start()
            time.sleep(0.02)  # the login is checking the password now
            started = time.perf_counter()
            with_head.write(lambda session: audit.append(session, actor="kiosk",
                                                         action="submit", entity="response"))
            waits.append(time.perf_counter() - started)
            login.join()
        print(f"kiosk save during a failing login: median {statistics.median(waits) * 1000:.1f}"
              f" ms, max {max(waits) * 1000:.1f} ms")
        with_head.close()
        without_head.close()


def _fail(store) -> None:
    with contextlib.suppress(accounts.LoginFailed):
        accounts.login(store, "ana", "not the password")


if __name__ == "__main__":
    main()
