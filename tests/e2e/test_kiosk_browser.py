"""The kiosk in headless Chromium at tablet size, by tapping: check-in, locked screen, axe."""

from __future__ import annotations

import contextlib

import pytest
from sqlalchemy import select

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
from .seed import PIN

ANSWERS = {"bond": 7, "goals": 8, "approach": 9, "overall": 6}


@pytest.fixture
def tablet(browser, request):
    """A fresh browser context (a new tablet session) at the requested viewport."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], has_touch=True,
                                  is_mobile=False, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield request.param, page
    context.close()


@pytest.mark.parametrize("tablet", list(VIEWPORTS), indirect=True)
def test_client_fills_in_the_checkin_by_tapping(tablet, server, seeded, artifacts, axe_path):
    orientation, page = tablet
    data, _ = seeded
    services = services_for(data.url)
    code = new_code(services, data.other_client_id, None)
    enter_code(page, server, code)
    assert page.get_by_role("heading", name="Session check-in").is_visible()
    assert wait_count(page.get_by_text("Not answered yet"), 4) == 4
    # Nothing of the staff app: no sidebar, no navigation links.
    assert page.locator('[data-testid="stSidebar"]').count() == 0
    shot(page, artifacts, f"{orientation}-1-checkin")
    assert serious(axe(page, axe_path)) == []

    # Tapping Submit with nothing answered: a friendly message beside each slider.
    page.get_by_role("button", name="Submit").tap()
    page.get_by_text("Please answer this question.").first.wait_for()
    settle(page)
    assert wait_count(page.get_by_text("Please answer this question."), 4) == 4
    page.get_by_text("Please answer this question.").first.scroll_into_view_if_needed()
    shot(page, artifacts, f"{orientation}-2-required")

    for index, value in enumerate(ANSWERS.values()):
        tap_slider(page, index, value)
    comment = page.get_by_label("Is there anything we should do differently?")
    comment.tap()
    comment.fill("Good session")
    page.get_by_text("4 of 5 answered").or_(page.get_by_text("5 of 5 answered")).first.wait_for()
    page.get_by_role("button", name="Submit").scroll_into_view_if_needed()
    shot(page, artifacts, f"{orientation}-3-answered")
    assert serious(axe(page, axe_path)) == []

    page.get_by_role("button", name="Submit").tap()
    page.get_by_role("heading", name="Thank you").wait_for()
    settle(page)
    shot(page, artifacts, f"{orientation}-4-thanks")
    assert serious(axe(page, axe_path)) == []

    with services.store.read() as session:
        stored = session.execute(select(Response).where(
            Response.client_id == data.other_client_id).order_by(Response.id.desc())
        ).scalars().first()
        assert {k: stored.answers[k] for k in ANSWERS} == ANSWERS
        assert stored.answers["comment"] == "Good session"
        assert stored.source == "kiosk"

    # "Done" locks the tablet; so does the thank-you screen by itself after a few seconds.
    with contextlib.suppress(Exception):  # Playwright's TimeoutError
        page.get_by_role("button", name="Done").tap(timeout=2_000)
    page.get_by_role("heading", name="This tablet is locked").wait_for()
    settle(page)
    shot(page, artifacts, f"{orientation}-5-locked")
    assert serious(axe(page, axe_path)) == []
    services.store.close()


@pytest.mark.parametrize("tablet", ["portrait"], indirect=True)
def test_spanish_keyboard_and_staff_unlock(tablet, server, seeded, artifacts, axe_path):
    _, page = tablet
    data, _ = seeded
    services = services_for(data.url)
    enter_code(page, server, new_code(services, data.other_client_id, None))
    page.get_by_role("radio", name="Español").tap()
    page.get_by_role("heading", name="Revisión breve de la sesión").wait_for()
    settle(page)
    assert wait_count(page.get_by_text("Todavía sin responder"), 4) == 4
    # The keyboard works the slider: focus it, press End (10), then Home (0).
    slider = page.locator(".vas-range").first
    slider.focus()
    page.keyboard.press("End")
    page.locator(".vas-value").first.filter(has_text="10").wait_for()
    settle(page)
    shot(page, artifacts, "portrait-6-spanish")
    assert serious(axe(page, axe_path)) == []

    # Staff leave through the locked screen with the PIN; the answers are dropped.
    page.get_by_role("button", name="Personal").tap()
    page.get_by_role("heading", name="Preguntas en curso").wait_for()
    settle(page)
    # On a Spanish kiosk the staff unlock is in Spanish too.
    page.get_by_text("Personal: desbloquear esta tableta").tap()
    page.get_by_label("PIN del personal").fill("000000")
    page.get_by_role("button", name="Desbloquear con el PIN").tap()
    page.get_by_text("Wrong PIN.").wait_for()
    page.get_by_label("PIN del personal").fill(PIN)
    page.get_by_role("button", name="Desbloquear con el PIN").tap()
    page.get_by_role("button", name="Log in").wait_for()
    settle(page)
    shot(page, artifacts, "portrait-7-unlocked")
    services.store.close()


@pytest.mark.parametrize("tablet", ["portrait"], indirect=True)
def test_a_staff_url_typed_on_the_kiosk_reaches_no_staff_page(tablet, server, seeded):
    """A typed URL opens a new browser session: kiosk state and any login are gone, so the
    staff page cannot be reached, only the login page."""
    _, page = tablet
    data, _ = seeded
    services = services_for(data.url)
    enter_code(page, server, new_code(services, data.other_client_id, None))
    page.goto(f"{server}/handover")
    page.get_by_role("button", name="Log in").wait_for()
    assert page.get_by_role("heading", name="Start hand-over").count() == 0
    services.store.close()
