"""A PHQ-9 with item 9 left blank shows on the dashboard (AppTest of app.py): on the
caseload's card and in the client's open alerts, with the definition's message."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import streamlit as st
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

import alliance_kit
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.services import Services
from alliance_kit.store import migrate, open_store
from alliance_kit.ui import session
from alliance_kit.ui.dashboard.common import CURRENT

ROOT = Path(__file__).resolve().parents[1]
MESSAGE = "Safety item not answered"


@pytest.fixture
def clinic(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, alliance_kit.build_kit(entry_points=False, local=False))
    system = Actor.system("test")
    team = services.add_team(system, "Team A")
    ana = services.add_user(system, "ana", "therapist", display_name="Ana", team_id=team)
    blank = services.add_client(system, "C-1", therapist_ids=[ana])
    answered = services.add_client(system, "C-2", therapist_ids=[ana])
    nine = {str(i): 1 for i in range(1, 9)}
    services.submit_response(system, client_id=blank, instrument_id="phq-9",
                             answers={**nine, "9": None}, idempotency_key="paper",
                             source="import", complete=False)
    services.submit_response(system, client_id=answered, instrument_id="phq-9",
                             answers={**nine, "9": 0}, idempotency_key="kiosk")
    store.close()
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", url)
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(tmp_path / "no-plugins"))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.chdir(ROOT)
    yield {"ana": Account(ana, "ana", "Ana", "therapist", team), "C-1": blank, "C-2": answered}
    st.cache_resource.clear()


def app(account: Account, page: str | None = None, **state) -> AppTest:
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    now = time.time()
    at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(account, now, now)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    if page:
        at._page_hash = calc_hash(page)
        at.run()
    return at


def texts(at: AppTest) -> str:
    kinds = ("markdown", "caption", "warning", "info", "error", "subheader", "title")
    return "\n".join(e.value for kind in kinds for e in at.get(kind))


def test_the_caseload_card_names_the_unanswered_safety_item(clinic) -> None:
    at = app(clinic["ana"])
    assert not at.exception
    shown = texts(at)
    # One card, C-1's: the client who answered item 9 (C-2) raised nothing.
    assert shown.count(MESSAGE) == 1
    card = next(line for line in shown.splitlines() if "open alert" in line)
    assert "C\\-1" in card and "Warning" in card


def test_the_client_page_lists_it_as_an_open_alert(clinic) -> None:
    at = app(clinic["ana"], "client", **{CURRENT: clinic["C-1"]})
    assert not at.exception
    assert MESSAGE in texts(at)
    assert any((b.key or "").startswith("dashboard:acknowledge:") for b in at.button)


def test_a_client_who_answered_item_9_has_no_open_alert(clinic) -> None:
    at = app(clinic["ana"], "client", **{CURRENT: clinic["C-2"]})
    assert not at.exception
    assert MESSAGE not in texts(at)
    assert not any((b.key or "").startswith("dashboard:acknowledge:") for b in at.button)
