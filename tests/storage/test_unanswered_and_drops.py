"""In the clinic's database: a PHQ-9 with item 9 blank raises a stored, visible alert; drops
over a session without a score are raised and say which session was compared; the rules
the kiosk keeps (skipped-item answers, unlisted attribute values) still refuse."""

from __future__ import annotations

import datetime as dt

import pytest

from alliance_kit.clinic import settings
from alliance_kit.clinic.access import Actor
from alliance_kit.engine.responses import InvalidResponses

SYSTEM = Actor.system("test:unanswered")
NINE = [str(i) for i in range(1, 10)]


@pytest.fixture
def client(services):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    client_id = services.add_client(SYSTEM, "C-1", therapist_ids=[therapist])
    return client_id, Actor("ana", "therapist", therapist)


def phq(item9, **others) -> dict:
    answers = dict.fromkeys(NINE, 1)
    answers["9"] = item9
    answers.update(others)
    return answers


def test_item_9_blank_from_a_paper_form_raises_a_stored_visible_alert(services, client):
    client_id, ana = client
    saved = services.submit_response(SYSTEM, client_id=client_id, instrument_id="phq-9",
                                     answers=phq(None), idempotency_key="paper-1",
                                     source="import", complete=False)
    assert saved.scores == {"total": 9.0}                          # 8 + 8/8, prorated
    assert [(a["rule_id"], a["severity"]) for a in saved.alerts] == [
        ("self-harm-unanswered", "warning")]
    alerts = services.open_alerts(ana, client_id)
    assert alerts["rule_id"].tolist() == ["self-harm-unanswered"]
    assert alerts["message"].item().startswith("Safety item not answered")
    caseload = services.caseload(ana)
    row = caseload[caseload["client_id"] == client_id].iloc[0]
    assert row["top_severity"] == "warning" and "self-harm-unanswered" in row["alert_rules"]


def test_item_9_answered_raises_no_unanswered_alert(services, client):
    client_id, _ = client
    quiet = services.submit_response(SYSTEM, client_id=client_id, instrument_id="phq-9",
                                     answers=phq(0), idempotency_key="k0")
    safety = services.submit_response(SYSTEM, client_id=client_id, instrument_id="phq-9",
                                      answers=phq(2), idempotency_key="k2")
    assert quiet.alerts == []
    assert [a["rule_id"] for a in safety.alerts] == ["self-harm"]


def test_the_kiosk_still_insists_on_item_9(services, client):
    client_id, _ = client
    with pytest.raises(InvalidResponses) as caught:
        services.submit_response(SYSTEM, client_id=client_id, instrument_id="phq-9",
                                 answers=phq(None), idempotency_key="kiosk-1", source="kiosk")
    assert [(e.column, e.message) for e in caught.value.errors] == [("9", "required: answer it")]


def test_the_database_refuses_a_skipped_item_answer_and_an_unlisted_value(services, client):
    client_id, _ = client
    zero = dict.fromkeys(NINE, 0)
    with pytest.raises(InvalidResponses) as caught:
        services.submit_response(SYSTEM, client_id=client_id, instrument_id="phq-9",
                                 answers={**zero, "10": 1}, idempotency_key="k10")
    assert [e.column for e in caught.value.errors] == ["10"]
    with pytest.raises(InvalidResponses) as caught:
        services.submit_response(SYSTEM, client_id=client_id, instrument_id="audit-c",
                                 answers={"1": 1, "2": 1, "3": 1},
                                 attributes={"sex": "other"}, idempotency_key="ka")
    assert [e.column for e in caught.value.errors] == ["sex"]
    assert "is not a value of sex" in caught.value.errors[0].message


def test_the_unanswered_alert_cannot_be_switched_off(store, kit):
    with pytest.raises(ValueError, match="safety alerts cannot be switched off"):
        settings.set_alert_settings(
            store, SYSTEM, kit,
            settings.AlertSettings(frozenset({"phq-9:self-harm-unanswered"})))
    # An ordinary 'incomplete' rule can be.
    settings.set_alert_settings(store, SYSTEM, kit,
                                settings.AlertSettings(frozenset({"srs:incomplete"})))


def srs(value: float | None) -> dict:
    return {str(i): value for i in range(1, 5)}


def test_a_rupture_over_a_session_without_an_srs_total_says_which_session(services, client):
    client_id, ana = client
    raised = []
    for number, answers in enumerate([srs(9.5), srs(None), srs(9)], start=1):
        session_id = services.add_session(SYSTEM, client_id, dt.date(2025, 3, number))
        saved = services.submit_response(SYSTEM, client_id=client_id, instrument_id="srs",
                                         answers=answers, idempotency_key=f"s{number}",
                                         session_id=session_id, complete=False)
        raised.append(saved.alerts)
    # Session 2 has no total: 'incomplete' (info); session 3 (36) is 2 below session 1 (38).
    assert [a["rule_id"] for a in raised[1]] == ["incomplete"]
    rupture = next(a for a in raised[2] if a["rule_id"] == "rupture")
    assert rupture["value"] == pytest.approx(2.0)
    assert rupture["message"].endswith(
        "(measured from session 1, the last earlier one with a score: 38 to 36)")
    stored = services.open_alerts(ana, client_id)
    assert stored.loc[stored["rule_id"] == "rupture", "message"].item() == rupture["message"]


def test_a_drop_next_to_the_previous_session_says_so_too(services, client):
    client_id, _ = client
    last = None
    for number, value in enumerate([9.5, 9], start=1):
        session_id = services.add_session(SYSTEM, client_id, dt.date(2025, 3, number))
        last = services.submit_response(SYSTEM, client_id=client_id, instrument_id="srs",
                                        answers=srs(value), idempotency_key=f"t{number}",
                                        session_id=session_id)
    rupture = next(a for a in last.alerts if a["rule_id"] == "rupture")
    assert rupture["message"].endswith("(measured from session 1: 38 to 36)")
