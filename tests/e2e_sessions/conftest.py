"""The app served by ``streamlit run`` for the staff-session browser tests: a copy of the
dashboard test clinic in which every role can log in with a password, one server with the
usual idle time and one whose staff screens log out after a few seconds.

Screenshots go to ``artifacts/sessions/`` (git-ignored).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e.server import ROOT, running_app
from e2e_dashboard.clinic import PASSWORD, template

ARTIFACTS = ROOT / "artifacts" / "sessions"
USERS = {"therapist": "ana", "supervisor": "sue", "admin": "adam"}
#: Staff idle time of the "idle" server, in minutes (the watcher checks every ~2 s).
SHORT_IDLE_MINUTES = 0.15


def clinic_copy(tmp_path_factory, name: str, idle_minutes: float | None = None) -> Path:
    from alliance_kit.clinic import accounts, settings
    from alliance_kit.clinic.access import Actor
    from alliance_kit.store import open_store

    source, _, _ = template(tmp_path_factory)
    folder = tmp_path_factory.mktemp(name)
    database = folder / "clinic.db"
    shutil.copy(source, database)
    store = open_store(f"sqlite:///{database}")
    system = Actor.system("e2e")
    for username in (*USERS.values(), "ben"):
        accounts.set_password(store, system, username, PASSWORD)
    if idle_minutes is not None:
        from alliance_kit.clinic import staff_sessions

        # Below the admin page's 1-minute minimum, written directly for the test.
        settings.put(store, system, staff_sessions.IDLE_SETTING, {"minutes": idle_minutes})
    store.close()
    return database


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    database = clinic_copy(tmp_path_factory, "sessions")
    with running_app(f"sqlite:///{database}", database.parent) as url:
        yield url, database


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory):
    database = clinic_copy(tmp_path_factory, "sessions-idle", SHORT_IDLE_MINUTES)
    with running_app(f"sqlite:///{database}", database.parent) as url:
        yield url, database


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
