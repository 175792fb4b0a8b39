"""The dashboard's banner of new alerts (AppTest): there on the caseload when a safety alert
arrives, gone once the client is opened; and the page checks for new alerts by itself."""

from __future__ import annotations

import pytest
import test_kiosk_app
from test_kiosk_app import app, goto, unescape

from alliance_kit.clinic.access import Actor
from alliance_kit.ui.dashboard import live

# The kiosk app tests' clinic: a therapist (ana) logged in, clients C-001 and C-002.
template, db, services = test_kiosk_app.template, test_kiosk_app.db, test_kiosk_app.services
SAFETY = {**{str(i): 2 for i in range(1, 9)}, "9": 1, "10": 2}


def banner_text(at) -> str:
    return unescape(" ".join(e.value for e in [*at.error, *at.warning]))


def submit_safety(services, client_id, key="k1"):
    services.submit_response(Actor.kiosk(client_id, "ana"), client_id=client_id,
                             instrument_id="phq-9", answers=SAFETY, idempotency_key=key)


def test_a_new_safety_alert_shows_as_a_banner_until_the_client_is_opened(db, services):
    at = app(db).run()
    assert "new alert" not in banner_text(at)
    submit_safety(services, db.client_id)
    at.run()
    assert "1 new alert needs attention." in banner_text(at)
    assert any("C-001" in unescape(m.value) for m in at.markdown)
    assert at.metric[1].value == "1"  # Safety alerts
    at.button(key=f"dashboard:new:{db.client_id}").click().run()
    assert not at.exception
    assert "new alert" not in banner_text(at)
    goto(at, "caseload")
    assert "new alert" not in banner_text(at)
    assert at.metric[1].value == "1"  # still open: it was seen, not acknowledged


def test_the_page_checks_for_new_alerts_on_its_own(db, monkeypatch):
    assert live.refresh_seconds() == 30.0
    monkeypatch.setenv(live.REFRESH_ENV, "0.5")
    assert live.refresh_seconds() == 2.0
    monkeypatch.setenv(live.REFRESH_ENV, "soon")
    assert live.refresh_seconds() == 30.0


@pytest.mark.parametrize("page", ["caseload", "client"])
def test_every_dashboard_page_has_the_check(db, page):
    at = goto(app(db).run(), page)
    assert not at.exception
    assert live.DRAWN in at.session_state
