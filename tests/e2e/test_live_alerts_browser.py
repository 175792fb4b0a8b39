"""A safety answer on the tablet reaches a person in time (Chromium, two devices): the
therapist's open caseload shows it without a click, the clinic's webhook gets a notice
with no client data, and the banner goes once the client is opened."""

from __future__ import annotations

import json
import time

from notify_receivers import http_receiver
from sqlalchemy import select

from alliance_kit.clinic import notify
from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.admin import teams
from alliance_kit.store.models import AuditEntry

from .helpers import new_code, services_for, settle
from .seed import PASSWORD

SEVERAL = "Several days"
CODE = "C-LIVE"


def test_a_safety_answer_reaches_the_open_caseload_and_the_webhook(browser, server, seeded,
                                                                    artifacts):
    data, _ = seeded
    services = services_for(data.url)
    system = Actor.system("e2e")
    client = services.add_client(system, CODE, therapist_ids=[data.therapist_id])
    [team] = [i for i, name in teams(services.store).items() if name == "North"]
    with http_receiver() as hook:
        notify.put(services.store, system, team, notify.NotifySettings(
            {"webhook": {"url": hook.url}}, ("safety",), server))

        desk = browser.new_context(viewport={"width": 1180, "height": 820})
        therapist = desk.new_page()
        therapist.goto(server)
        therapist.get_by_label("Username").fill("ana")
        therapist.get_by_label("Password", exact=True).fill(PASSWORD)
        therapist.get_by_role("button", name="Log in").click()
        therapist.get_by_role("heading", name="Caseload").wait_for()
        settle(therapist)
        assert therapist.get_by_text(CODE).count() == 0  # no alert yet: not in the caseload

        tablet_context = browser.new_context(viewport={"width": 768, "height": 1024},
                                             has_touch=True)
        tablet = tablet_context.new_page()
        tablet.goto(f"{server}/code")
        tablet.get_by_label("Your 8-digit code").fill(
            new_code(services, client, None, ("phq-9",)))
        tablet.get_by_role("button", name="Start").tap()
        tablet.get_by_role("heading", name="PHQ-9").wait_for()
        settle(tablet)
        for index in range(9):
            tablet.get_by_role("radio", name=SEVERAL).nth(index).tap()
            settle(tablet, 0.1)
        tablet.get_by_role("radio", name="Somewhat difficult").tap()
        settle(tablet)
        tablet.get_by_role("button", name="Submit").tap()
        tablet.get_by_text("Please tell a member of staff now.").wait_for()
        submitted = time.monotonic()

        # The therapist touches nothing: the banner comes by itself.
        banner = therapist.get_by_test_id("stMain").get_by_text(CODE).first
        banner.wait_for(timeout=20_000)
        seen_after = time.monotonic() - submitted
        therapist.get_by_text("new alert").first.wait_for()
        settle(therapist)
        therapist.screenshot(path=str(artifacts / "live-1-banner.png"))
        assert seen_after < 15, f"the banner took {seen_after:.1f} s"

        deadline = time.monotonic() + 20
        while not hook.posts and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(hook.posts) == 1, "the clinic's webhook got no notice"
        sent = hook.posts[0]["raw"].decode()
        assert CODE not in sent and "phq" not in sent.lower()
        assert json.loads(sent)["link"] == f"{server}/caseload"

        # The banner's own button (the sidebar's language box has an "open" chevron too).
        therapist.get_by_test_id("stMain").get_by_role("button", name="Open",
                                                       exact=True).first.click()
        therapist.get_by_role("heading", name=CODE).wait_for()
        settle(therapist)
        therapist.screenshot(path=str(artifacts / "live-2-client.png"))
        therapist.get_by_role("link", name="Caseload").click()
        therapist.get_by_role("heading", name="Caseload").wait_for()
        settle(therapist)
        # Opened, so no longer new: the banner no longer names the client (the alert itself
        # is still open). Earlier tests in this folder may have left other clients' alerts.
        assert therapist.locator(".st-key-dashboard-new-alerts").get_by_text(CODE).count() == 0
        assert therapist.get_by_text(CODE).count() > 0
        therapist.screenshot(path=str(artifacts / "live-3-opened.png"))
        desk.close()
        tablet_context.close()
    with services.store.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.startswith("notify"))))
    assert actions == ["notify"]
    services.store.close()
