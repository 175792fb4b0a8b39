"""The recovery check-in on the kiosk, by tapping, in Spanish; and personal feedback on the
thank-you screen only while the clinic's setting is on."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

from alliance_kit.clinic import feedback
from alliance_kit.clinic.access import Actor
from alliance_kit.store.models import Response

from .conftest import VIEWPORTS
from .helpers import (
    axe,
    enter_code,
    new_code,
    serious,
    services_for,
    settle,
    shot,
    tap_slider,
    wait_count,
)

CHECKIN = {"welfare": 8, "listened": 9, "understood": 7, "recovery": 8, "safe": 6,
           "relief": 7, "return": 3}
ADMIN = Actor.system("e2e:settings")


@pytest.fixture
def tablet(browser, request):
    """A fresh browser context (a new tablet session) at the requested viewport."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], has_touch=True,
                                  is_mobile=False, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield request.param, page
    context.close()


def finish(page, done: str = "Done", locked: str = "This tablet is locked") -> None:
    with contextlib.suppress(Exception):  # Playwright's TimeoutError
        page.get_by_role("button", name=done).tap(timeout=2_000)
    page.get_by_role("heading", name=locked).wait_for()
    settle(page)


@pytest.mark.parametrize("tablet", ["portrait", "landscape"], indirect=True)
def test_recovery_checkin_in_spanish_with_feedback_on(tablet, server, seeded, artifacts,
                                                      axe_path):
    orientation, page = tablet
    data, _ = seeded
    services = services_for(data.url)
    feedback.set_feedback_settings(services.store, ADMIN, feedback.FeedbackSettings(kiosk=True))
    try:
        enter_code(page, server, new_code(services, data.other_client_id, None,
                                          ("recovery-checkin", "readiness-ruler")))
        page.get_by_role("radio", name="Español").tap()
        page.get_by_role("heading", name="Revisión de la recuperación").wait_for()
        settle(page)
        assert wait_count(page.get_by_text("Todavía sin responder"), 7) == 7
        assert page.get_by_text("Quiero volver a mi próxima sesión.").count() == 1
        shot(page, artifacts, f"recovery-{orientation}-1-es")
        assert serious(axe(page, axe_path)) == []
        for index, value in enumerate(CHECKIN.values()):
            tap_slider(page, index, value)
        page.get_by_role("button", name="Siguiente").tap()
        page.get_by_role("heading", name="Regla de disposición al cambio").wait_for()
        settle(page)
        tap_slider(page, 0, 9)
        tap_slider(page, 1, 2)
        page.get_by_role("button", name="Enviar").tap()
        page.get_by_role("heading", name="Gracias").wait_for()
        page.get_by_text("Sus respuestas en palabras sencillas").wait_for()
        settle(page)
        assert page.get_by_text("Qué tan importante es para usted cambiar: 9 de 10.").count()
        shot(page, artifacts, f"recovery-{orientation}-2-feedback")
        assert serious(axe(page, axe_path)) == []
        # The next person starts in the clinic's language (issue 18), not this client's.
        finish(page, "Listo", "This tablet is locked")
        with services.store.read() as session:
            stored = session.execute(select(Response).where(
                Response.client_id == data.other_client_id,
                Response.instrument_id == "recovery-checkin").order_by(Response.id.desc())
            ).scalars().first()
            assert {k: stored.answers[k] for k in CHECKIN} == CHECKIN
            assert stored.language == "es" and stored.source == "kiosk"
        alerts = services.open_alerts(Actor.system("e2e"), data.other_client_id)
        assert "unsure-return" in set(alerts["rule_id"])
    finally:
        feedback.set_feedback_settings(services.store, ADMIN, feedback.FeedbackSettings())
        services.store.close()


@pytest.mark.parametrize("tablet", ["portrait"], indirect=True)
def test_no_feedback_on_the_kiosk_while_the_setting_is_off(tablet, server, seeded, artifacts):
    _, page = tablet
    data, _ = seeded
    services = services_for(data.url)
    assert feedback.feedback_settings(services.store).kiosk is False
    enter_code(page, server, new_code(services, data.other_client_id, None,
                                      ("readiness-ruler",)))
    tap_slider(page, 0, 2)
    tap_slider(page, 1, 8)
    page.get_by_role("button", name="Submit").tap()
    page.get_by_role("heading", name="Thank you").wait_for()
    settle(page)
    assert page.get_by_text("Your answers in plain words").count() == 0
    assert page.get_by_text("out of 10").count() == 0
    shot(page, artifacts, "recovery-portrait-3-no-feedback")
    finish(page)
    services.store.close()
