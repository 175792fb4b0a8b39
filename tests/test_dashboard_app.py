"""The dashboard pages in AppTest: caseload, client page, acknowledging, roles, hostile text.

Each test runs app.py against its own copy of a small clinic (see e2e_dashboard/clinic.py)
built once per module, logged in by putting the account into the session state.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from e2e_dashboard.clinic import template
from hostile_strings import PWNED, VISIBLE
from sqlalchemy import select
from streamlit.navigation.page import calc_hash
from streamlit.testing.v1 import AppTest

import alliance_kit
from alliance_kit.clinic import dashboard as data
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.accounts import Account
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store
from alliance_kit.store.models import Alert, AuditEntry
from alliance_kit.ui import session
from alliance_kit.ui.dashboard.common import CURRENT
from alliance_kit.ui.text import plain

ROOT = Path(__file__).resolve().parents[1]
MARKDOWN_KINDS = ("markdown", "title", "header", "subheader", "caption", "error", "warning",
                  "info", "success")


@pytest.fixture(scope="module")
def clinic_template(tmp_path_factory):
    return template(tmp_path_factory)


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory):
    return template(tmp_path_factory, hostile=True)


class Clinic:
    """A private copy of a template clinic, and AppTests of app.py logged in to it."""

    def __init__(self, template, tmp_path: Path, monkeypatch):
        source, plugins, self.info = template
        self.path = tmp_path / "clinic.db"
        shutil.copy(source, self.path)
        self.url = f"sqlite:///{self.path}"
        monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", self.url)
        monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(plugins or tmp_path / "none"))
        monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
        monkeypatch.chdir(ROOT)
        self.users = self.info["users"]
        self.clients = self.info["clients"]

    def account(self, username: str) -> Account:
        roles = {"ana": "therapist", "ben": "therapist", "sue": "supervisor", "adam": "admin"}
        team = 1
        return Account(self.users[username], username, username, roles[username], team)

    def actor(self, username: str) -> Actor:
        return self.account(username).actor

    def app(self, username: str | None, page: str | None = None, **state) -> AppTest:
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        if username:
            now = time.time()
            at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
                self.account(username), now, now)
        for key, value in state.items():
            at.session_state[key] = value
        at.run()
        if page:
            # Pages are callables registered with a url path; AppTest.switch_page only
            # knows files, so go by the page hash st.navigation gives that path.
            at._page_hash = calc_hash(page)
            at.run()
        return at

    def store(self):
        return open_store(self.url)


@pytest.fixture
def clinic(clinic_template, tmp_path, monkeypatch):
    yield Clinic(clinic_template, tmp_path, monkeypatch)
    st.cache_resource.clear()


@pytest.fixture
def hostile(hostile_template, tmp_path, monkeypatch):
    yield Clinic(hostile_template, tmp_path, monkeypatch)
    st.cache_resource.clear()


def bodies(at: AppTest) -> list[str]:
    """The source of every element that renders Markdown."""
    return [e.value for kind in MARKDOWN_KINDS for e in at.get(kind)]


def caseload_frame(at: AppTest) -> pd.DataFrame:
    frame = next(df.value for df in at.dataframe if "Flag" in df.value.columns)
    return frame.data if hasattr(frame, "data") else frame  # a Styler's frame


def open_buttons(at: AppTest) -> list:
    return [b for b in at.button if (b.key or "").startswith("dashboard:open:")]


# ---- caseload -------------------------------------------------------------------------


def test_caseload_is_the_staff_start_page_sorted_by_urgency(clinic):
    at = clinic.app("ana")
    assert not at.exception
    assert at.title[0].value == "Caseload"
    table = caseload_frame(at)
    assert set(table["Client"]) == {f"C-{n:03d}" for n in range(1, 7)}  # Ana's six only
    # The safety alert first, then warnings; flags are words and symbols, not colour alone.
    assert table.iloc[0]["Client"] == "C-002" and table.iloc[0]["Flag"] == "‼ SAFETY"
    ranks = {"‼ SAFETY": 0, "⚠ Warning": 1, "ℹ Info": 2, "": 3}
    assert list(table["Flag"].map(ranks)) == sorted(table["Flag"].map(ranks))
    assert {"Alliance", "Alliance trend", "Outcome", "Last session"} <= set(table.columns)
    assert any(m.label.endswith("Safety alerts") and m.value == "1" for m in at.metric)
    cards = [b for b in bodies(at) if b.startswith(":red-badge[")]
    assert cards and "C\\-002" in cards[0] and "Item 9" in cards[0]


def test_open_a_client_from_the_caseload(clinic):
    at = clinic.app("ana")
    button = next(b for b in open_buttons(at) if b.key.endswith(f":{clinic.clients['C-001']}"))
    button.click().run()
    assert not at.exception
    assert at.title[0].value == plain("C-001")
    assert at.selectbox(key="dashboard:client-select").value == clinic.clients["C-001"]
    subheaders = [s.value for s in at.subheader]
    assert subheaders[0] == "Open alerts"
    assert any(s.startswith("SRS") for s in subheaders)
    assert any("rupture" in c.value for c in at.caption)
    charts = at.get("vega_lite_chart")
    assert len(charts) >= 3
    assert any("Expected trajectory from this clinic" in c.value for c in at.caption)


def test_acknowledging_needs_a_note_and_is_audited(clinic):
    client_id = clinic.clients["C-002"]
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    assert not at.exception
    forms = [b for b in at.button if (b.key or "").startswith("dashboard:acknowledge:")]
    assert forms
    alert_id = int(forms[0].key.rsplit(":", 1)[1])
    forms[0].click().run()
    assert any("Write a note" in e.value for e in at.error)
    at.text_input(key=f"dashboard:note:{alert_id}").input("Safety plan agreed")
    at.button(key=f"dashboard:acknowledge:{alert_id}").click().run()
    assert not at.exception
    assert any("acknowledged" in s.value for s in at.success)
    assert not any(b.key == f"dashboard:acknowledge:{alert_id}" for b in at.button)
    store = clinic.store()
    with store.read() as db:
        alert = db.get(Alert, alert_id)
        assert alert.note == "Safety plan agreed" and alert.acknowledged_by == clinic.users["ana"]
        entry = db.execute(select(AuditEntry).where(AuditEntry.action == "acknowledge")
                           .order_by(AuditEntry.seq.desc())).scalars().first()
        assert entry.actor == "ana" and entry.entity_id == str(alert_id)
    store.close()


def test_client_page_tabs_answers_comments_and_assignments(clinic):
    client_id = clinic.clients["C-001"]
    at = clinic.app("ana", "client", **{CURRENT: client_id})
    assert not at.exception
    frames = [df.value for df in at.dataframe]
    answers = next(f for f in frames if "Question" in f.columns)
    assert len(answers) >= 4 and answers["Answer"].ne("—").any()
    # Comments are cards of wrapped text, not grid lines.
    shown_text = {m.value for m in at.markdown}
    assert shown_text & {plain("The breathing exercise helped."), plain("Today felt rushed.")}
    assert not any("Comment" in f.columns for f in frames)
    shown = next(f for f in frames if "Status" in f.columns)
    assert set(shown["Status"]) == {"active"}
    # Stop an assignment, then assign a new instrument.
    at.button(key="dashboard:toggle").click().run()
    assert not at.exception
    shown = next(df.value for df in at.dataframe if "Status" in df.value.columns)
    assert "stopped" in set(shown["Status"])
    at.selectbox(key="dashboard:assign:instrument").set_value("gad-7")
    at.number_input(key="dashboard:assign:every").set_value(2)
    at.button(key="dashboard:assign:submit").click().run()
    assert not at.exception
    shown = next(df.value for df in at.dataframe if "Status" in df.value.columns)
    assert any("gad-7" in i for i in shown["Instrument"])
    assert "every 2 sessions" in set(shown["Every"])


# ---- roles ----------------------------------------------------------------------------


def test_supervisor_sees_the_team_and_admin_sees_no_clients(clinic):
    at = clinic.app("sue")
    assert not at.exception
    assert len(caseload_frame(at)) == len(clinic.clients)
    at = clinic.app("adam")
    assert not at.exception
    assert any("No clients" in i.value for i in at.info)
    at = clinic.app("adam", "client")
    assert not at.exception
    assert not at.get("vega_lite_chart")


def test_logged_out_and_kiosk_sessions_have_no_dashboard(clinic):
    at = clinic.app(None, "caseload")
    assert not at.exception
    assert [t.value for t in at.title] == ["alliance_kit"]  # the login page, nothing else
    assert not at.dataframe
    at = clinic.app(None, "client", **{CURRENT: clinic.clients["C-001"]})
    assert not any("C\\-001" in b for b in bodies(at))


def test_another_therapists_client_cannot_be_reached_through_the_pages(clinic):
    anas = clinic.clients["C-001"]
    at = clinic.app("ben", "client", **{CURRENT: anas})
    assert not at.exception
    assert at.selectbox(key="dashboard:client-select").value is None
    assert anas not in at.selectbox(key="dashboard:client-select").options
    assert not any("C\\-001" in b for b in bodies(at))
    assert not at.get("vega_lite_chart")
    at = clinic.app("ben")
    assert "C-001" not in set(caseload_frame(at)["Client"])


def test_another_therapists_client_cannot_be_reached_through_the_functions(clinic):
    store = clinic.store()
    kit = alliance_kit.build_kit(entry_points=False, local=False)
    services = Services(store, kit)
    ben, anas = clinic.actor("ben"), clinic.clients["C-001"]
    ana_alert = int(services.open_alerts(clinic.actor("ana"), anas)["id"].iloc[0])
    assignment = int(data.assignments(services, clinic.actor("ana"), anas)
                     ["assignment_id"].iloc[0])
    calls = [
        lambda: data.client_summary(services, ben, anas),
        lambda: data.client_responses(services, ben, anas),
        lambda: data.assignments(services, ben, anas),
        lambda: data.set_assignment_active(services, ben, assignment, False),
        lambda: services.client_history(ben, anas),
        lambda: services.open_alerts(ben, anas),
        lambda: services.acknowledge_alert(ben, ana_alert, "not mine"),
        lambda: services.assign(ben, anas, "gad-7"),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    assert anas not in set(data.visible_clients(services, ben)["client_id"])
    assert anas not in set(services.caseload(ben)["client_id"])
    # The norm is an aggregate: nothing in it names or counts one client's rows.
    norm = data.expected(services, ben, "ors", "total", 20.0)
    assert list(norm.table.columns) == ["session", "median", "q25", "q75", "n"]
    assert (norm.table["n"] >= 5).all()
    store.close()


# ---- hostile text ---------------------------------------------------------------------


def _assert_inert(at: AppTest) -> None:
    """No Markdown-rendering element holds a hostile string unescaped."""
    longest_first = sorted(VISIBLE, key=len, reverse=True)
    for body in bodies(at):
        for text in longest_first:  # take out what is shown escaped, then look for the rest
            body = body.replace(plain(text), "\x00")
        for text in VISIBLE:
            if re.search(r"[!-/:-@\[-`{-~]", text):  # has something Markdown could use
                assert text not in body, (text, body)


def test_hostile_text_is_inert_on_the_caseload(hostile):
    at = hostile.app("ana")
    assert not at.exception
    _assert_inert(at)
    table = caseload_frame(at)
    assert set(table["Client"]) == set(hostile.info["codes"][:6])  # exactly as written


def test_hostile_text_is_inert_on_every_client_page(hostile):
    for code in hostile.info["codes"][3:6]:
        at = hostile.app("ana", "client", **{CURRENT: hostile.clients[code]})
        assert not at.exception, code
        assert at.title[0].value == plain(code)
        _assert_inert(at)
    # The client with the hostile instrument and the hostile comments.
    at = hostile.app("ana", "client", **{CURRENT: hostile.clients["C-001"]})
    frames = [df.value for df in at.dataframe]
    # Comments are wrapped Markdown cards now: each hostile one is there, escaped only.
    shown = "\n".join(bodies(at))
    assert sum(plain(text) in shown for text in VISIBLE if "<script" in text) >= 2
    _assert_inert(at)
    questions = set().union(*(set(f["Question"]) for f in frames if "Question" in f.columns))
    assert questions & set(VISIBLE)
    # The hostile instrument's title reaches Markdown only escaped.
    assert any(plain(t) in b for b in bodies(at) for t in VISIBLE if PWNED in t)
