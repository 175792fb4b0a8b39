"""The admin pages this issue adds, in the running app (AppTest): Notifications (save,
refuse, test message, the latest messages) and Kiosk settings; the audit log's pages;
and the admin pages in Spanish."""

from __future__ import annotations

import pytest
import test_admin_app
from notify_receivers import http_receiver
from test_admin_app import _button, _shown

from alliance_kit.clinic import kiosk, notify
from alliance_kit.clinic.admin import AuditFilter, audit_page
from alliance_kit.store import audit
from alliance_kit.ui import navigation
from alliance_kit.ui.text import plain

# The exports clinic (an admin, a supervisor, a therapist with hostile-coded clients).
c, app = test_admin_app.c, test_admin_app.app


@pytest.fixture
def team(c):
    from alliance_kit.clinic.admin import teams

    return next(iter(teams(c.store)))


def test_notifications_are_saved_and_a_test_message_reaches_the_webhook(app, c, team):
    at = app("admin", "admin-notifications")
    assert [t.value for t in at.title] == ["Notifications"]
    with http_receiver() as hook:
        at.text_input(key=f"admin:notify:{team}:url").set_value("http://127.0.0.1:8501")
        at.toggle(key=f"admin:notify:{team}:hook").set_value(True)
        at.text_input(key=f"admin:notify:{team}:hook-url").set_value(hook.url)
        _button(at, "Save").click().run()
        assert not at.exception and not at.error
        saved = notify.get(c.store, team)
        assert saved.channels == {"webhook": {"url": hook.url}}
        assert saved.app_url == "http://127.0.0.1:8501"
        assert plain("Saved: 1 channel(s).") in _shown(at)
        _button(at, "Send a test message now").click().run()
        assert len(hook.posts) == 1 and not at.error
        assert "posted to 127" in _shown(at).replace("\\", "")
    assert any("delivered" in str(f.value.to_csv()) for f in at.dataframe)


def test_a_bad_notification_setting_is_refused_saying_why(app, c, team):
    at = app("admin", "admin-notifications")
    before = notify.get(c.store, team)
    at.toggle(key=f"admin:notify:{team}:email").set_value(True)
    at.text_input(key=f"admin:notify:{team}:host").set_value("smtp.example.org")
    at.text_area(key=f"admin:notify:{team}:recipients").set_value("not an address")
    _button(at, "Save").click().run()
    errors = " ".join(e.value for e in at.error).replace("\\", "")
    assert "Not saved" in errors and "not an address" in errors
    assert notify.get(c.store, team) == before


def test_kiosk_settings_are_saved_and_shown_as_the_client_reads_them(app, c):
    at = app("admin", "admin-kiosk")
    at.radio(key="admin:kiosk:language").set_value("es")
    at.text_area(key="admin:kiosk:crisis:en").set_value("Crisis line: 988")
    at.text_area(key="admin:kiosk:crisis:es").set_value("Línea de crisis: 988")
    _button(at, "Save").click().run()
    assert not at.exception and not at.error
    assert kiosk.default_language(c.store) == "es"
    assert kiosk.safety_lines(c.store, "es") == [
        "Por favor, avise ahora a una persona del equipo.", "Línea de crisis: 988"]
    shown = _shown(at).replace("\\", "")
    assert "Crisis line: 988" in shown and "Línea de crisis: 988" in shown


def test_the_audit_log_pages_through_everything(app, c):
    c.store.write(lambda session: [audit.append(session, actor="therapist", action="view",
                                                entity="caseload") for _ in range(250)])
    at = app("admin", "admin-audit")
    total = audit_page(c.store, c.actors["admin"], AuditFilter()).total
    assert total > 200
    first = at.dataframe[0].value
    assert len(first) == 200
    at.button(key="admin:audit:older").click().run()
    second = at.dataframe[0].value
    assert not at.exception and len(second) >= 1
    assert second["seq"].max() < first["seq"].min()  # older entries, none repeated
    assert at.number_input(key="admin:audit:page").value == 2


def test_the_admin_pages_in_spanish(app):
    at = app("admin", "admin-users")
    at.selectbox(key=navigation.LANGUAGE_KEY).set_value("es").run()
    assert [t.value for t in at.title] == ["Usuarios y roles"]
    for path, title in (("admin-notifications", "Notificaciones"),
                        ("admin-kiosk", "Ajustes del quiosco"),
                        ("admin-audit", "Registro de auditoría"),
                        ("admin-alerts", "Ajustes de alertas"),
                        ("admin-instruments", "Instrumentos por centro")):
        at._page_hash = test_admin_app.calc_hash(path)
        at.run()
        assert not at.exception
        assert [t.value for t in at.title] == [title]
