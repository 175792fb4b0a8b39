"""A small clinic for the export, report and admin tests, full of hostile strings.

Built once per test process (it takes a few seconds) into a temporary SQLite file:
one team, an admin (on no care team), a supervisor, a therapist and an outside therapist;
one client per short hostile string as its code, each with a PHQ-9, a session check-in
whose comment is a hostile string, and an answer to ``hostile``, an instrument whose every
text is hostile. Tests that change settings or users use their own fresh store.
"""

from __future__ import annotations

import atexit
import datetime as dt
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hostile_strings import HOSTILE, add_legacy_client, short

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.importer import in_one_transaction
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store
from alliance_kit.store.engine import Store
from alliance_kit.store.models import Response, Score

FIRST_DAY = dt.date(2026, 1, 5)
PLUGIN = '''
from pathlib import Path

from alliance_kit import hookimpl


@hookimpl
def register_instruments():
    return [Path(__file__).parent / "hostile-defs" / "hostile.json"]
'''


def hostile_definition() -> dict:
    """A valid instrument whose title, items, labels, score and alert texts are hostile."""
    texts = [s for s in HOSTILE if s.strip()]

    def en(index: int) -> dict[str, str]:
        return {"en": texts[index % len(texts)]}

    return {
        "id": "hostile",
        "version": "1.0.0",
        "title": en(0),
        "description": en(1),
        "license": {"name": texts[2]},
        "citation": texts[3],
        "wording": "open",
        "languages": ["en"],
        "stem": en(4),
        "scales": {"freq": {"type": "options", "options": [
            {"value": v, "label": en(10 + v)} for v in range(4)]}},
        "items": [{"id": "a", "text": en(20), "scale": "freq"},
                  {"id": "b", "text": en(21), "scale": "freq"},
                  {"id": "c", "text": en(22), "scale": "freq"}],
        "scores": [{"id": "total", "title": en(30), "method": "sum",
                    "items": ["a", "b", "c"], "range": [0, 9],
                    "bands": [{"id": "low", "min": 0, "max": 4, "label": en(31)},
                              {"id": "high", "min": 5, "max": 9, "label": en(32)}],
                    "cutoffs": [{"id": "case", "op": ">=", "value": 5, "label": en(33)}]}],
        "alerts": [{"id": "case", "type": "cutoff", "score": "total", "cutoff": "case",
                    "severity": "warning", "message": en(40)},
                   {"id": "item-a", "type": "item", "item": "a", "op": ">=", "value": 3,
                    "severity": "safety", "message": en(41)}],
    }


def install_plugin(folder: Path) -> Path:
    """A plugins folder holding the hostile instrument; returns the folder."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hostile_instrument.py").write_text(PLUGIN, "utf-8")
    defs = folder / "hostile-defs"
    defs.mkdir(exist_ok=True)
    (defs / "hostile.json").write_text(json.dumps(hostile_definition()), "utf-8")
    return folder


@dataclass
class Clinic:
    url: str
    store: Store
    kit: alliance_kit.Kit
    services: Services
    plugins_dir: Path
    actors: dict[str, Actor] = field(default_factory=dict)
    #: client code -> client id
    clients: dict[str, int] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


def empty_store(folder: Path) -> tuple[str, Store]:
    url = f"sqlite:///{folder / 'clinic.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    return url, store


def build(folder: Path) -> Clinic:
    plugins = install_plugin(folder / "plugins")
    kit = alliance_kit.build_kit(plugins_dir=plugins, disabled=(), entry_points=False)
    assert "hostile" in kit.instruments, kit.problems
    url, store = empty_store(folder)
    services = Services(store, kit)
    system = Actor.system("test")
    team = services.add_team(system, "Clinic A")
    ids = {
        "admin": services.add_user(system, "admin", "admin", team_id=team),
        "supervisor": services.add_user(system, "supervisor", "supervisor", team_id=team),
        "therapist": services.add_user(system, "therapist", "therapist", team_id=team),
        "outsider": services.add_user(system, "outsider", "therapist"),
    }
    clinic = Clinic(url, store, kit, services, plugins)
    roles = {"admin": "admin", "supervisor": "supervisor", "therapist": "therapist",
             "outsider": "therapist"}
    clinic.actors = {name: Actor(name, roles[name], ids[name],
                                 None if name == "outsider" else team) for name in ids}
    codes = ["AK-1", *short(32)]
    texts = list(HOSTILE)
    # Every corpus string is a comment somewhere: AK-1's, then round the other clients.
    clinic.comments = texts
    # One transaction: SQLite commits are slow. AK-1 answers through the kiosk path
    # (scores, alerts); the hostile-coded clients' check-ins are stored directly, as the
    # full submit path for each would take most of the test time budget.
    clinic.clients = in_one_transaction(services, lambda batch: {
        code: add_legacy_client(batch, system, code, therapist_ids=[ids["therapist"]])
        for code in codes})
    in_one_transaction(services, lambda batch: _first_client(
        batch, system, ids["therapist"], clinic.clients["AK-1"], clinic.comments[0]))
    others = [clinic.clients[c] for c in codes[1:]]
    _direct_checkins(store, kit, [others[i % len(others)] for i in range(len(texts) - 1)],
                     texts[1:])
    outside = services.add_client(system, "OUT-1", therapist_ids=[ids["outsider"]])
    clinic.clients["OUT-1"] = outside
    _submit(services, outside, None, "phq-9", {str(i): 1 for i in range(1, 10)})
    return clinic


def _first_client(services: Services, system: Actor, therapist: int, client: int,
                  comment: str) -> None:
    for number in (1, 2, 3):
        session = services.add_session(system, client, FIRST_DAY + dt.timedelta(weeks=number),
                                       therapist_id=therapist)
        _submit(services, client, session, "phq-9",
                {str(i): (i + number) % 4 for i in range(1, 10)})
        _submit(services, client, session, "session-checkin",
                {"bond": 8, "goals": 7, "approach": 9, "overall": 9 - 2 * number,
                 "comment": comment})
        _submit(services, client, session, "hostile", {"a": number, "b": 1, "c": 1})


def _direct_checkins(store: Store, kit: alliance_kit.Kit, clients: list[int],
                     comments: list[str]) -> None:
    """One check-in per client with its comment, scored in one go and stored directly."""
    import pandas as pd

    instrument = kit.instrument("session-checkin")
    answers = [{"bond": 8, "goals": 7, "approach": 9, "overall": i % 11, "comment": text}
               for i, text in enumerate(comments)]
    result = kit.score("session-checkin", pd.DataFrame(answers))

    def work(session) -> None:
        for row, (client, given) in enumerate(zip(clients, answers, strict=True)):
            response = Response(
                idempotency_key=str(uuid.uuid4()), client_id=client,
                instrument_id=instrument.id, instrument_version=instrument.version,
                language="en", answers=given, attributes={}, source="staff",
                payload_hash="0" * 64,
                submitted_at=dt.datetime.combine(FIRST_DAY, dt.time(9), tzinfo=dt.UTC))
            session.add(response)
            session.flush()
            for spec in instrument.scores:
                value = result.scores[spec.id].iloc[row]
                session.add(Score(response_id=response.id, score_id=spec.id,
                                  value=None if pd.isna(value) else float(value),
                                  instrument_version=instrument.version,
                                  engine_version=result.engine_version))

    store.write(work)


def _submit(services: Services, client: int, session: int | None, instrument: str,
            answers: dict) -> None:
    services.submit_response(Actor.kiosk(client, "test"), client_id=client,
                             instrument_id=instrument, answers=answers, session_id=session,
                             idempotency_key=str(uuid.uuid4()))


@cache
def clinic() -> Clinic:
    """The shared clinic (read-mostly: tests may add audit entries, nothing else)."""
    folder = Path(tempfile.mkdtemp(prefix="ak-exports-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return build(folder)
