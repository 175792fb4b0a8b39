"""Benchmark the dashboard: one therapist with 200 clients x 50 sessions (ORS and SRS each).

    python bench/bench_dashboard.py [--clients 200] [--sessions 50] [--runs 15] [--no-browser]

Builds the clinic in a temporary SQLite file (scores and alerts computed by the real engine,
vectorized, and written in bulk: the set-up is not what is measured), then reports median
and p95 of:

- server-side: the caseload's service calls; a full AppTest run of the caseload page and of
  the client page (data, charts and expected trajectories, everything but the browser);
- in Chromium at 1180x820: from clicking "Caseload" in the sidebar to the caseload table
  drawn, and from clicking "Open" to the client page's first chart drawn.

Target: the caseload visible in the browser in under 1.5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import insert

import alliance_kit
from alliance_kit.clinic import accounts
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.engine.alerts import evaluate_alerts
from alliance_kit.engine.scoring import score
from alliance_kit.store import migrate, open_store
from alliance_kit.store.models import (
    Alert,
    Assignment,
    CareTeam,
    Client,
    Episode,
    Response,
    Score,
)
from alliance_kit.store.models import Session as SessionRow

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"


def build(url: str, kit: alliance_kit.Kit, clients: int, sessions: int, seed: int = 1) -> dict:
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, kit)
    system = Actor.system("bench")
    team = services.add_team(system, "Bench")
    user = accounts.add_user(store, system, "ana", "therapist", PASSWORD, team_id=team,
                             display_name="Ana")
    rng = np.random.default_rng(seed)
    today = dt.date.today()
    start = today - dt.timedelta(weeks=sessions)
    n = clients * sessions
    client_of = np.repeat(np.arange(1, clients + 1), sessions)
    number = np.tile(np.arange(1, sessions + 1), clients)
    ors0 = rng.uniform(15, 25, clients)
    gain = rng.normal(7, 4, clients)
    ors = (ors0[client_of - 1] + gain[client_of - 1] * (1 - np.exp(-(number - 1) / 5))
           + rng.normal(0, 1.5, n))
    srs = 37 + rng.normal(0, 1.2, n) - 3 * (rng.random(n) < 0.05)
    with store.engine.begin() as db:
        db.execute(insert(Client), [{"id": c, "code": f"B-{c:04d}", "active": True}
                                    for c in range(1, clients + 1)])
        db.execute(insert(CareTeam), [{"client_id": c, "user_id": user}
                                      for c in range(1, clients + 1)])
        db.execute(insert(Episode), [{"id": c, "client_id": c, "started_on": start}
                                     for c in range(1, clients + 1)])
        db.execute(insert(Assignment), [
            {"client_id": c, "instrument_id": i, "timing": t, "every": 1, "first_session": 1,
             "active": True}
            for c in range(1, clients + 1) for i, t in (("ors", "session-start"),
                                                        ("srs", "session-end"))])
        db.execute(insert(SessionRow), [
            {"id": k + 1, "episode_id": int(c), "client_id": int(c), "therapist_id": user,
             "number": int(s), "date": start + dt.timedelta(weeks=int(s) - 1)}
            for k, (c, s) in enumerate(zip(client_of, number, strict=True))])
        next_id = 1
        for instrument_id, totals in (("ors", ors), ("srs", srs)):
            instrument = kit.instrument(instrument_id)
            items = np.clip(np.round(np.asarray(totals)[:, None] / 4 * 2) / 2, 0, 10)
            frame = pd.DataFrame(np.repeat(items, 4, axis=1), columns=["1", "2", "3", "4"])
            result = score(instrument, frame)
            frame["_client"], frame["_order"] = client_of, number
            raised = evaluate_alerts(instrument, result, frame, client="_client", order="_order")
            ids = np.arange(next_id, next_id + n)
            next_id += n
            submitted = [dt.datetime.combine(start + dt.timedelta(weeks=int(s) - 1), dt.time(10),
                                             tzinfo=dt.UTC) for s in number]
            db.execute(insert(Response), [
                {"id": int(ids[k]), "idempotency_key": str(uuid.uuid4()),
                 "client_id": int(client_of[k]), "session_id": k + 1,
                 "session_number": int(number[k]), "instrument_id": instrument_id,
                 "instrument_version": instrument.version, "language": "en",
                 "answers": {str(i + 1): float(items[k, 0]) for i in range(4)},
                 "attributes": {}, "source": "kiosk", "submitted_at": submitted[k],
                 "payload_hash": "0" * 64} for k in range(n)])
            values = result.scores["total"].to_numpy()
            db.execute(insert(Score), [
                {"response_id": int(ids[k]), "score_id": "total",
                 "value": None if np.isnan(values[k]) else float(values[k]),
                 "instrument_version": instrument.version,
                 "engine_version": result.engine_version, "current": True}
                for k in range(n)])
            # Alerts of earlier sessions were dealt with; those of the latest stay open.
            raised = raised.drop_duplicates(["row", "alert"])
            db.execute(insert(Alert), [
                {"response_id": int(ids[row.row]), "client_id": int(client_of[row.row]),
                 "instrument_id": instrument_id, "rule_id": row.alert, "rule_type": row.type,
                 "severity": row.severity,
                 "value": None if np.isnan(row.value) else float(row.value),
                 "message": row.message, "raised_at": submitted[row.row],
                 "acknowledged_at": None if number[row.row] == sessions
                 else submitted[row.row], "acknowledged_by": None, "note": None}
                for row in raised.itertuples()])
    store.close()
    return {"user_id": user, "team_id": team}


def summary(name: str, seconds: list[float]) -> str:
    values = np.array(seconds)
    return (f"{name:<40} median {np.median(values) * 1000:7.0f} ms   "
            f"p95 {np.percentile(values, 95) * 1000:7.0f} ms   (n={len(values)})")


def server_side(url: str, kit, info: dict, runs: int) -> list[str]:
    import streamlit as st
    from streamlit.navigation.page import calc_hash
    from streamlit.testing.v1 import AppTest

    from alliance_kit.clinic.accounts import Account
    from alliance_kit.ui import session
    from alliance_kit.ui.dashboard.common import CURRENT

    store = open_store(url)
    services = Services(store, kit)
    actor = Actor("ana", "therapist", info["user_id"], info["team_id"])
    calls = []
    for _ in range(runs):
        started = time.perf_counter()
        services.caseload(actor)
        services.open_alerts(actor)
        calls.append(time.perf_counter() - started)
    os.environ["ALLIANCE_KIT_DATABASE_URL"] = url
    st.cache_resource.clear()
    account = Account(info["user_id"], "ana", "Ana", "therapist", info["team_id"])
    caseload, client = [], []
    for run in range(runs + 1):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(account, now, now)
        at.session_state[CURRENT] = 1 + run % 200
        started = time.perf_counter()
        at.run()
        first = time.perf_counter() - started
        assert not at.exception, at.exception
        at._page_hash = calc_hash("client")
        started = time.perf_counter()
        at.run()
        second = time.perf_counter() - started
        assert not at.exception, at.exception
        if run:  # the first run imports and builds the kit
            caseload.append(first)
            client.append(second)
    store.close()
    return [summary("server: caseload service calls", calls),
            summary("server: caseload page (AppTest run)", caseload),
            summary("server: client page (AppTest run)", client)]


def browser(url: str, runs: int) -> list[str]:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, ALLIANCE_KIT_DATABASE_URL=url)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless",
         "true", "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health") as r:
                    if r.read() == b"ok":
                        break
            except OSError:
                time.sleep(0.3)
        caseload, client = [], []
        with sync_playwright() as p:
            chromium = p.chromium.launch(executable_path=shutil.which("chromium"),
                                         args=["--no-sandbox", "--disable-gpu"])
            page = chromium.new_page(viewport={"width": 1180, "height": 820})
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_label("Username").fill("ana")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("heading", name="Needs attention").wait_for(timeout=120_000)
            for run in range(runs + 1):
                started = time.perf_counter()
                page.get_by_role("button", name="Open").first.click()
                page.get_by_role("heading", name="Open alerts").wait_for(timeout=120_000)
                page.locator(".vega-embed:visible").first.wait_for(timeout=120_000)
                opened = time.perf_counter() - started
                started = time.perf_counter()
                page.get_by_role("link", name="Caseload").click()
                page.get_by_role("heading", name="Needs attention").wait_for(timeout=120_000)
                page.locator("[data-testid=stDataFrame] canvas").first.wait_for(
                    timeout=120_000)
                shown = time.perf_counter() - started
                if run:
                    client.append(opened)
                    caseload.append(shown)
            chromium.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    return [summary("browser: caseload visible", caseload),
            summary("browser: client page, first chart", client)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    url = f"sqlite:///{folder / 'bench.db'}"
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    started = time.perf_counter()
    info = build(url, kit, args.clients, args.sessions)
    print(f"built {args.clients} clients x {args.sessions} sessions (ORS + SRS) in "
          f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")
    lines = server_side(url, kit, info, args.runs)
    if not args.no_browser:
        lines += browser(url, args.runs)
    print("\n".join(lines))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
