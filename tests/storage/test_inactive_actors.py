"""Services refuse an actor whose account is disabled, or whose role or team changed since
they logged in, on both engines (issue 15, item 1): every public Services method and every
clinic function that takes an actor, with nothing written.

``test_every_public_service_function_is_checked_here`` fails when a new public Services
method appears without a line in :data:`SERVICES`.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pytest
from sqlalchemy import select

from alliance_kit.clinic import accounts, admin, dashboard, exports, kiosk, reports, settings
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store.models import Alert, Assignment

from .test_access import denied

SYSTEM = Actor.system()


def phq(item9: int = 1) -> dict:
    return {**{str(i): 1 for i in range(1, 9)}, "9": item9}


@pytest.fixture
def world(services, store):
    team = services.add_team(SYSTEM, "A")
    ana = Actor("ana", "therapist", services.add_user(SYSTEM, "ana", "therapist",
                                                      team_id=team), team)
    sue = Actor("sue", "supervisor", services.add_user(SYSTEM, "sue", "supervisor",
                                                       team_id=team), team)
    adm = Actor("adm", "admin", services.add_user(SYSTEM, "adm", "admin"), None)
    client = services.add_client(SYSTEM, "C1", therapist_ids=[ana.user_id, adm.user_id])
    session_id = services.add_session(SYSTEM, client, dt.date(2024, 3, 1))
    services.assign(SYSTEM, client, "session-checkin")
    response = services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                        answers=phq(), idempotency_key="k-0").response_id
    with store.read() as session:
        alert = session.execute(select(Alert.id)).scalar_one()
        assignment = session.execute(select(Assignment.id)).scalar_one()
    return dict(ana=ana, sue=sue, adm=adm, client=client, session=session_id,
                response=response, alert=alert, assignment=assignment)


#: Every public Services method, called as the (therapist) actor would.
SERVICES = {
    "submit_response": lambda s, a, w: s.submit_response(
        a, client_id=w["client"], instrument_id="srs", answers={"1": 9, "2": 9, "3": 9,
                                                                "4": 9}, idempotency_key="k-1"),
    "client_history": lambda s, a, w: s.client_history(a, w["client"]),
    "answers": lambda s, a, w: s.answers(a, w["response"]),
    "open_alerts": lambda s, a, w: s.open_alerts(a),
    "caseload": lambda s, a, w: s.caseload(a),
    "acknowledge_alert": lambda s, a, w: s.acknowledge_alert(a, w["alert"], "called"),
    "export_responses": lambda s, a, w: s.export_responses(a, "phq-9"),
    "add_session": lambda s, a, w: s.add_session(a, w["client"], dt.date(2024, 5, 1)),
    "assign": lambda s, a, w: s.assign(a, w["client"], "srs"),
    "add_client": lambda s, a, w: s.add_client(a, "C2", therapist_ids=[a.user_id]),
    "add_team": lambda s, a, w: s.add_team(a, "B"),
    "add_user": lambda s, a, w: s.add_user(a, "eve", "therapist"),
    "rescore": lambda s, a, w: s.rescore(a),
    "recode_client": lambda s, a, w: s.recode_client(a, w["client"], "C9"),
    "motivation_profile": lambda s, a, w: s.motivation_profile(a, w["client"]),
    "tailored_guidance": lambda s, a, w: s.tailored_guidance(a, w["client"]),
    "what_works": lambda s, a, w: s.what_works(a, w["client"]),
    "record_what_works": lambda s, a, w: s.record_what_works(a, w["client"], reasons="r"),
}

#: Clinic functions outside Services that act for a member of staff.
FUNCTIONS = {
    "dashboard.client_summary": lambda s, a, w: dashboard.client_summary(s, a, w["client"]),
    "dashboard.client_responses": lambda s, a, w: dashboard.client_responses(s, a, w["client"]),
    "dashboard.assignments": lambda s, a, w: dashboard.assignments(s, a, w["client"]),
    "dashboard.set_assignment_active": lambda s, a, w: dashboard.set_assignment_active(
        s, a, w["assignment"], False),
    "dashboard.expected": lambda s, a, w: dashboard.expected(s, a, "phq-9", "total", 10.0),
    "dashboard.visible_clients": lambda s, a, w: dashboard.visible_clients(s, a),
    "exports.fetch": lambda s, a, w: exports.fetch(s, a, "phq-9"),
    "reports.client_report": lambda s, a, w: reports.client_report(s, a, w["client"]),
    "kiosk.clients_for": lambda s, a, w: kiosk.clients_for(s, a),
    "kiosk.client_sessions": lambda s, a, w: kiosk.client_sessions(s, a, w["client"]),
    "kiosk.due_instruments": lambda s, a, w: kiosk.due_instruments(
        s, a, w["client"], w["session"], "session-end"),
    "kiosk.start_handover": lambda s, a, w: kiosk.start_handover(
        s, a, w["client"], w["session"], ["session-checkin"]),
    "kiosk.create_code": lambda s, a, w: kiosk.create_code(
        s, a, w["client"], w["session"], ["session-checkin"]),
}

#: Admin functions, called as the admin.
ADMIN = {
    "accounts.add_user": lambda s, a, w: accounts.add_user(s.store, a, "eve", "therapist",
                                                           "a long enough password"),
    "accounts.set_active": lambda s, a, w: accounts.set_active(s.store, a, "sue", False),
    "accounts.set_password": lambda s, a, w: accounts.set_password(
        s.store, a, "sue", "a long enough password"),
    "accounts.set_role": lambda s, a, w: accounts.set_role(s.store, a, "sue", "therapist",
                                                           None),
    "settings.put": lambda s, a, w: settings.put(s.store, a, "alerts", {"off": []}),
    "admin.users": lambda s, a, w: admin.users(s.store, a),
    "admin.audit_log": lambda s, a, w: admin.audit_log(s.store, a),
    "admin.verify_log": lambda s, a, w: admin.verify_log(s.store, a),
    "rescore (admin)": lambda s, a, w: s.rescore(a),
    "add_team (admin)": lambda s, a, w: s.add_team(a, "B"),
}


def disable(store, username: str) -> None:
    accounts.set_active(store, SYSTEM, username, False)


@pytest.mark.parametrize("name", sorted(SERVICES) + sorted(FUNCTIONS))
def test_a_disabled_therapist_is_refused_everywhere(services, store, world, name):
    call = {**SERVICES, **FUNCTIONS}[name]
    ana = world["ana"]
    if name in ("add_team", "add_user", "rescore"):
        ana = world["adm"]  # admin-only: the disabled actor is an admin here
        disable(store, "adm")
    else:
        disable(store, "ana")
    denied(call, store, services, ana, world)


@pytest.mark.parametrize("name", sorted(ADMIN))
def test_a_disabled_admin_is_refused_everywhere(services, store, world, name):
    disable(store, "adm")
    denied(ADMIN[name], store, services, world["adm"], world)


def test_a_supervisor_moved_to_another_team_acts_with_the_new_team_only(services, store,
                                                                         world):
    old = world["sue"]
    assert services.caseload(old)["client_id"].tolist() == [world["client"]]
    other = services.add_team(SYSTEM, "B")
    accounts.set_role(store, SYSTEM, "sue", "supervisor", other)
    for call in (lambda: services.caseload(old),
                 lambda: services.client_history(old, world["client"]),
                 lambda: services.open_alerts(old)):
        with pytest.raises(AccessDenied, match="role or team changed"):
            call()
    moved = Actor("sue", "supervisor", old.user_id, other)
    assert services.caseload(moved).empty


def test_an_enabled_again_account_works_again(services, store, world):
    disable(store, "ana")
    with pytest.raises(AccessDenied):
        services.caseload(world["ana"])
    accounts.set_active(store, SYSTEM, "ana", True)
    assert services.caseload(world["ana"])["client_id"].tolist() == [world["client"]]


def test_every_public_service_function_is_checked_here():
    public = sorted(name for name, member in inspect.getmembers(Services, inspect.isfunction)
                    if not name.startswith("_"))
    assert sorted(SERVICES) == public
