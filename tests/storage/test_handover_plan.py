"""Hand-over defaults: today's session (or a new one), what its number makes due, chosen
already when it can be given, and why not in staff words when it cannot."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import AccessDenied, Actor

SYSTEM = Actor.system("test")
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def client(services):
    ana = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "AK-1", therapist_ids=[ana],
                                 started_on=TODAY - dt.timedelta(weeks=5))
    for weeks in (4, 3, 2, 1):
        services.add_session(SYSTEM, client, TODAY - dt.timedelta(weeks=weeks))
    services.assign(SYSTEM, client, "phq-9", timing="session-start", every=4)
    services.assign(SYSTEM, client, "srs", timing="session-end")
    services.assign(SYSTEM, client, "session-checkin", timing="session-end")
    return Actor("ana", "therapist", ana), client


def test_without_a_session_today_a_new_one_is_the_default(services, client):
    actor, client_id = client
    plan = kiosk.plan_handover(services, actor, client_id, timing="session-start", today=TODAY)
    assert plan.session_id == kiosk.NEW_SESSION and plan.new_number == 5
    assert plan.due == plan.chosen == ["phq-9"]  # every 4th from the first: 1, 5, 9, ...
    assert [s.number for s in plan.sessions] == [4, 3, 2, 1]


def test_licensed_instruments_are_explained_and_not_chosen(services, client):
    actor, client_id = client
    plan = kiosk.plan_handover(services, actor, client_id, timing="session-end", today=TODAY)
    assert plan.due == ["srs", "session-checkin"]
    assert plan.chosen == ["session-checkin"]
    why = plan.blocked["srs"]
    assert why.startswith("SRS cannot be given on the tablet: its questions are licensed")
    assert "alliance-kit" not in why and ".json" not in why and "ALLIANCE_KIT" not in why
    assert "srs" not in plan.others and "session-checkin" not in plan.others


def test_todays_session_is_chosen_and_what_was_answered_is_not_due(services, client):
    actor, client_id = client
    today = services.add_session(SYSTEM, client_id, TODAY)
    services.submit_response(Actor.kiosk(client_id, "ana"), client_id=client_id,
                             instrument_id="session-checkin", session_id=today,
                             answers={"bond": 8, "goals": 8, "approach": 8, "overall": 8},
                             idempotency_key="k1")
    plan = kiosk.plan_handover(services, actor, client_id, timing="session-end", today=TODAY)
    assert plan.session_id == today and plan.today_session
    assert plan.due == ["srs"] and plan.chosen == []
    # Staff may still pick an older session, or ask for a new one.
    older = plan.sessions[1].session_id
    assert kiosk.plan_handover(services, actor, client_id, session_id=older,
                               today=TODAY).session_id == older
    assert kiosk.plan_handover(services, actor, client_id, session_id=kiosk.NEW_SESSION,
                               today=TODAY).new_number == 6


def test_spanish_says_which_are_shown_in_english(services, client):
    actor, client_id = client
    plan = kiosk.plan_handover(services, actor, client_id, timing="session-start",
                               language="es", today=TODAY)
    assert plan.chosen == ["phq-9"]
    assert plan.notes == {"phq-9": "PHQ-9 will be shown in English: it has no Spanish wording."}


def test_a_session_of_another_client_or_another_therapist_is_refused(services, client):
    actor, client_id = client
    other = services.add_client(SYSTEM, "AK-2", therapist_ids=[])
    foreign = services.add_session(SYSTEM, other, TODAY)
    with pytest.raises(kiosk.KioskError, match="not a session of this client"):
        kiosk.plan_handover(services, actor, client_id, session_id=foreign, today=TODAY)
    with pytest.raises(AccessDenied):
        kiosk.plan_handover(services, actor, other, today=TODAY)
