"""A small kiosk database for tests: one therapist, two clients, a session, the check-in due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import alliance_kit
from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import add_user
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store

PASSWORD = "correct horse battery"
PIN = "246813"


@dataclass(frozen=True)
class Seeded:
    url: str
    therapist_id: int
    client_id: int
    other_client_id: int
    session_id: int
    team_id: int | None = None


def seed(path: Path, kit: alliance_kit.Kit | None = None) -> Seeded:
    """Create and fill a SQLite database at ``path`` (it must not exist yet)."""
    url = f"sqlite:///{path}"
    store = open_store(url, create=True)
    try:
        migrate.upgrade(store)
        kit = kit or alliance_kit.build_kit(entry_points=False, local=False)
        services = Services(store, kit)
        system = Actor.system("test-seed")
        team = services.add_team(system, "North")
        ana = add_user(store, system, "ana", "therapist", PASSWORD, display_name="Ana",
                       team_id=team)
        add_user(store, system, "bo", "therapist", PASSWORD, display_name="Bo", team_id=team)
        client = services.add_client(system, "C-001", therapist_ids=[ana])
        other = services.add_client(system, "C-002", therapist_ids=[ana])
        session = services.add_session(system, client, dt.date.today(), ana)
        services.assign(system, client, "session-checkin", timing="session-end")
        services.assign(system, other, "session-checkin", timing="session-end")
        kiosk.set_pin(store, system, PIN)
        return Seeded(url, ana, client, other, session, team)
    finally:
        store.close()
