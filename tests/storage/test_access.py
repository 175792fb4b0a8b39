"""The access matrix, through every public service function, on both engines.

therapist = own care team; supervisor = their team's therapists' clients; admin = no client
data unless on a care team; kiosk = one client, only to submit; system = CLI jobs.
``test_every_public_service_function_has_an_access_test`` fails when a new public
Services method appears without a test marked ``@covers(...)`` here.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store.models import (
    Alert,
    Assignment,
    AuditEntry,
    Response,
    Score,
    Team,
    User,
    WhatWorksNote,
)
from alliance_kit.store.models import Session as SessionRow

SYSTEM = Actor.system()
MISSING = 987_654
COVERED: dict[str, list[str]] = {}


def covers(*methods: str):
    """Mark a test as the access test of these Services methods."""
    def mark(test):
        for method in methods:
            COVERED.setdefault(method, []).append(test.__name__)
        return test
    return mark


def phq(item9: int = 1) -> dict:
    return {**{str(i): 1 for i in range(1, 9)}, "9": item9}


@dataclass
class World:
    ana: Actor
    ben: Actor
    cat: Actor
    sue: Actor
    adm: Actor
    c_ana: int
    c_ben: int
    c_cat: int
    responses: dict[int, int]
    alerts: dict[int, int]


@pytest.fixture
def world(services, store) -> World:
    team_a = services.add_team(SYSTEM, "A")
    team_b = services.add_team(SYSTEM, "B")

    def user(name, role, team):
        return Actor(name, role, services.add_user(SYSTEM, name, role, team_id=team), team)

    ana, ben = user("ana", "therapist", team_a), user("ben", "therapist", team_a)
    cat, sue = user("cat", "therapist", team_b), user("sue", "supervisor", team_a)
    adm = user("adm", "admin", None)
    clients = {}
    for name, actor in (("ana", ana), ("ben", ben), ("cat", cat)):
        clients[name] = services.add_client(SYSTEM, f"C-{name}", therapist_ids=[actor.user_id])
    responses = {}
    for cid in clients.values():
        services.add_session(SYSTEM, cid, dt.date(2024, 3, 1))
        responses[cid] = services.submit_response(
            SYSTEM, client_id=cid, instrument_id="phq-9", answers=phq(),
            idempotency_key=f"k-{cid}").response_id
    with store.read() as session:
        alerts = dict(session.execute(select(Alert.client_id, Alert.id)).all())
    return World(ana, ben, cat, sue, adm, clients["ana"], clients["ben"], clients["cat"],
                 responses, alerts)


def kiosk(client_id: int) -> Actor:
    return Actor.kiosk(client_id, started_by="ana")


def snapshot(store) -> dict[str, int]:
    tables = (Response, Score, Alert, AuditEntry, SessionRow, Assignment, Team, User,
              WhatWorksNote)
    with store.read() as session:
        counts = {m.__tablename__: session.execute(
            select(func.count()).select_from(m)).scalar_one() for m in tables}
        counts["acknowledged"] = session.execute(
            select(func.count()).select_from(Alert)
            .where(Alert.acknowledged_at.is_not(None))).scalar_one()
    return counts


def denied(call, store, *args, **kwargs) -> str:
    """Call; assert AccessDenied and that nothing at all was written. Returns the message."""
    before = snapshot(store)
    with pytest.raises(AccessDenied) as info:
        call(*args, **kwargs)
    assert snapshot(store) == before
    return str(info.value)


def same_shape(message_missing: str, missing_id: int, message_forbidden: str,
               forbidden_id: int) -> None:
    """A missing and a forbidden object get the same message, but for the id asked about."""
    def normal(text, ident):
        return re.sub(rf"\b{ident}\b", "<id>", text)

    assert normal(message_missing, missing_id) == normal(message_forbidden, forbidden_id)


def submit(services, actor, client_id, key, answers=None):
    return services.submit_response(actor, client_id=client_id, instrument_id="phq-9",
                                    answers=answers or phq(), idempotency_key=key)


# ---- submit_response -----------------------------------------------------------------


@covers("submit_response")
def test_submit_for_another_therapists_client_is_denied(services, store, world):
    w = world
    denied(submit, store, services, w.ben, w.c_ana, "new-key")
    denied(submit, store, services, w.cat, w.c_ana, "new-key")
    denied(submit, store, services, w.adm, w.c_ana, "new-key")
    denied(submit, store, services, w.sue, w.c_cat, "new-key")
    assert submit(services, w.ana, w.c_ana, "own").created
    assert submit(services, w.sue, w.c_ben, "team").created


@covers("submit_response")
def test_replaying_another_therapists_submission_key_is_denied(services, store, world):
    """A known key and payload must not let another therapist read back its scores/alerts."""
    w = world
    mine = submit(services, w.ana, w.c_ana, "ana-key")
    assert mine.alerts
    denied(submit, store, services, w.ben, w.c_ana, "ana-key")


@covers("submit_response")
def test_kiosk_submits_only_for_its_own_client(services, store, world):
    w = world
    assert submit(services, kiosk(w.c_ana), w.c_ana, "kiosk-1").created
    denied(submit, store, services, kiosk(w.c_ana), w.c_ben, "kiosk-2")


@covers("submit_response", "client_history", "open_alerts", "add_session", "assign")
def test_a_missing_and_a_forbidden_client_get_the_same_message(services, store, world):
    w = world
    calls = {
        "submit_response": lambda cid: submit(services, w.ben, cid, f"x-{cid}"),
        "client_history": lambda cid: services.client_history(w.ben, cid),
        "open_alerts": lambda cid: services.open_alerts(w.ben, client_id=cid),
        "add_session": lambda cid: services.add_session(w.ben, cid, dt.date(2024, 4, 1)),
        "assign": lambda cid: services.assign(w.ben, cid, "srs"),
    }
    for name, call in calls.items():
        forbidden = denied(call, store, w.c_ana)
        missing = denied(call, store, MISSING)
        same_shape(missing, MISSING, forbidden, w.c_ana), name


# ---- reading -------------------------------------------------------------------------


@covers("caseload")
def test_caseload_lists_only_visible_clients(services, world):
    w = world
    assert services.caseload(w.ana)["client_id"].tolist() == [w.c_ana]
    assert services.caseload(w.ben)["client_id"].tolist() == [w.c_ben]
    assert services.caseload(w.cat)["client_id"].tolist() == [w.c_cat]
    assert sorted(services.caseload(w.sue)["client_id"]) == sorted([w.c_ana, w.c_ben])
    assert sorted(services.caseload(SYSTEM)["client_id"]) == sorted(
        [w.c_ana, w.c_ben, w.c_cat])


@covers("caseload", "client_history", "open_alerts", "export_responses", "add_user",
        "add_team")
def test_admin_without_care_team_sees_no_client_data_but_manages_users(
        services, store, world):
    w = world
    for cid in (w.c_ana, w.c_ben, w.c_cat):
        denied(services.client_history, store, w.adm, cid)
        denied(services.open_alerts, store, w.adm, client_id=cid)
    assert len(services.open_alerts(w.adm)) == 0
    assert len(services.export_responses(w.adm, "phq-9")) == 0
    team = services.add_team(w.adm, "C")
    uid = services.add_user(w.adm, "dan", "therapist", team_id=team)
    assert uid > 0
    assert len(services.caseload(w.adm)) == 0
    # on a care team, the admin sees that client (and only that one)
    both = services.add_client(SYSTEM, "C-adm", therapist_ids=[w.adm.user_id])
    assert services.caseload(w.adm)["client_id"].tolist() == [both]
    assert len(services.client_history(w.adm, both)) == 0


@covers("client_history")
def test_client_history_of_another_therapists_client_is_denied(services, store, world):
    w = world
    assert len(services.client_history(w.ana, w.c_ana)) == 1
    denied(services.client_history, store, w.ben, w.c_ana)
    denied(services.client_history, store, w.cat, w.c_ana)
    denied(services.client_history, store, w.ana, w.c_cat)


@covers("client_history", "answers", "open_alerts", "acknowledge_alert", "add_session",
        "assign", "export_responses")
def test_supervisor_sees_their_teams_clients_but_not_another_team(services, store, world):
    w = world
    assert len(services.client_history(w.sue, w.c_ben)) == 1
    assert services.answers(w.sue, w.responses[w.c_ben]) == phq()
    assert set(services.open_alerts(w.sue)["client_id"]) == {w.c_ana, w.c_ben}
    services.acknowledge_alert(w.sue, w.alerts[w.c_ben], "supervisor called")
    services.add_session(w.sue, w.c_ben, dt.date(2024, 4, 1))
    services.assign(w.sue, w.c_ben, "srs")
    denied(services.client_history, store, w.sue, w.c_cat)
    denied(services.answers, store, w.sue, w.responses[w.c_cat])
    denied(services.open_alerts, store, w.sue, client_id=w.c_cat)
    denied(services.acknowledge_alert, store, w.sue, w.alerts[w.c_cat], "note")
    denied(services.add_session, store, w.sue, w.c_cat, dt.date(2024, 4, 1))
    denied(services.assign, store, w.sue, w.c_cat, "srs")
    assert sorted(services.export_responses(w.sue, "phq-9")["client"]) == ["C-ana", "C-ben"]


@covers("answers")
def test_answers_of_another_therapists_response_are_denied(services, store, world):
    w = world
    assert services.answers(w.ana, w.responses[w.c_ana]) == phq()
    forbidden = denied(services.answers, store, w.ben, w.responses[w.c_ana])
    missing = denied(services.answers, store, w.ben, MISSING)
    # the message must not reveal that the response exists, nor whose client it is
    same_shape(missing, MISSING, forbidden, w.responses[w.c_ana])
    assert str(w.c_ana) not in forbidden.replace(str(w.responses[w.c_ana]), "")


@covers("open_alerts")
def test_open_alerts_lists_only_own_clients_and_refuses_other_client_ids(
        services, store, world):
    w = world
    assert services.open_alerts(w.ana)["client_id"].tolist() == [w.c_ana]
    assert services.open_alerts(w.ben)["client_id"].tolist() == [w.c_ben]
    assert services.open_alerts(w.ana, client_id=w.c_ana)["client_id"].tolist() == [w.c_ana]
    denied(services.open_alerts, store, w.ben, client_id=w.c_ana)


@covers("acknowledge_alert")
def test_acknowledging_another_therapists_alert_is_denied(services, store, world):
    w = world
    forbidden = denied(services.acknowledge_alert, store, w.ben, w.alerts[w.c_ana], "done")
    missing = denied(services.acknowledge_alert, store, w.ben, MISSING, "done")
    same_shape(missing, MISSING, forbidden, w.alerts[w.c_ana])
    denied(services.acknowledge_alert, store, w.adm, w.alerts[w.c_ana], "done")
    with store.read() as session:
        assert session.get(Alert, w.alerts[w.c_ana]).acknowledged_at is None
    services.acknowledge_alert(w.ana, w.alerts[w.c_ana], "done")


@covers("export_responses")
def test_export_contains_only_visible_clients(services, world):
    w = world
    assert services.export_responses(w.ana, "phq-9")["client"].tolist() == ["C-ana"]
    assert services.export_responses(w.cat, "phq-9")["client"].tolist() == ["C-cat"]


# ---- writing -------------------------------------------------------------------------


@covers("add_session")
def test_add_session_for_another_therapists_client_is_denied(services, store, world):
    w = world
    denied(services.add_session, store, w.ben, w.c_ana, dt.date(2024, 4, 1))
    denied(services.add_session, store, w.adm, w.c_ana, dt.date(2024, 4, 1))
    assert services.add_session(w.ana, w.c_ana, dt.date(2024, 4, 1)) > 0


@covers("assign")
def test_assign_for_another_therapists_client_is_denied(services, store, world):
    w = world
    denied(services.assign, store, w.ben, w.c_ana, "srs")
    denied(services.assign, store, w.adm, w.c_ana, "srs")
    assert services.assign(w.ana, w.c_ana, "srs") > 0


@covers("add_team", "add_user", "add_client", "rescore")
def test_administration_needs_the_right_role(services, store, world):
    w = world
    for actor in (w.ana, w.sue, kiosk(w.c_ana)):
        denied(services.add_team, store, actor, "T")
        denied(services.add_user, store, actor, "eve", "admin")
        denied(services.rescore, store, actor)
    denied(services.add_client, store, kiosk(w.c_ana), "C-new", therapist_ids=[])
    assert services.add_client(w.ana, "C-new", therapist_ids=[w.ana.user_id]) > 0
    assert services.rescore(w.adm).empty


@covers("recode_client")
def test_recoding_another_therapists_client_is_denied(services, store, world):
    w = world
    denied(services.recode_client, store, w.ben, w.c_ana, "C-renamed")
    denied(services.recode_client, store, kiosk(w.c_ana), w.c_ana, "C-renamed")
    assert services.recode_client(w.ana, w.c_ana, "C-renamed") == "C-renamed"


@covers("caseload", "client_history", "answers", "open_alerts", "acknowledge_alert",
        "export_responses", "add_session", "assign")
def test_kiosk_may_only_submit(services, store, world):
    """The kiosk's hand-over is for submitting: it reads and manages nothing, not even
    its own client's history."""
    w = world
    me = kiosk(w.c_ana)
    calls = {
        "caseload": lambda: services.caseload(me),
        "client_history": lambda: services.client_history(me, w.c_ana),
        "answers": lambda: services.answers(me, w.responses[w.c_ana]),
        "open_alerts": lambda: services.open_alerts(me),
        "acknowledge_alert": lambda: services.acknowledge_alert(me, w.alerts[w.c_ana], "n"),
        "export_responses": lambda: services.export_responses(me, "phq-9"),
        "add_session": lambda: services.add_session(me, w.c_ana, dt.date(2024, 4, 1)),
        "assign": lambda: services.assign(me, w.c_ana, "srs"),
    }
    allowed = []
    for name, call in calls.items():
        try:
            call()
        except AccessDenied:
            continue
        except Exception as exc:  # noqa: BLE001 - a crash is not a denial either
            allowed.append(f"{name} (raised {type(exc).__name__})")
        else:
            allowed.append(name)
    assert allowed == [], f"the kiosk actor was allowed: {allowed}"


def test_every_public_service_function_has_an_access_test():
    public = sorted(name for name, member in inspect.getmembers(Services, inspect.isfunction)
                    if not name.startswith("_"))
    missing = [name for name in public if name not in COVERED]
    assert not missing, f"Services methods without an access test here: {missing}"
    unknown = sorted(set(COVERED) - set(public))
    assert not unknown, f"access tests name methods Services does not have: {unknown}"
    tests = {name for name, obj in globals().items() if name.startswith("test_")
             and callable(obj)}
    for names in COVERED.values():
        assert set(names) <= tests


# ---- recovery focus: motivation profile, tailored guidance, what-works notes ------------

RECOVERY_READS = ("motivation_profile", "tailored_guidance", "what_works")


def recovery_calls(services, actor, client_id):
    return {
        "motivation_profile": lambda: services.motivation_profile(actor, client_id),
        "tailored_guidance": lambda: services.tailored_guidance(actor, client_id),
        "what_works": lambda: services.what_works(actor, client_id),
        "record_what_works": lambda: services.record_what_works(
            actor, client_id, reasons="For my kids", approach="Small steps",
            guidance=[("alliance-kit-motivation", "confidence-low")]),
    }


def audit_entries(store, entity: str) -> list[tuple[str, int | None]]:
    with store.read() as session:
        return [tuple(r) for r in session.execute(
            select(AuditEntry.actor, AuditEntry.client_id).where(AuditEntry.entity == entity)
            .order_by(AuditEntry.seq))]


@covers(*RECOVERY_READS, "record_what_works")
def test_recovery_reads_and_notes_follow_the_care_team(services, store, world):
    w = world
    services.submit_response(SYSTEM, client_id=w.c_ana, instrument_id="readiness-ruler",
                             answers={"importance": 9, "confidence": 2}, idempotency_key="rr")
    own = recovery_calls(services, w.ana, w.c_ana)
    note_id = own["record_what_works"]()
    profile, entries = own["tailored_guidance"]()
    assert profile.summary()["quadrant"] == "confidence-low"
    assert "confidence-low" in [e.id for e in entries]
    assert [n.id for n in own["what_works"]()] == [note_id]
    assert audit_entries(store, "what-works")[0] == ("ana", w.c_ana)
    assert ("ana", w.c_ana) in audit_entries(store, "motivation")
    # Another therapist, a therapist of another team, an admin off the care team: denied,
    # and nothing is written (not even an audit entry).
    for actor in (w.ben, w.cat, w.adm):
        for name, call in recovery_calls(services, actor, w.c_ana).items():
            message = denied(call, store)
            missing = denied(recovery_calls(services, actor, MISSING)[name], store)
            same_shape(missing, MISSING, message, w.c_ana)
    # The supervisor sees (and may write for) their team's clients, not another team's.
    team = recovery_calls(services, w.sue, w.c_ben)
    assert team["motivation_profile"]().empty
    assert team["record_what_works"]() > note_id
    for call in recovery_calls(services, w.sue, w.c_cat).values():
        denied(call, store)


@covers(*RECOVERY_READS, "record_what_works")
def test_kiosk_reads_no_recovery_data(services, store, world):
    w = world
    for call in recovery_calls(services, kiosk(w.c_ana), w.c_ana).values():
        denied(call, store)
