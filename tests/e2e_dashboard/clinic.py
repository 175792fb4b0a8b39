"""A small, realistic test clinic for the dashboard tests, built through the services.

Two therapists (ana, ben), a supervisor (sue) over both and an admin (adam), all with the
password :data:`PASSWORD`. Ana has six clients, Ben four; every client has weekly sessions
with the ORS (session start), the SRS and the session check-in (session end) and the PHQ-9
every fourth session, answered through ``submit_response`` so the real engine scores them
and raises alerts. Ana's first three clients carry the storylines: an SRS rupture at the
latest session, a PHQ-9 safety item, and a reliable ORS deterioration.

With ``hostile=True`` client codes, staff names, comments and a whole instrument
(:func:`hostile_definition`, installed as a plugin) are made of
:mod:`hostile_strings`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
from hostile_strings import VISIBLE, add_legacy_client, short

import alliance_kit
from alliance_kit.clinic import accounts
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.importer import in_one_transaction
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
STORIES = ("rupture", "safety", "deterioration")
PLUGIN = '''
from pathlib import Path

from alliance_kit import hookimpl


@hookimpl
def register_instruments():
    return [Path(__file__).parent / "hostile.json"]
'''


def hostile_definition(texts: list[str] = VISIBLE) -> dict[str, Any]:
    """A valid instrument whose every text is hostile: title, items, option labels, score
    title, cut-off label and alert messages (one a safety alert, so it reaches the caseload)."""
    t = iter(texts * 3)
    phq9 = json.loads((ROOT / "instruments" / "phq-9.json").read_text("utf-8"))
    scale = phq9["scales"]["frequency"]
    for option in scale["options"]:
        option["label"] = {"en": next(t)}
    items = [{"id": str(n), "text": {"en": next(t)}, "scale": "frequency"} for n in range(1, 13)]
    return {
        "$schema": phq9["$schema"], "id": "hostile", "version": "1.0.0",
        "title": {"en": next(t)}, "short_title": {"en": next(t)},
        "description": {"en": next(t)}, "citation": next(t), "license": {"name": next(t)},
        "wording": "open", "languages": ["en"], "tags": ["outcome"],
        "scales": {"frequency": scale}, "items": items,
        "scores": [{"id": "total", "title": {"en": next(t)}, "kind": "total", "method": "sum",
                    "items": [i["id"] for i in items], "range": [0, 36],
                    "cutoffs": [{"id": "high", "op": ">=", "value": 10,
                                 "label": {"en": next(t)}}]}],
        "alerts": [
            {"id": "item", "type": "item", "item": "1", "op": ">=", "value": 1,
             "severity": "safety", "message": {"en": next(t)}},
            {"id": "high", "type": "cutoff", "score": "total", "cutoff": "high",
             "severity": "warning", "message": {"en": next(t)}},
        ],
    }


def install_hostile_plugin(plugins_dir: Path) -> None:
    plugins_dir.mkdir(parents=True, exist_ok=True)
    (plugins_dir / "hostile_plugin.py").write_text(PLUGIN, "utf-8")
    (plugins_dir / "hostile.json").write_text(json.dumps(hostile_definition()), "utf-8")


_TEMPLATES: dict[bool, tuple[Path, Path | None, dict[str, Any]]] = {}


def template(tmp_path_factory, *, hostile: bool = False) -> tuple[Path, Path | None, dict]:
    """A clinic database built once per test run (Ana has a password): copy it, never
    write to it. Returns (database file, plugins folder or None, what build_clinic says)."""
    if hostile not in _TEMPLATES:
        folder = tmp_path_factory.mktemp("hostile-clinic" if hostile else "clinic")
        plugins = folder / "plugins"
        if hostile:
            install_hostile_plugin(plugins)
        kit = alliance_kit.build_kit(plugins_dir=plugins, entry_points=False)
        info = build_clinic(f"sqlite:///{folder / 'clinic.db'}", kit, hostile=hostile,
                            passwords=("ana",))
        _TEMPLATES[hostile] = (folder / "clinic.db", plugins if hostile else None, info)
    return _TEMPLATES[hostile]


def build_clinic(url: str, kit: alliance_kit.Kit, *, hostile: bool = False,
                 sessions: int = 5, seed: int = 7,
                 passwords: tuple[str, ...] = ()) -> dict[str, Any]:
    """Create and fill the database at ``url``; returns user and client ids by name/code."""
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, kit)
    system = Actor.system("test")
    team = services.add_team(system, "Team A")
    names = {"ana": "Ana Therapist", "ben": "Ben Therapist", "sue": "Sue Supervisor",
             "adam": "Adam Admin"}
    if hostile:
        names["ana"] = "<img src=x onerror=window.__pwned=1> **Ana**"
    roles = {"ana": "therapist", "ben": "therapist", "sue": "supervisor", "adam": "admin"}
    # Hashing a password takes a while (argon2id): only the accounts that log in get one.
    users = {u: accounts.add_user(store, system, u, roles[u], PASSWORD, display_name=names[u],
                                  team_id=team) if u in passwords else
             services.add_user(system, u, roles[u], display_name=names[u], team_id=team)
             for u in roles}
    codes = [f"C-{n:03d}" for n in range(1, 11)]
    if hostile:  # six clients of Ana's, one of Ben's
        codes = codes[:3] + short(32)[:4]
    comments = list(VISIBLE) if hostile else ["The breathing exercise helped.",
                                                "Today felt rushed."]
    rng = np.random.default_rng(seed)
    today = dt.date.today()
    clients: dict[str, int] = {}

    def fill(batch: Services) -> None:
        note_at = 0
        for index, code in enumerate(codes):
            owner = "ana" if index < 6 else "ben"
            story = STORIES[index] if index < len(STORIES) else None
            client_id = add_legacy_client(batch, system, code, therapist_ids=[users[owner]],
                                          started_on=today - dt.timedelta(weeks=sessions))
            clients[code] = client_id
            for instrument_id, timing, every in (("ors", "session-start", 1),
                                                 ("phq-9", "session-start", 4),
                                                 ("srs", "session-end", 1),
                                                 ("session-checkin", "session-end", 1)):
                batch.assign(system, client_id, instrument_id, timing=timing, every=every)
            if hostile and index == 0:
                batch.assign(system, client_id, "hostile")
            kiosk = Actor.kiosk(client_id, owner)
            ors0 = float(rng.uniform(17, 23))
            for number in range(1, sessions + 1):
                last = number == sessions
                date = today - dt.timedelta(weeks=sessions - number)
                session_id = batch.add_session(system, client_id, date,
                                               therapist_id=users[owner])
                ors = ors0 + 6 * (1 - np.exp(-(number - 1) / 3)) + rng.normal(0, 0.8)
                if story == "deterioration" and last:
                    ors = ors0 - 7
                srs = 37.5 + rng.normal(0, 0.5)
                if story == "rupture" and last:
                    srs = 33.0
                due = [("ors", _four(ors)), ("srs", _four(srs))]
                if hostile or index < 4:
                    due.append(("session-checkin", _checkin(srs, comments, note_at)))
                    note_at += 1
                if number % 4 == 1 or (story == "safety" and last):
                    due.append(("phq-9", _phq9(ors, safety=story == "safety" and last)))
                if hostile and index == 0:
                    due.append(("hostile", {str(i): 1 for i in range(1, 13)}))
                for instrument_id, answers in due:
                    batch.submit_response(
                        kiosk, client_id=client_id, instrument_id=instrument_id,
                        answers=answers, session_id=session_id,
                        idempotency_key=f"{code[:20]}:{number}:{instrument_id}:{index}")
            if story is None and index % 2:
                # Some clients' alerts were dealt with already, as in a clinic.
                for alert in batch.open_alerts(system, client_id).itertuples():
                    batch.acknowledge_alert(system, int(alert.id), "Seen (test data).")

    in_one_transaction(services, fill)
    store.close()
    return {"users": users, "clients": clients, "codes": codes, "store_url": url}


def _four(total: float) -> dict[str, float]:
    value = float(np.clip(round(total / 2) / 2, 0, 10))  # halves: exact in binary
    return {str(i): value for i in range(1, 5)}


def _checkin(srs: float, comments: list[str], at: int) -> dict[str, Any]:
    value = int(np.clip(round(srs / 4), 0, 10))
    answers: dict[str, Any] = {"bond": value, "goals": value, "approach": value,
                               "overall": value}
    if comments:
        answers["comment"] = comments[at % len(comments)]
    return answers


def _phq9(ors: float, safety: bool) -> dict[str, int]:
    total = int(np.clip(round(0.9 * (33 - ors)), 0, 24))
    items = [min(3, max(0, total - 3 * i)) for i in range(8)]
    answers = {str(i + 1): v for i, v in enumerate(items)}
    answers["9"] = 1 if safety else 0
    if sum(answers.values()) > 0:
        answers["10"] = 1
    return answers
