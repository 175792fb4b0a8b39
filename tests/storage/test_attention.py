"""New alerts for the banner: unopened safety alerts and warnings, per member of staff."""

from __future__ import annotations

import pytest

from alliance_kit.clinic import attention
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.store.models import AuditEntry

SYSTEM = Actor.system("test")
SAFETY = {**{str(i): 2 for i in range(1, 9)}, "9": 1, "10": 2}


@pytest.fixture
def clinic(services):
    team = services.add_team(SYSTEM, "North")
    ana = services.add_user(SYSTEM, "ana", "therapist", team_id=team)
    bo = services.add_user(SYSTEM, "bo", "therapist", team_id=team)
    sue = services.add_user(SYSTEM, "sue", "supervisor", team_id=team)
    client = services.add_client(SYSTEM, "AK-1", therapist_ids=[ana])
    return (Actor("ana", "therapist", ana, team), Actor("bo", "therapist", bo, team),
            Actor("sue", "supervisor", sue, team), client)


def test_a_safety_alert_is_new_for_each_person_until_they_open_the_client(services, clinic):
    ana, bo, sue, client = clinic
    assert attention.signal(services, ana) == ()
    services.submit_response(Actor.kiosk(client, "ana"), client_id=client,
                             instrument_id="phq-9", answers=SAFETY, idempotency_key="k1")
    [alert_id] = attention.signal(services, ana)
    assert attention.signal(services, sue) == (alert_id,)   # the supervisor sees it too
    assert attention.signal(services, bo) == ()             # not Bo's client
    new = attention.unopened(services, ana)
    assert new.to_dict("records")[0] | {"raised_at": None} == {
        "client_id": client, "code": "AK-1", "severity": "safety", "alerts": 1,
        "raised_at": None}
    assert attention.mark_opened(services, ana, client) == 1
    assert attention.mark_opened(services, ana, client) == 0
    assert attention.signal(services, ana) == ()
    assert attention.signal(services, sue) == (alert_id,)   # Sue has not opened it
    with pytest.raises(AccessDenied):
        attention.mark_opened(services, bo, client)


def test_the_banner_content_is_audited_and_the_poll_is_not(services, clinic, store):
    ana, _, _, client = clinic
    services.submit_response(Actor.kiosk(client, "ana"), client_id=client,
                             instrument_id="phq-9", answers=SAFETY, idempotency_key="k1")

    def views():
        with store.read() as session:
            return session.query(AuditEntry).filter_by(action="view",
                                                       entity="new-alerts").count()

    for _ in range(5):
        attention.signal(services, ana)
    assert views() == 0
    attention.unopened(services, ana)
    assert views() == 1


def test_acknowledged_and_info_alerts_are_not_new(services, clinic):
    ana, _, _, client = clinic
    services.submit_response(Actor.kiosk(client, "ana"), client_id=client,
                             instrument_id="phq-9", answers=SAFETY, idempotency_key="k1")
    [alert_id] = attention.signal(services, ana)
    services.acknowledge_alert(ana, alert_id, "Safety plan agreed")
    assert attention.signal(services, ana) == ()
    assert attention.unopened(services, ana).empty
