"""Every kiosk screen in Chromium at 768×1024 and 1180×820, by touch: every interactive
element at least 48×48 px, no serious axe-core violation, nothing of the staff app on the
tablet after a hand-over, the safety words after a safety answer, Spanish throughout.

Screenshots and figures (axe counts and the smallest target per screen) go to
artifacts/kiosk/ (figures.json).
"""

from __future__ import annotations

import time
import urllib.parse

import pytest

from .helpers import axe, enter_code, new_code, serious, services_for, settle
from .seed import PASSWORD, PIN
from .targets import interactive, record, too_small

TABLETS = {"768x1024": {"width": 768, "height": 1024},
           "1180x820": {"width": 1180, "height": 820}}
MINIMUM = 48
#: PHQ-9 answers by option label, item by item: "Several days" everywhere (item 9 too).
SEVERAL = "Several days"


@pytest.fixture
def tablet(browser, request, server):
    """A fresh tablet; at the end, not one request may have gone to another host."""
    context = browser.new_context(viewport=TABLETS[request.param], has_touch=True,
                                  device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(20_000)
    host = urllib.parse.urlsplit(server).netloc
    elsewhere: list[str] = []

    def seen(request) -> None:
        parts = urllib.parse.urlsplit(request.url)
        if parts.scheme not in ("data", "blob") and parts.netloc != host:
            elsewhere.append(request.url)

    page.on("request", seen)
    yield request.param, page
    context.close()
    assert elsewhere == [], f"requests left the app's server: {elsewhere}"


def check_screen(page, artifacts, axe_path, size: str, name: str, show=None) -> None:
    """Measure, scan and photograph the screen on show (scrolled to ``show``, a locator,
    if given); fail on any small target."""
    settle(page)
    if show is not None:
        show.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"{size}-{name}.png"), full_page=True)
    small = too_small(page, MINIMUM)
    found = axe(page, axe_path)
    targets = interactive(page)
    record(artifacts, f"{size} {name}", {
        "axe": [list(v[:3]) for v in found], "serious": len(serious(found)),
        "targets": len(targets),
        "smallest": min(([t["width"], t["height"]] for t in targets),
                        key=min, default=None)})
    assert small == [], f"{name} at {size}: targets under {MINIMUM} px: {small}"
    assert serious(found) == [], f"{name} at {size}: {found}"


@pytest.mark.parametrize("tablet", list(TABLETS), indirect=True)
def test_every_kiosk_screen_has_big_targets_and_no_serious_axe_violation(
        tablet, server, seeded, artifacts, axe_path):
    size, page = tablet
    data, _ = seeded
    services = services_for(data.url)

    page.goto(f"{server}/code")
    page.get_by_label("Your 8-digit code").wait_for()
    check_screen(page, artifacts, axe_path, size, "a-code")

    enter_code(page, server, new_code(services, data.other_client_id, None))
    check_screen(page, artifacts, axe_path, size, "b-checkin")
    page.get_by_role("radio", name="Español").tap()
    page.get_by_role("heading", name="Revisión breve de la sesión").wait_for()
    check_screen(page, artifacts, axe_path, size, "c-checkin-es")
    page.get_by_role("button", name="Personal").tap()
    page.get_by_role("heading", name="Preguntas en curso").wait_for()
    page.get_by_text("Personal: desbloquear esta tableta").tap()
    page.get_by_label("PIN del personal").wait_for()
    check_screen(page, artifacts, axe_path, size, "d-in-progress-es-unlock",
                 page.get_by_label("PIN del personal"))
    page.get_by_label("PIN del personal").fill(PIN)
    page.get_by_role("button", name="Desbloquear con el PIN").tap()
    page.get_by_role("button", name="Log in").wait_for()

    page.goto(f"{server}/code")
    field = page.get_by_label("Your 8-digit code")
    field.fill(new_code(services, data.other_client_id, None, ("phq-9",)))
    page.get_by_role("button", name="Start").tap()
    page.get_by_role("heading", name="PHQ-9").wait_for()
    check_screen(page, artifacts, axe_path, size, "e-phq9")
    page.get_by_role("button", name="Submit").tap()
    page.get_by_text("Please answer this question.").first.wait_for()
    check_screen(page, artifacts, axe_path, size, "f-phq9-required")
    for index in range(9):
        page.get_by_role("radio", name=SEVERAL).nth(index).tap()
        settle(page, 0.1)
    page.get_by_role("radio", name="Somewhat difficult").tap()
    settle(page)
    assert page.get_by_role("radio", name=SEVERAL).nth(8).is_checked()
    page.get_by_role("button", name="Submit").tap()
    page.get_by_role("heading", name="Thank you").wait_for()
    check_screen(page, artifacts, axe_path, size, "g-thanks-safety")
    words = page.locator("[data-testid=stMain]").inner_text()
    assert "Please tell a member of staff now." in words
    assert "hand the tablet back" not in words
    assert not any(ch.isdigit() for ch in words), "no score on the client's screen"

    page.get_by_role("button", name="Done").tap()
    page.get_by_role("heading", name="This tablet is locked").wait_for()
    page.get_by_text("Staff: unlock this tablet").tap()
    page.get_by_label("Username").wait_for()
    check_screen(page, artifacts, axe_path, size, "h-locked-unlock",
                 page.get_by_role("button", name="Unlock with staff login"))
    services.store.close()


@pytest.mark.parametrize("tablet", list(TABLETS), indirect=True)
def test_after_a_hand_over_nothing_of_the_staff_app_stays_on_screen(
        tablet, server, artifacts, axe_path):
    size, page = tablet
    page.goto(server)
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Caseload").wait_for()
    settle(page)
    if page.get_by_test_id("stExpandSidebarButton").is_visible():
        page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_role("link", name="Start hand-over").click()
    page.get_by_role("heading", name="Start hand-over").wait_for()
    settle(page)
    page.get_by_role("button", name="Hand this tablet over").click()
    page.get_by_role("heading", name="Session check-in").wait_for()
    # Within moments, without a tap: no sidebar, no sidebar toggle, no staff name.
    deadline = time.monotonic() + 3
    gone = "() => !document.querySelector('[data-testid=stSidebar], " \
           "[data-testid=stExpandSidebarButton]')"
    while not page.evaluate(gone) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert page.evaluate(gone), "the staff sidebar (or its toggle) stays on the kiosk"
    assert "Ana" not in page.locator("body").inner_text()
    # The header leaves the language choice in view, label and all.
    label = page.get_by_text("Language / Idioma").bounding_box()
    header = page.get_by_test_id("stHeader").bounding_box()
    assert label["y"] >= header["y"] + header["height"]
    check_screen(page, artifacts, axe_path, size, "i-after-handover")
