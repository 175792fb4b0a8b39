"""Staff sessions in AppTest: a disabled or changed account loses its open session at once,
logging out and timing out are audited, the kiosk does not keep a staff login alive, and
single sign-on never outlives our own login.

Each test runs app.py against its own copy of the small dashboard clinic
(tests/e2e_dashboard/clinic.py): therapists ana and ben, supervisor sue, admin adam.
"""

from __future__ import annotations

import time

import pytest
import streamlit as st
from sqlalchemy import select
from test_dashboard_app import ROOT, Clinic, caseload_frame

from alliance_kit.clinic import accounts, kiosk, staff_sessions
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store.models import AuditEntry
from alliance_kit.ui import session

ADMIN = Actor.system("test-admin")


@pytest.fixture
def clinic(clinic_template, tmp_path, monkeypatch):
    yield Clinic(clinic_template, tmp_path, monkeypatch)
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def clinic_template(tmp_path_factory):
    from e2e_dashboard.clinic import template

    return template(tmp_path_factory)


def ends(clinic, username: str) -> list[tuple[str, dict]]:
    """(action, details) of the audit entries that ended ``username``'s logins."""
    store = clinic.store()
    try:
        with store.read() as session_:
            return [(e.action, e.details) for e in session_.scalars(
                select(AuditEntry).where(AuditEntry.actor == username,
                                         AuditEntry.action.in_(
                                             ["logout", "timeout", "session-ended"]))
                .order_by(AuditEntry.seq))]
    finally:
        store.close()


def on_login_page(at) -> bool:
    return [t.value for t in at.title] == ["alliance_kit"] and not at.dataframe


def notices(at) -> list[str]:
    return [i.value for i in at.info]


# ---- an account changed by an admin: the open session ends at once (issue 15, item 1) --


def test_disabling_an_account_ends_its_open_session(clinic):
    at = clinic.app("ana")
    assert len(caseload_frame(at)) > 0
    store = clinic.store()
    accounts.set_active(store, ADMIN, "ana", False)
    at.run()
    assert not at.exception
    assert on_login_page(at), "a disabled therapist kept the caseload"
    assert any("disabled" in n for n in notices(at))
    assert session.ACCOUNT_KEY not in at.session_state
    assert ends(clinic, "ana") == [("session-ended", {"reason": "disabled"})]
    store.close()


def test_a_supervisor_moved_to_another_team_loses_the_old_team_at_once(clinic):
    at = clinic.app("sue")
    assert len(caseload_frame(at)) == len(clinic.clients)
    old = clinic.actor("sue")
    store = clinic.store()
    other = Services(store, None).add_team(ADMIN, "Team B")
    accounts.set_role(store, ADMIN, "sue", "supervisor", other)
    at.run()
    assert on_login_page(at)
    assert any("changed this account" in n for n in notices(at))
    # The services refuse the old rights too, whoever still holds them.
    services = Services(store, None)
    with pytest.raises(AccessDenied, match="changed"):
        services.caseload(old)
    with pytest.raises(AccessDenied):
        services.client_history(old, clinic.clients["C-001"])
    store.close()


def test_a_password_reset_ends_open_sessions(clinic):
    at = clinic.app("ben")
    store = clinic.store()
    accounts.set_password(store, ADMIN, "ben", "a brand new password")
    at.run()
    assert on_login_page(at)
    assert ends(clinic, "ben") == [("session-ended", {"reason": "changed"})]
    store.close()


# ---- logging out and timing out are audited (issue 18, items 1 and 9) -----------------


@pytest.mark.parametrize("username", ["ana", "sue", "adam"])
def test_log_out_for_each_role_is_audited_and_shows_the_login(clinic, username):
    at = clinic.app(username)
    at.button(key="app:logout").click().run()
    assert not at.exception
    assert on_login_page(at)
    assert notices(at) == ["You have logged out."]
    assert not [c for c in [*at.sidebar.caption, *at.sidebar.markdown]
                if "Logged in as" in c.value]
    assert ends(clinic, username) == [("logout", {"reason": "logout"})]


def test_an_idle_timeout_is_audited(clinic):
    at = clinic.app("ana")
    logged = at.session_state[session.ACCOUNT_KEY]
    logged.last_seen = time.time() - staff_sessions.IDLE_MINUTES * 60 - 5
    at.run()
    assert on_login_page(at)
    assert any("without activity" in n for n in notices(at))
    assert ends(clinic, "ana") == [("timeout", {"reason": "idle"})]


def test_the_twelve_hour_limit_is_audited(clinic):
    at = clinic.app("ana")
    logged = at.session_state[session.ACCOUNT_KEY]
    logged.login_at = time.time() - 12 * 3600 - 5
    at.run()
    assert on_login_page(at)
    assert ends(clinic, "ana") == [("timeout", {"reason": "max-age"})]


# ---- the staff page watches for idleness by itself (issue 15, item 12) ---------------


def test_staff_pages_watch_for_idleness_without_a_click(clinic):
    """The watcher is a fragment that reruns on a timer; the browser test
    (tests/e2e_sessions) shows a caseload logging itself out."""
    at = clinic.app("ana")
    logged = at.session_state[session.ACCOUNT_KEY]
    before = logged.last_seen
    # The fragment's check counts nothing as activity, and says how long is left.
    left = session.seconds_left(at.session_state, staff_sessions.idle_seconds(None))
    assert 0 < left <= staff_sessions.IDLE_MINUTES * 60
    assert logged.last_seen == before


# ---- the kiosk does not keep a staff login alive (issue 15, item 3) -------------------


def test_kiosk_taps_and_wrong_pins_do_not_refresh_the_staff_login(clinic):
    at = clinic.app("ana")
    logged = at.session_state[session.ACCOUNT_KEY]
    handover = kiosk.Handover(clinic.clients["C-001"], None, ("session-checkin",), "ana")
    state = kiosk.KioskState()
    state.begin(handover)
    at.session_state[session.KIOSK_KEY] = state
    logged.last_seen = time.time() - 60
    seen = logged.last_seen
    at.run()
    at.run()
    assert not at.exception
    assert at.session_state[session.ACCOUNT_KEY].last_seen == seen
    # The staff login times out while the client is still answering: the questions stay.
    logged.last_seen = time.time() - staff_sessions.IDLE_MINUTES * 60 - 5
    at.run()
    assert not at.exception
    assert session.ACCOUNT_KEY not in at.session_state
    assert at.session_state[session.KIOSK_KEY].handover == handover
    assert ends(clinic, "ana") == [("timeout", {"reason": "idle"})]


# ---- single sign-on never outlives our login (issue 15, item 2) ------------------------


AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "s" * 32,
        "client_id": "app", "client_secret": "secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
        "client_kwargs": {"prompt": "login"}, "authorize_params": {"max_age": 0}}


def sso_app(clinic, monkeypatch, *, auth=None, iat=None, account: str | None = None):
    """app.py with single sign-on configured and Streamlit's identity cookie for ana."""
    logged_out = []
    monkeypatch.setattr(st, "logout", lambda: logged_out.append(True))
    st.cache_resource.clear()
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = auth or AUTH
    at.secrets["alliance_kit_sso"] = {"claim": "preferred_username"}
    at.user = {"is_logged_in": True, "preferred_username": "ana",
               "iat": time.time() if iat is None else iat}
    if account:
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
            clinic.account(account), now, now, "sso")
    at.run()
    return at, logged_out


def test_a_fresh_single_sign_on_logs_in(clinic, monkeypatch):
    at, _ = sso_app(clinic, monkeypatch)
    assert not at.exception
    assert at.session_state[session.ACCOUNT_KEY].account.username == "ana"


def test_an_old_identity_cookie_does_not_log_anyone_in(clinic, monkeypatch):
    at, _ = sso_app(clinic, monkeypatch, iat=time.time() - 3 * 3600)
    assert not at.exception
    assert session.ACCOUNT_KEY not in at.session_state
    assert any(b.key == "login:sso" for b in at.button)


def test_a_timeout_ends_the_single_sign_on_too(clinic, monkeypatch):
    at, logged_out = sso_app(clinic, monkeypatch, account="ana")
    assert session.ACCOUNT_KEY in at.session_state and not logged_out
    at.session_state[session.ACCOUNT_KEY].last_seen = time.time() - 16 * 60
    at.run()
    assert logged_out == [True], "st.logout() was not called on timeout"
    assert ends(clinic, "ana") == [("timeout", {"reason": "idle", "via": "sso"})]


def test_log_out_ends_the_single_sign_on_too(clinic, monkeypatch):
    at, logged_out = sso_app(clinic, monkeypatch, account="ana")
    at.button(key="app:logout").click().run()
    assert logged_out == [True]
    assert ends(clinic, "ana") == [("logout", {"reason": "logout", "via": "sso"})]


@pytest.mark.parametrize("change, words", [
    ({"client_kwargs": {}}, 'prompt = "login"'),
    ({"authorize_params": {}}, "max_age"),
    ({"authorize_params": {"max_age": 86400}}, "max_age"),
])
def test_sso_is_not_offered_unless_the_provider_is_asked_for_a_fresh_login(
        clinic, monkeypatch, change, words):
    at, _ = sso_app(clinic, monkeypatch, auth={**AUTH, **change})
    assert not at.exception
    assert session.ACCOUNT_KEY not in at.session_state
    assert not any(b.key == "login:sso" for b in at.button)
    assert any(words in w.value.replace("\\", "") for w in at.warning)
