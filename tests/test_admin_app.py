"""The admin pages and the Exports page in the running app (AppTest, in-process).

Admin pages exist only in an admin's navigation; an admin on no care team sees no client
data on them; hostile definition text shows inert; every write goes through the library.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import streamlit as st
from export_clinic import clinic
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from alliance_kit.clinic import admin, settings
from alliance_kit.clinic.accounts import Account
from alliance_kit.store.models import AuditEntry, User
from alliance_kit.ui import session
from alliance_kit.ui.text import plain

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PAGES = {"admin-users": "Users and roles", "admin-instruments": "Instruments per clinic",
               "admin-alerts": "Alert settings", "admin-audit": "Audit log"}


@pytest.fixture(scope="module")
def c():
    return clinic()


@pytest.fixture
def app(c, monkeypatch):
    """open(user, url_path): the app as that clinic user, on that page."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("ALLIANCE_KIT_DATABASE_URL", c.url)
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(c.plugins_dir))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)

    def open_(user: str, url_path: str | None = None) -> AppTest:
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        actor = c.actors[user]
        now = time.time()
        at.session_state[session.ACCOUNT_KEY] = session.LoggedIn(
            Account(actor.user_id, actor.username, user.title(), actor.role, actor.team_id),
            now, now)
        at.run()
        if url_path:
            at._page_hash = calc_hash(url_path)  # callable pages: switch_page cannot
            at.run()
        assert not at.exception, at.exception
        return at

    yield open_
    st.cache_resource.clear()


def _paths(at: AppTest) -> set[str]:
    return {info.get("url_pathname") for info in at._registered_pages.values()}


def _shown(at: AppTest) -> str:
    """Everything the page shows as text: Markdown sources, labels and table cells."""
    parts = [e.value for kind in ("title", "markdown", "caption", "error", "success", "info",
                                  "warning") for e in at.get(kind)]
    parts += [w.label for kind in ("checkbox", "button", "text_input", "selectbox")
              for w in at.get(kind)]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(str(p) for p in parts)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_admin_navigation_has_the_admin_pages_and_no_exports(app):
    at = app("admin")
    assert set(ADMIN_PAGES) <= _paths(at)
    assert "exports" not in _paths(at)


@pytest.mark.parametrize("user", ["therapist", "supervisor"])
def test_clinicians_cannot_reach_admin_pages(app, user):
    at = app(user)
    assert not set(ADMIN_PAGES) & _paths(at)
    assert "exports" in _paths(at)
    for url_path, title in ADMIN_PAGES.items():
        at._page_hash = calc_hash(url_path)
        at.run()
        assert not at.exception
        assert title not in [t.value for t in at.title]


@pytest.mark.parametrize("url_path", list(ADMIN_PAGES))
def test_each_admin_page_renders_without_client_data(app, c, url_path):
    at = app("admin", url_path)
    assert [t.value for t in at.title] == [ADMIN_PAGES[url_path]]
    shown = _shown(at)
    for code in c.clients:
        if len(code) >= 8 and code not in ADMIN_PAGES.values():
            assert code not in shown, f"client code {code!r} shown on {url_path}"


def test_add_disable_and_reset_a_user(app, c):
    at = app("admin", "admin-users")
    at.text_input(key="admin:users:new:username").set_value("newbie")
    at.text_input(key="admin:users:new:name").set_value("<b>New</b> **bie**")
    at.selectbox(key="admin:users:new:role").set_value("therapist")
    at.text_input(key="admin:users:new:password").set_value("a long enough password")
    _button(at, "Add user").click().run()
    assert not at.exception and not at.error
    assert plain("Added newbie as therapist.") in [s.value for s in at.success]
    assert "<b>New</b> **bie**" in at.dataframe[0].value["display_name"].tolist()

    at.selectbox(key="admin:users:chosen").set_value("newbie").run()
    _button(at, "Disable account").click().run()
    assert not at.exception
    at.text_input(key="admin:users:reset:1").set_value("another long password")
    at.text_input(key="admin:users:reset:2").set_value("another long password")
    _button(at, "Set password").click().run()
    assert not at.exception and not at.error
    with c.store.read() as s:
        user = s.scalars(select(User).where(User.username == "newbie")).one()
        assert user.active is False and user.password_hash.startswith("$argon2id$")


def test_short_password_is_refused_in_words(app):
    at = app("admin", "admin-users")
    at.text_input(key="admin:users:new:username").set_value("shorty")
    at.text_input(key="admin:users:new:password").set_value("short")
    _button(at, "Add user").click().run()
    assert [e.value for e in at.error] == [plain("a password needs at least 12 characters")]


def test_admin_cannot_disable_themself(app):
    at = app("admin", "admin-users")
    at.selectbox(key="admin:users:chosen").set_value("admin").run()
    assert "Disable account" not in [b.label for b in at.button]


def test_instruments_per_clinic_are_saved(app, c):
    at = app("admin", "admin-instruments")
    team = at.selectbox(key="admin:instruments:team").value
    hostile = c.kit.instrument("hostile")
    box = at.checkbox(key=f"admin:instruments:{team}:hostile")
    assert box.label == plain(f"hostile — {hostile.text(hostile.title)}"), "label is inert"
    at.checkbox(key=f"admin:instruments:{team}:wai-sr").uncheck()
    _button(at, "Save").click().run()
    assert not at.exception
    enabled = settings.enabled_instruments(c.store, c.kit, team)
    assert "wai-sr" not in enabled and "hostile" in enabled
    settings.set_enabled_instruments(c.store, c.actors["admin"], c.kit, team, c.kit.instruments)


def test_alert_settings_keep_safety_rules_on(app, c):
    at = app("admin", "admin-alerts")
    safety = at.checkbox(key="admin:alerts:phq-9:self-harm")
    assert safety.value and safety.disabled
    hostile_safety = at.checkbox(key="admin:alerts:hostile:item-a")
    assert hostile_safety.disabled
    at.checkbox(key="admin:alerts:srs:rupture").uncheck()
    _button(at, "Save").click().run()
    assert not at.exception and not at.error
    assert not settings.alert_settings(c.store).enabled("srs", "rupture")
    settings.set_alert_settings(c.store, c.actors["admin"], c.kit, settings.AlertSettings())


def test_audit_log_filters(app, c):
    at = app("admin", "admin-audit")
    at.multiselect(key="admin:audit:actions").set_value(["create"])
    _button(at, "Filter").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) and set(table["action"]) == {"create"}
    at.multiselect(key="admin:audit:actions").set_value([])
    at.text_input(key="admin:audit:client").set_value(str(c.clients["AK-1"]))
    _button(at, "Filter").click().run()
    assert set(at.dataframe[0].value["client_id"]) == {c.clients["AK-1"]}
    at.text_input(key="admin:audit:client").set_value("<script>")
    _button(at, "Filter").click().run()
    assert [e.value for e in at.error] == [plain("'<script>' is not a client number: use "
                                                 "digits only (the number in the Client "
                                                 "column).")]
    viewed = admin.audit_log(c.store, c.actors["admin"], admin.AuditFilter(
        actor="admin", actions=("view",)))
    assert "audit-log" in set(viewed["entity"])


def test_therapist_exports_a_file_and_a_report(app, c):
    at = app("therapist", "exports")
    assert [t.value for t in at.title] == ["Exports and reports"]
    at.selectbox(key="exports:instrument").set_value("session-checkin")
    at.radio(key="exports:format").set_value("xlsx")
    _button(at, "Prepare the file").click().run()
    assert not at.exception and not at.error
    with c.store.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "export")
                          .order_by(AuditEntry.seq.desc()).limit(1)).one()
        assert (entry.actor, entry.action, entry.details["format"]) == (
            "therapist", "export", "xlsx")
    _button(at, "Prepare the PDF").click().run()
    assert not at.exception and not at.error
