"""The recovery focus in storage, on SQLite and PostgreSQL: what-works notes (dated, with
history, append-only, bad input refused before anything is written) and the motivation
profile and guidance read back from submitted answers."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services.recovery import MAX_NOTE
from alliance_kit.store.models import Response
from tests.conftest import row_counts as counts

SYSTEM = Actor.system("test:recovery")
URICA_CONTEMPLATION = {**{str(i): 3 for i in range(1, 33)},
                       **{i: 5 for i in ("2", "8", "12", "15", "19", "21", "24")}}


@pytest.fixture
def client(services):
    therapist = services.add_user(SYSTEM, "ana", "therapist")
    actor = Actor("ana", "therapist", therapist)
    client_id = services.add_client(SYSTEM, "C-1", therapist_ids=[therapist])
    return actor, client_id


def submit(services, client_id, instrument_id, answers, key, **extra):
    return services.submit_response(SYSTEM, client_id=client_id, instrument_id=instrument_id,
                                    answers=answers, idempotency_key=key, **extra)


def test_notes_keep_their_history_newest_first(services, client):
    actor, client_id = client
    first = services.record_what_works(actor, client_id, reasons="My daughter",
                                       approach="Explore values")
    second = services.record_what_works(
        actor, client_id, reasons="My daughter; my job",
        guidance=[("alliance-kit-motivation", "ready-plan"),
                  ("alliance-kit-motivation", "ready-plan")])
    notes = services.what_works(actor, client_id)
    assert [n.id for n in notes] == [second, first]
    assert notes[0].guidance == [{"pack": "alliance-kit-motivation", "id": "ready-plan",
                                  "title": "Ready: ask whether they want to make a plan"}]
    assert notes[1].approach == "Explore values" and notes[0].approach == ""
    assert notes[0].written_at >= notes[1].written_at
    assert notes[0].author == "ana"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "the note is empty"),
    ({"reasons": "   "}, "the note is empty"),
    ({"reasons": "x" * (MAX_NOTE + 1)}, "keep it to 4,000"),
    ({"approach": "a\x00b"}, "remove the NUL character"),
    ({"guidance": [("alliance-kit-motivation", "no-such-entry")]}, "has no entry 'no-such-entry'"),
    ({"guidance": [("no-pack", "x")]}, "no guidance pack 'no-pack'"),
])
def test_bad_notes_are_refused_and_nothing_is_written(services, store, client, kwargs,
                                                      message):
    actor, client_id = client
    services.record_what_works(actor, client_id, reasons="kept")
    before = counts(store)
    with pytest.raises(ValueError, match=message):
        services.record_what_works(actor, client_id, **kwargs)
    assert counts(store) == before
    assert [n.reasons for n in services.what_works(actor, client_id)] == ["kept"]


def test_notes_are_append_only_in_the_database(services, store, client):
    actor, client_id = client
    services.record_what_works(actor, client_id, reasons="original")
    for statement in ("UPDATE what_works_notes SET reasons = 'changed'",
                      "DELETE FROM what_works_notes"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.execute(text(statement))
    assert [n.reasons for n in services.what_works(actor, client_id)] == ["original"]


def test_profile_over_time_and_guidance_that_follows_it(services, client):
    actor, client_id = client
    submit(services, client_id, "readiness-ruler", {"importance": 2, "confidence": 8}, "r1")
    profile, entries = services.tailored_guidance(actor, client_id)
    assert profile.summary()["quadrant"] == "importance-low"
    early = [e.id for e in entries]
    assert early[:2] == ["importance-low", "could-but-why"]
    submit(services, client_id, "urica", URICA_CONTEMPLATION, "u1")
    submit(services, client_id, "audit-c", {"1": 3, "2": 2, "3": 1}, "a1",
           attributes={"sex": "female"})
    submit(services, client_id, "readiness-ruler", {"importance": 9, "confidence": 2}, "r2")
    submit(services, client_id, "recovery-checkin",
           {**dict.fromkeys(["welfare", "listened", "understood", "recovery", "safe",
                             "relief"], 8), "return": 3}, "k1")
    profile, entries = services.tailored_guidance(actor, client_id)
    summary = profile.summary()
    assert (summary["importance"], summary["confidence"]) == (9, 2)
    assert summary["quadrant"] == "confidence-low"
    assert summary["stage"] == "contemplation"
    assert summary["readiness"] == pytest.approx(5 + 3 + 3 - 3)
    assert (summary["audit_c"], summary["audit_c_positive"]) == (6, True)
    later = [e.id for e in entries]
    assert later != early
    assert {"confidence-low", "stage-contemplation", "auditc-feedback",
            "unsure-return"} <= set(later)
    table = profile.table()
    # Everything was answered today: one row, with the values known at the end of the day.
    assert len(table) == 1 and table["importance"].iloc[0] == 9
    assert table["instrument"].iloc[0].split(", ")[0] == "readiness-ruler"


def test_a_corrected_response_replaces_the_old_one_in_the_profile(services, client):
    actor, client_id = client
    first = submit(services, client_id, "readiness-ruler", {"importance": 2, "confidence": 8},
                   "r1")
    submit(services, client_id, "readiness-ruler", {"importance": 3, "confidence": 8}, "r1c",
           replaces_id=first.response_id)
    points = services.motivation_profile(actor, client_id).points
    assert [p.values["importance"] for p in points] == [3]


# ---- the feedback sheet and its settings ------------------------------------------------


def test_feedback_sheet_is_access_checked_audited_and_in_the_clients_language(
        services, store, client):
    from pypdf import PdfReader

    from alliance_kit.clinic import feedback
    from alliance_kit.clinic.access import AccessDenied

    actor, client_id = client
    with pytest.raises(feedback.NoFeedback):
        feedback.feedback_sheet(services, actor, client_id)
    submit(services, client_id, "audit-c", {"1": 2, "2": 1, "3": 0}, "a1", language="es")
    pdf, language = feedback.feedback_sheet(services, actor, client_id)
    assert language == "es"
    assert "Sus respuestas" in PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text()
    assert feedback.feedback_sheet(services, actor, client_id, "en")[1] == "en"
    other = Actor("ben", "therapist", services.add_user(SYSTEM, "ben", "therapist"))
    before = counts(store)
    with pytest.raises(AccessDenied):
        feedback.feedback_sheet(services, other, client_id)
    assert counts(store) == before
    with store.read() as session:
        entries = session.execute(text(
            "SELECT actor, action, client_id FROM audit_log WHERE entity = 'feedback-sheet'"
        )).all()
    assert [tuple(e) for e in entries] == [("ana", "export", client_id)] * 2


def test_feedback_settings_default_off_and_admin_only(services, store):
    from alliance_kit.clinic import feedback
    from alliance_kit.clinic.access import AccessDenied

    assert feedback.feedback_settings(store) == feedback.FeedbackSettings("niaaa-us", False)
    admin = Actor("adm", "admin", services.add_user(SYSTEM, "adm", "admin"))
    therapist = Actor("ana", "therapist", services.add_user(SYSTEM, "ana", "therapist"))
    with pytest.raises(AccessDenied):
        feedback.set_feedback_settings(store, therapist, feedback.FeedbackSettings(kiosk=True))
    with pytest.raises(ValueError, match="no drinking limits 'uk'"):
        feedback.set_feedback_settings(store, admin, feedback.FeedbackSettings("uk", True))
    assert feedback.feedback_settings(store).kiosk is False
    feedback.set_feedback_settings(store, admin, feedback.FeedbackSettings(kiosk=True))
    assert feedback.feedback_settings(store).kiosk is True


# ---- the PDF report and exports -----------------------------------------------------------


def test_report_and_exports_include_the_recovery_focus(services, store, client):
    import io

    from pypdf import PdfReader

    from alliance_kit.clinic import recovery_exports, reports

    actor, client_id = client
    submit(services, client_id, "readiness-ruler", {"importance": 9, "confidence": 2}, "r1")
    services.record_what_works(actor, client_id, reasons="=1+1 <b>for my son</b>",
                               approach="Past successes, small steps",
                               guidance=[("alliance-kit-motivation", "confidence-low")])
    pdf = reports.client_report(services, actor, client_id)
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    words = " ".join(words.split())
    for expected in ("Motivation profile", "high importance, low confidence",
                     "What works for this client", "<b>for my son</b>",
                     "Wants to change, doubts they can: build confidence"):
        assert expected in words, expected

    motivation = recovery_exports.motivation_table(services, actor)
    assert motivation[["client", "importance", "confidence", "quadrant"]].values.tolist() == [
        ["C-1", 9, 2, "confidence-low"]]
    notes = recovery_exports.what_works_table(services, actor)
    assert notes["reasons"].tolist() == ["=1+1 <b>for my son</b>"]
    assert notes["guidance"].tolist() == ["alliance-kit-motivation/confidence-low"]
    made = recovery_exports.recovery_export(services, actor, "what-works", fmt="csv")
    assert b"'=1+1" in made.data  # neutralised for spreadsheets
    hidden = recovery_exports.recovery_export(services, actor, "what-works", fmt="csv",
                                              deidentified=True, salt=b"s" * 32)
    assert b"son" not in hidden.data and b"C-1" not in hidden.data and b"P-" in hidden.data
    other = Actor("ben", "therapist", services.add_user(SYSTEM, "ben", "therapist"))
    assert recovery_exports.motivation_table(services, other).empty
    assert recovery_exports.what_works_table(services, other).empty
    with store.read() as session:
        exported = session.execute(text(
            "SELECT entity FROM audit_log WHERE action = 'export' ORDER BY seq")).scalars().all()
    assert {"report", "motivation", "what-works"} <= set(exported)


# ---- the demo clinic's recovery-focus clients ----------------------------------------------


def test_demo_recovery_storylines(kit, store, services):
    import datetime as dt

    from sqlalchemy import select

    from alliance_kit.clinic.demo import RECOVERY_STORYLINES, build_demo
    from alliance_kit.store.models import Assignment

    summary = build_demo(store, kit, seed=5, clients=10, today=dt.date(2026, 3, 18))
    assert set(summary.recovery) == set(RECOVERY_STORYLINES)
    assert any(RECOVERY_STORYLINES["unsure-return"] in line for line in summary.lines())
    codes = {code: client_id for code, client_id in summary.clients.items()}
    rising = codes[summary.recovery["readiness-rising"]]
    profile = services.motivation_profile(SYSTEM, rising)
    importance = profile.table()["importance"].tolist()
    assert importance[0] == 2 and importance[-1] == 9
    first = services.kit.guidance["alliance-kit-motivation"]
    from alliance_kit.engine.guidance import match

    early = match([first], {"readiness-ruler": profile.points[0].values})
    _, late = services.tailored_guidance(SYSTEM, rising)
    assert {e.id for e in early} != {e.id for e in late}
    assert services.what_works(SYSTEM, rising)[0].reasons
    unsure = codes[summary.recovery["unsure-return"]]
    alerts = services.open_alerts(SYSTEM, unsure)
    assert "recovery-checkin:unsure-return" in set(alerts["instrument_id"] + ":"
                                                   + alerts["rule_id"])
    with store.read() as session:
        assigned = set(session.execute(select(Assignment.client_id).where(
            Assignment.instrument_id == "recovery-checkin")).scalars())
        spanish = session.execute(select(Response.language).where(
            Response.client_id == codes[summary.recovery["spanish"]],
            Response.instrument_id == "recovery-checkin")).scalars().all()
    assert assigned == {codes[c] for c in codes if (int(c[3:]) - 1001) % 3 == 0}
    assert spanish and set(spanish) == {"es"}
