"""Benchmark the store: submissions per second, and a therapist's caseload.

1. Submissions per second through ``Services.submit_response`` (validate, score, store
   response + scores + alerts + audit entry, one transaction each) with 1 writer and with
   50 concurrent writer threads sharing one ``Services`` (default: 2,000 submissions each).
2. ``Services.caseload(actor)`` for a therapist with 200 clients x 50 sessions: 10,000
   SRS responses with their scores and some alerts, inserted directly with SQLAlchemy
   core bulk inserts (the benchmark is about reading). Median and p95 over 30 calls;
   the target is under 100 ms. Each call includes its audit entry (a write).

Run: ``python bench/bench_store.py`` (SQLite only) or
``python bench/bench_store.py --postgres postgresql+psycopg://postgres@127.0.0.1:55432/postgres``
(an admin URL: a throwaway database is created on that server and dropped afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store
from alliance_kit.store.engine import Store
from alliance_kit.store.models import (
    Alert,
    CareTeam,
    Client,
    Episode,
    Response,
    Score,
    User,
)
from alliance_kit.store.models import Session as SessionRow


@contextmanager
def fresh_store(engine: str, admin_url: str | None) -> Iterator[Store]:
    """A new, migrated, empty database on the engine; removed afterwards."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}", create=True)
            migrate.upgrade(store)
            try:
                yield store
            finally:
                store.close()
        return
    assert admin_url
    name = f"ak_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(make_url(admin_url).set(database=name).render_as_string(False))
    try:
        migrate.upgrade(store)
        yield store
    finally:
        store.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_submissions(store: Store, kit, total: int, writers: int) -> dict:
    """Submit ``total`` PHQ-9 responses from ``writers`` threads; submissions per second."""
    services = Services(store, kit)
    system = Actor.system("bench")
    therapist = services.add_user(system, f"t{writers}", "therapist")
    clients = [services.add_client(system, f"W{writers}-{i}", therapist_ids=[therapist])
               for i in range(100)]
    errors: list[str] = []

    def work(writer: int) -> None:
        rng = random.Random(writer)
        for number in range(writer, total, writers):
            answers = {str(i): rng.randint(0, 3) for i in range(1, 10)}
            try:
                services.submit_response(
                    system, client_id=clients[number % len(clients)], instrument_id="phq-9",
                    answers=answers, idempotency_key=f"b{writers}-{number}")
            except Exception as exc:  # counted and shown, the benchmark goes on
                errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")

    threads = [threading.Thread(target=work, args=(w,)) for w in range(writers)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {"seconds": elapsed, "per_second": (total - len(errors)) / elapsed,
            "errors": errors}


def build_caseload(store: Store, kit, clients: int, sessions: int, seed: int = 7) -> Actor:
    """One therapist, ``clients`` x ``sessions`` SRS responses with scores, some alerts."""
    rng = random.Random(seed)
    srs = kit.instrument("srs")
    engine_version = alliance_kit.__version__ if hasattr(alliance_kit, "__version__") else "x"
    start = dt.datetime(2025, 1, 6, 9, tzinfo=dt.UTC)
    now = dt.datetime.now(dt.UTC)
    users = [{"id": 1, "username": "ana", "display_name": "Ana", "role": "therapist",
              "active": True, "failed_logins": 0, "created_at": now}]
    client_rows, care, episodes, session_rows = [], [], [], []
    responses, scores, alerts = [], [], []
    for c in range(1, clients + 1):
        client_rows.append({"id": c, "code": f"C{c:04d}", "active": True, "created_at": now})
        care.append({"client_id": c, "user_id": 1})
        episodes.append({"id": c, "client_id": c, "started_on": start.date()})
        level = rng.uniform(30, 38)
        for n in range(1, sessions + 1):
            sid = (c - 1) * sessions + n
            when = start + dt.timedelta(days=7 * (n - 1), minutes=c)
            session_rows.append({"id": sid, "episode_id": c, "client_id": c,
                                 "therapist_id": 1, "number": n, "date": when.date()})
            answers = {str(i): round(min(10.0, max(0.0, level / 4 + rng.gauss(0, 0.8))), 1)
                       for i in range(1, 5)}
            total = round(sum(answers.values()), 1)
            responses.append({
                "id": sid, "idempotency_key": f"bench-{sid}", "client_id": c,
                "session_id": sid, "session_number": n, "instrument_id": "srs",
                "instrument_version": srs.version, "language": "en", "answers": answers,
                "attributes": {}, "source": "kiosk", "submitted_at": when,
                "payload_hash": hashlib.sha256(str(sid).encode()).hexdigest()})
            scores.append({"id": sid, "response_id": sid, "score_id": "total", "value": total,
                           "band": None, "reason": None, "instrument_version": srs.version,
                           "engine_version": engine_version, "computed_at": when,
                           "current": True})
            if rng.random() < 0.08:  # about 4 alerts per client, most acknowledged
                open_alert = n > sessions - 3 and rng.random() < 0.5
                alerts.append({
                    "response_id": sid, "client_id": c, "instrument_id": "srs",
                    "rule_id": rng.choice(["concern", "rupture", "item-low"]),
                    "rule_type": "cutoff", "severity": rng.choice(["warning", "info"]),
                    "value": total, "message": "benchmark alert", "raised_at": when,
                    "acknowledged_at": None if open_alert else when,
                    "acknowledged_by": None if open_alert else 1,
                    "note": None if open_alert else "talked about it"})
    with store.engine.begin() as connection:
        for table, rows in ((User, users), (Client, client_rows), (CareTeam, care),
                            (Episode, episodes), (SessionRow, session_rows),
                            (Response, responses), (Score, scores), (Alert, alerts)):
            for chunk in range(0, len(rows), 5000):
                connection.execute(insert(table.__table__), rows[chunk:chunk + 5000])
        if store.dialect == "postgresql":
            connection.execute(text("ANALYZE"))
    open_count = sum(a["acknowledged_at"] is None for a in alerts)
    print(f"  caseload data: {len(client_rows)} clients, {len(responses)} responses, "
          f"{len(alerts)} alerts ({open_count} open)")
    return Actor("ana", "therapist", user_id=1)


def bench_caseload(store: Store, kit, actor: Actor, runs: int) -> dict:
    services = Services(store, kit)
    table = services.caseload(actor)  # warm up (and check it returns every client)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        services.caseload(actor)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"rows": len(table), "median": statistics.median(times),
            "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
            "max": times[-1]}


def machine() -> str:
    return (f"{platform.platform()}, Python {platform.python_version()}, "
            f"{os.cpu_count()} cores, SQLite {sqlite3.sqlite_version}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="an admin URL of a PostgreSQL server")
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    kit = alliance_kit.build_kit(entry_points=False, local=False)
    engines = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"machine: {machine()}")
    results = []
    for engine in engines:
        with fresh_store(engine, args.postgres) as store:
            if engine == "postgresql":
                with store.engine.connect() as connection:
                    version = connection.execute(text("SHOW server_version")).scalar()
                print(f"PostgreSQL {version}")
            for writers in (1, args.writers):
                print(f"{engine}: {args.submissions} submissions, {writers} writer(s) ...")
                got = bench_submissions(store, kit, args.submissions, writers)
                results.append((engine, f"submit, {writers} writer(s)",
                                f"{got['per_second']:.0f}/s",
                                f"{args.submissions} in {got['seconds']:.1f} s",
                                len(got["errors"])))
                for error in sorted(set(got["errors"]))[:5]:
                    print(f"  error: {error}")
        with fresh_store(engine, args.postgres) as store:
            print(f"{engine}: caseload of {args.clients} clients x {args.sessions} sessions ...")
            actor = build_caseload(store, kit, args.clients, args.sessions)
            got = bench_caseload(store, kit, actor, args.runs)
            verdict = "ok" if got["median"] < 100 and got["p95"] < 100 else "OVER 100 ms"
            results.append((engine, f"caseload ({got['rows']} clients)",
                            f"median {got['median']:.0f} ms",
                            f"p95 {got['p95']:.0f} ms, max {got['max']:.0f} ms ({verdict})",
                            0))
    print()
    print(f"machine: {machine()}")
    header = ("engine", "what", "result", "detail", "errors")
    widths = [max(len(str(row[i])) for row in [header, *results]) for i in range(5)]
    for row in [header, tuple("-" * w for w in widths), *results]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
