"""Benchmark attendance and return: one therapist with 200 clients x 50 sessions.

    python bench/bench_attendance.py [--clients 200] [--sessions 50] [--runs 10]

Builds the dashboard benchmark's clinic (bench_dashboard.build: ORS and SRS at every
session, scored by the real engine, written in bulk), then adds attendance in bulk: a
missed or cancelled appointment after about one session in seven, a booking for most
clients, and an ending (dropped out or completed) for a fifth of them. Reports median and
p95 of:

- the sweep of every client: the first (raises the alerts) and a repeat (finds nothing,
  writes nothing: what every caseload view pays);
- the caseload's attendance table, and one client's attendance and alliance timeline;
- the supervisor's evidence (groups, Wilson intervals, cluster-robust logistic regression,
  Kaplan-Meier curves) over every session;
- a full AppTest run of the caseload page: the first of a browser session (which sweeps
  the therapist's clients, once a day) and a later rerun.

Target: the caseload page's added work well under the 1.5 s the dashboard allows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import build, summary  # noqa: E402

import alliance_kit  # noqa: E402
from alliance_kit.clinic import attendance, retention  # noqa: E402
from alliance_kit.clinic.access import Actor  # noqa: E402
from alliance_kit.clinic.attendance_alerts import sweep  # noqa: E402
from alliance_kit.clinic.services import Services  # noqa: E402
from alliance_kit.store import open_store  # noqa: E402
from alliance_kit.store.models import Episode  # noqa: E402
from alliance_kit.store.models import Session as SessionRow  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def add_attendance(url: str, clients: int, seed: int = 2) -> dict[str, int]:
    """Missed and cancelled appointments, bookings and endings, written in bulk."""
    store = open_store(url)
    rng = np.random.default_rng(seed)
    today = dt.date.today()
    with store.engine.begin() as db:
        sessions = db.execute(select(SessionRow.client_id, SessionRow.episode_id,
                                     SessionRow.date)).all()
        rows = []
        for client_id, episode_id, date in sessions:
            if rng.random() < 1 / 7:
                status = rng.choice(["no-show", "cancelled-by-client", "cancelled-by-clinic"],
                                    p=[0.6, 0.3, 0.1])
                rows.append({"client_id": client_id, "episode_id": episode_id,
                             "date": date + dt.timedelta(days=3), "status": str(status)})
        rows = [r for r in rows if r["date"] <= today]
        booked = [{"client_id": c, "episode_id": c, "status": "scheduled",
                   "date": today + dt.timedelta(days=int(rng.integers(0, 7)))}
                  for c in range(1, clients + 1) if rng.random() < 0.8]
        db.execute(insert(SessionRow), rows + booked)
        ended = [c for c in range(1, clients + 1) if rng.random() < 0.2]
        for c in ended:
            db.execute(update(Episode).where(Episode.id == c).values(
                ended_on=today, end_reason="dropped-out" if c % 2 else "completed"))
    store.close()
    return {"missed": len(rows), "booked": len(booked), "ended": len(ended)}


def timed(call, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        started = time.perf_counter()
        info = build(url, kit, args.clients, args.sessions)
        added = add_attendance(url, args.clients)
        print(f"built {args.clients} clients x {args.sessions} sessions in "
              f"{time.perf_counter() - started:.1f} s; {added}")
        store = open_store(url)
        services = Services(store, kit)
        ana = Actor("ana", "therapist", info["user_id"], info["team_id"])
        system = Actor.system("bench")
        started = time.perf_counter()
        first = sweep(store, kit, system)
        print(summary("first sweep (raises the alerts)", [time.perf_counter() - started]))
        print(f"  {len(first.raised)} alert(s) raised, {first.resolved} closed")
        print(summary("repeat sweep, therapist (nothing new)",
                      timed(lambda: sweep(store, kit, ana), args.runs)))
        print(summary("caseload attendance table",
                      timed(lambda: attendance.caseload_attendance(services, ana), args.runs)))
        print(summary("one client's attendance and timeline", timed(
            lambda: (attendance.client_attendance(services, ana, 7),
                     attendance.alliance_timeline(services, ana, 7)), args.runs)))
        print(summary("evidence (all sessions, models, curves)",
                      timed(lambda: retention.evidence(services, system), max(3, args.runs // 3))))
        store.close()
        first_view, later = app_runs(url, kit, info, args.runs)
        print(summary("AppTest: caseload, first view of the day", first_view))
        print(summary("AppTest: caseload, a later rerun", later))


def app_runs(url: str, kit, info: dict, runs: int) -> tuple[list[float], list[float]]:
    """The caseload page's first run in a browser session (it sweeps) and a rerun."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from alliance_kit.clinic.accounts import Account
    from alliance_kit.ui import session

    os.environ["ALLIANCE_KIT_DATABASE_URL"] = url
    os.chdir(ROOT)
    seconds, later = [], []
    for _ in range(runs):
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
            Account(info["user_id"], "ana", "Ana", "therapist", info["team_id"]), now, now)
        started = time.perf_counter()
        at.run()
        seconds.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        started = time.perf_counter()
        at.run()
        later.append(time.perf_counter() - started)
    return seconds, later


if __name__ == "__main__":
    main()
