"""Recording attendance and the attendance alerts, on both engines: what is stored, what is
refused (and then nothing is written), who may do it, and how alerts are raised once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from conftest import row_counts
from sqlalchemy import func, select

from alliance_kit import hookimpl
from alliance_kit.clinic import attendance, kiosk, settings
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.attendance_alerts import ATTENDANCE, sweep
from alliance_kit.clinic.attendance_data import policy, set_policy
from alliance_kit.clinic.services import Services
from alliance_kit.engine.attendance import AttendanceError, AttendancePolicy
from alliance_kit.store.models import Alert, AuditEntry, Episode
from alliance_kit.store.models import Session as SessionRow
from alliance_kit.types import AttendanceFinding, AttendanceRule

SYSTEM = Actor.system("test")
TODAY = dt.date.today()


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


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


@pytest.fixture
def world(services) -> World:
    team_a, team_b = services.add_team(SYSTEM, "A"), services.add_team(SYSTEM, "B")

    def user(name, role, team):
        return Actor(name, role, services.add_user(SYSTEM, name, role, team_id=team), team)

    ana, ben = user("ana", "therapist", team_a), user("ben", "therapist", team_a)
    cat, sue = user("cat", "therapist", team_b), user("sue", "supervisor", team_a)
    adm = user("adm", "admin", None)
    clients = [services.add_client(SYSTEM, f"C-{a.username}", therapist_ids=[a.user_id],
                                   started_on=day(-120)) for a in (ana, ben, cat)]
    return World(ana, ben, cat, sue, adm, *clients)


def srs(total: float) -> dict:
    return {str(i): round(total / 4, 1) for i in range(1, 5)}


def session_with_srs(services: Services, actor: Actor, client_id: int, offset: int,
                     total: float) -> int:
    session_id = services.add_session(actor, client_id, day(offset))
    services.submit_response(actor, client_id=client_id, instrument_id="srs",
                             answers=srs(total), idempotency_key=f"k{client_id}:{offset}",
                             session_id=session_id)
    return session_id


def attendance_alerts(store, client_id: int) -> list[tuple[str, str, bool]]:
    with store.read() as session:
        return [(a.rule_id, a.trigger_key, a.acknowledged_at is None)
                for a in session.execute(select(Alert).where(
                    Alert.client_id == client_id, Alert.instrument_id == ATTENDANCE)
                    .order_by(Alert.id)).scalars()]


def audit_count(store) -> int:
    with store.read() as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


# ---- recording ---------------------------------------------------------------------------


def test_recording_numbers_attended_sessions_only_and_is_idempotent(services, store, world):
    w = world
    first = attendance.record_attendance(services, w.ana, w.c_ana, day(-14), "attended")
    missed = attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show",
                                          reason="overslept")
    second = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert (first.number, missed.number, second.number) == (1, None, 2)
    before = row_counts(store)
    again = attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show")
    assert again.session_id == missed.session_id and not again.changed
    assert row_counts(store) == before
    record = attendance.client_attendance(services, w.ana, w.c_ana)
    assert record.sessions["status"].tolist() == ["attended", "no-show", "attended"]
    assert record.sessions["reason"].tolist()[1] == "overslept"
    assert record.facts.last_attended == day(0) and record.episode_open


def test_a_booked_appointment_takes_the_status_recorded_for_its_day(services, store, world):
    w = world
    booked = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "scheduled",
                                          time=dt.time(10, 30))
    assert attendance.caseload_attendance(services, w.ana).set_index("client_id").loc[
        w.c_ana, "awaiting_session_id"] == booked.session_id
    done = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert done.session_id == booked.session_id and done.number == 1
    with store.read() as session:
        row = session.get(SessionRow, booked.session_id)
        assert (row.status, row.time) == ("attended", dt.time(10, 30))
    row = attendance.caseload_attendance(services, w.ana).set_index("client_id").loc[w.c_ana]
    assert row["awaiting_session_id"] is None and row["last_attended"] == day(0)


def test_a_second_tap_on_the_same_day_corrects_the_first(services, store, world):
    w = world
    wrong = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "no-show")
    right = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert right.session_id == wrong.session_id and right.changed and right.number == 1
    record = attendance.client_attendance(services, w.ana, w.c_ana)
    assert record.sessions["status"].tolist() == ["attended"]
    with store.read() as session:
        was = session.execute(select(AuditEntry.details).where(AuditEntry.action == "record")
                              .order_by(AuditEntry.seq.desc())).scalars().first()["was"]
    assert was == "no-show"
    # A second appointment the same day is booked separately.
    later = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "scheduled",
                                         time=dt.time(17))
    assert later.session_id != right.session_id


@pytest.mark.parametrize(("offset", "status", "message"), [
    (0, "maybe", "'maybe' is not a status"),
    (-1, "scheduled", "is in the past: it cannot be scheduled"),
    (3, "attended", "has not happened yet"),
    (-200, "attended", "episode began on"),
])
def test_bad_attendance_is_refused_and_nothing_is_written(services, store, world, offset,
                                                          status, message):
    before = row_counts(store)
    with pytest.raises(AttendanceError, match=message):
        attendance.record_attendance(services, world.ana, world.c_ana, day(offset), status)
    assert row_counts(store) == before


def test_nothing_can_be_recorded_after_the_episode_ended_until_a_new_one(services, store,
                                                                        world):
    w = world
    attendance.record_attendance(services, w.ana, w.c_ana, day(-20), "attended")
    attendance.record_attendance(services, w.ana, w.c_ana, day(7), "scheduled")
    with pytest.raises(AttendanceError, match="cannot end before that"):
        attendance.end_episode(services, w.ana, w.c_ana, day(-30), "completed")
    with pytest.raises(AttendanceError, match="not an end reason"):
        attendance.end_episode(services, w.ana, w.c_ana, day(-1), "finished")
    attendance.end_episode(services, w.ana, w.c_ana, day(-1), "completed")
    record = attendance.client_attendance(services, w.ana, w.c_ana)
    assert not record.episode_open
    # The appointment still booked was cancelled by the clinic.
    assert record.sessions["status"].tolist() == ["attended", "cancelled-by-clinic"]
    before = row_counts(store)
    with pytest.raises(AttendanceError, match="episode ended on .* \\(completed\\): start a "
                                              "new episode"):
        attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    with pytest.raises(AttendanceError, match="still open"):
        attendance.start_episode(services, w.ben, w.c_ben, day(0))
    with pytest.raises(AttendanceError, match="cannot start before"):
        attendance.start_episode(services, w.ana, w.c_ana, day(-2))
    assert row_counts(store) == before
    attendance.start_episode(services, w.ana, w.c_ana, day(0))
    again = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert again.number == 1  # numbers start again in the new episode
    with store.read() as session:
        ended = session.execute(select(Episode.end_reason).order_by(Episode.id)
                                .where(Episode.client_id == w.c_ana)).scalars().all()
    assert ended == ["completed", None]


def test_a_session_with_answers_stays_attended(services, store, world):
    w = world
    session_id = session_with_srs(services, w.ana, w.c_ana, -7, 38)
    before = row_counts(store)
    with pytest.raises(AttendanceError, match="has the client's answers"):
        attendance.set_session_status(services, w.ana, session_id, "no-show")
    assert row_counts(store) == before
    late = attendance.record_attendance(services, w.ana, w.c_ana, day(-3), "no-show")
    fixed = attendance.set_session_status(services, w.ana, late.session_id, "attended",
                                          reason="came late")
    assert fixed.status == "attended" and fixed.number == 2
    with pytest.raises(AttendanceError, match="'gone' is not a status"):
        attendance.set_session_status(services, w.ana, late.session_id, "gone")


def test_add_session_takes_a_status(services, store, world):
    w = world
    missed = services.add_session(w.ana, w.c_ana, day(-7), status="no-show")
    booked = services.add_session(w.ana, w.c_ana, day(7), status="scheduled",
                                  time=dt.time(9))
    with store.read() as session:
        rows = {r.id: (r.status, r.number) for r in session.execute(
            select(SessionRow)).scalars()}
    assert rows[missed] == ("no-show", None) and rows[booked] == ("scheduled", None)
    before = row_counts(store)
    with pytest.raises(AttendanceError, match="in the past"):
        services.add_session(w.ana, w.c_ana, day(-7), status="scheduled")
    assert row_counts(store) == before


def test_a_hand_over_and_answers_mark_the_session_attended(services, store, world):
    w = world
    today = attendance.record_attendance(services, w.ana, w.c_ana, day(0), "scheduled")
    later = attendance.record_attendance(services, w.ana, w.c_ana, day(7), "scheduled")
    choices = kiosk.client_sessions(services, w.ana, w.c_ana)
    assert [c.session_id for c in choices] == [today.session_id]  # nothing in the future
    assert choices[0].label.startswith("Booked appointment")
    with pytest.raises(kiosk.KioskError, match="booked for"):
        kiosk.start_handover(services, w.ana, w.c_ana, later.session_id, ["session-checkin"])
    kiosk.start_handover(services, w.ana, w.c_ana, today.session_id, ["session-checkin"])
    with store.read() as session:
        row = session.get(SessionRow, today.session_id)
        assert (row.status, row.number) == ("attended", 1)
    assert kiosk.client_sessions(services, w.ana, w.c_ana)[0].label.startswith("Session 1")
    # Answers at a booked session show the client came.
    booked = attendance.record_attendance(services, w.ben, w.c_ben, day(0), "scheduled")
    saved = services.submit_response(w.ben, client_id=w.c_ben, instrument_id="srs",
                                     answers=srs(38), idempotency_key="b1",
                                     session_id=booked.session_id)
    with store.read() as session:
        assert session.get(SessionRow, booked.session_id).status == "attended"
    assert services.client_history(w.ben, w.c_ben)["session_number"].iloc[0] == 1
    assert saved.created
    with pytest.raises(ValueError, match="answers can be given at it from that day on"):
        services.submit_response(w.ana, client_id=w.c_ana, instrument_id="srs",
                                 answers=srs(38), idempotency_key="a-future",
                                 session_id=later.session_id)


def test_reads_and_writes_are_audited(services, store, world):
    w = world
    before = audit_count(store)
    attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show")
    attendance.client_attendance(services, w.ana, w.c_ana)
    attendance.caseload_attendance(services, w.ana)
    attendance.alliance_timeline(services, w.ana, w.c_ana)
    with store.read() as session:
        entries = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                                         AuditEntry.client_id, AuditEntry.details)
                                  .where(AuditEntry.seq > before)
                                  .order_by(AuditEntry.seq)).all()
    assert [(e.action, e.entity) for e in entries] == [
        ("record", "attendance"), ("view", "attendance"), ("view", "caseload-attendance"),
        ("view", "alliance-timeline")]
    assert all(e.actor == "ana" for e in entries)
    assert entries[0].client_id == w.c_ana and entries[0].details["status"] == "no-show"


# ---- access ---------------------------------------------------------------------------------


def test_therapists_record_only_for_their_own_clients(services, store, world):
    w = world
    own = attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show")
    before = row_counts(store)
    calls = [
        lambda a: attendance.record_attendance(services, a, w.c_ana, day(-3), "attended"),
        lambda a: attendance.set_session_status(services, a, own.session_id, "attended"),
        lambda a: attendance.end_episode(services, a, w.c_ana, day(0), "dropped-out"),
        lambda a: attendance.start_episode(services, a, w.c_ana, day(0)),
        lambda a: attendance.client_attendance(services, a, w.c_ana),
        lambda a: attendance.alliance_timeline(services, a, w.c_ana),
    ]
    for actor in (w.ben, w.cat, w.adm, Actor.kiosk(w.c_ana, "ana")):
        for call in calls:
            with pytest.raises(AccessDenied):
                call(actor)
    assert row_counts(store) == before
    missing = pytest.raises(AccessDenied, match="may not see session 987654, or there is no "
                                                "such session")
    with missing:
        attendance.set_session_status(services, w.ana, 987654, "attended")
    # The supervisor of ana's team may; the one of another team may not.
    attendance.record_attendance(services, w.sue, w.c_ana, day(-3), "attended")
    with pytest.raises(AccessDenied):
        attendance.record_attendance(services, w.sue, w.c_cat, day(-3), "attended")


def test_the_caseload_section_lists_only_visible_clients(services, world):
    w = world
    assert attendance.caseload_attendance(services, w.ana)["code"].tolist() == ["C-ana"]
    assert attendance.caseload_attendance(services, w.sue)["code"].tolist() == ["C-ana",
                                                                                 "C-ben"]
    assert attendance.caseload_attendance(services, w.adm).empty
    with pytest.raises(AccessDenied):
        attendance.caseload_attendance(services, Actor.kiosk(w.c_ana, "ana"))


def test_only_admins_change_the_definitions(services, store, world):
    chosen = AttendancePolicy(return_days=21, not_seen_days=14)
    for actor in (world.ana, world.sue):
        with pytest.raises(AccessDenied):
            set_policy(store, actor, chosen)
    assert policy(store) == AttendancePolicy()
    set_policy(store, world.adm, chosen)
    assert policy(store) == chosen


# ---- alerts ---------------------------------------------------------------------------------


def test_a_missed_appointment_after_a_rupture_raises_one_urgent_alert(services, store, world):
    w = world
    session_with_srs(services, w.ana, w.c_ana, -21, 38.8)
    session_with_srs(services, w.ana, w.c_ana, -14, 35.2)  # rupture and below the cut-off
    done = attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show")
    assert [(a["rule_id"], a["severity"]) for a in done.alerts.raised] == [
        ("missed-after-low-alliance", "urgent")]
    assert "SRS 35.2 (≤ 36) and SRS down 3.6 points" in done.alerts.raised[0]["message"]
    alerts = services.open_alerts(w.ana, w.c_ana)
    assert alerts.iloc[0]["rule_id"] == "missed-after-low-alliance"  # urgent comes first
    assert alerts.iloc[0]["instrument_id"] == ATTENDANCE
    # Evaluating again stores nothing new; the caseload shows it under the client.
    before = row_counts(store)
    assert not sweep(store, services.kit, w.ana).raised
    assert row_counts(store) == before
    caseload = services.caseload(w.ana)
    assert caseload.loc[0, "top_severity"] == "urgent"
    assert "attendance: missed-after-low-alliance" in caseload.loc[0, "alert_rules"]
    # It stays open when the client comes back: someone has to look at it.
    attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert attendance_alerts(store, w.c_ana) == [
        ("missed-after-low-alliance", f"session:{done.session_id}", True)]


def test_no_alert_after_a_good_session(services, store, world):
    session_with_srs(services, world.ana, world.c_ana, -14, 39.2)
    done = attendance.record_attendance(services, world.ana, world.c_ana, day(-7), "no-show")
    assert done.alerts.raised == []


def test_not_seen_is_raised_by_the_sweep_once_and_closed_when_an_appointment_is_booked(
        services, store, world):
    w = world
    services.add_session(w.ana, w.c_ana, day(-40))
    services.add_session(w.ben, w.c_ben, day(-10))
    first = sweep(store, services.kit, SYSTEM)
    raised = {(a["client_id"], a["rule_id"]) for a in first.raised}
    assert (w.c_ana, "not-seen") in raised and (w.c_ben, "not-seen") not in raised
    # C-cat has never been seen since the episode began 120 days ago.
    assert (w.c_cat, "not-seen") in raised
    entries, rows = audit_count(store), row_counts(store)
    assert sweep(store, services.kit, SYSTEM).raised == []
    assert (audit_count(store), row_counts(store)) == (entries, rows)  # nothing written
    attendance.record_attendance(services, w.ana, w.c_ana, day(3), "scheduled")
    assert attendance_alerts(store, w.c_ana) == [
        ("not-seen", f"last-attended:{day(-40).isoformat()}", False)]
    with store.read() as session:
        note = session.execute(select(Alert.note).where(Alert.client_id == w.c_ana)).scalar()
    assert "No longer applies" in note


def test_a_therapists_sweep_covers_only_their_clients(services, store, world):
    done = sweep(store, services.kit, world.ana)
    assert {a["client_id"] for a in done.raised} == {world.c_ana}
    with pytest.raises(AccessDenied):
        sweep(store, services.kit, Actor.kiosk(world.c_ana, "ana"))


def test_the_no_show_streak_closes_when_the_client_comes_back(services, store, world):
    w = world
    services.add_session(w.ana, w.c_ana, day(-21))
    attendance.record_attendance(services, w.ana, w.c_ana, day(-14), "no-show")
    done = attendance.record_attendance(services, w.ana, w.c_ana, day(-7), "no-show")
    assert [a["rule_id"] for a in done.alerts.raised] == ["no-show-streak"]
    attendance.record_attendance(services, w.ana, w.c_ana, day(0), "attended")
    assert attendance_alerts(store, w.c_ana)[0][2] is False  # closed by the system


def test_an_admin_switches_an_attendance_rule_off(services, store, world, kit):
    w = world
    settings.set_alert_settings(store, w.adm, kit,
                                settings.AlertSettings(frozenset({"attendance:not-seen"})))
    services.add_session(w.ana, w.c_ana, day(-40))
    assert not [a for a in sweep(store, kit, SYSTEM).raised if a["rule_id"] == "not-seen"]
    with pytest.raises(ValueError, match="unknown alert rule"):
        settings.set_alert_settings(store, w.adm, kit,
                                    settings.AlertSettings(frozenset({"attendance:nope"})))
    settings.set_alert_settings(store, w.adm, kit, settings.AlertSettings())
    assert [a["rule_id"] for a in sweep(store, kit, SYSTEM).raised].count("not-seen") == 3


def test_ending_the_episode_closes_its_attendance_alerts(services, store, world):
    w = world
    services.add_session(w.ana, w.c_ana, day(-40))
    sweep(store, services.kit, SYSTEM)
    attendance.end_episode(services, w.ana, w.c_ana, day(-2), "dropped-out")
    assert [open_ for _, _, open_ in attendance_alerts(store, w.c_ana)] == [False]
    assert [a for a in sweep(store, services.kit, SYSTEM).raised
            if a["client_id"] == w.c_ana] == []


class Exploding(AttendanceRule):
    name = "exploding"
    title = "Always fails"

    def evaluate(self, inputs):
        raise RuntimeError("plugin bug")


class EveryNoShow(AttendanceRule):
    name = "every-no-show"
    severity = "info"
    title = "A no-show"

    def evaluate(self, inputs):
        missed = inputs.sessions[inputs.sessions["status"] == "no-show"]
        return [AttendanceFinding(f"session:{s}", "A no-show.", session_id=int(s))
                for s in missed["session_id"]]


def test_a_plugin_rule_is_stored_and_a_failing_one_does_not_block_recording(store,
                                                                          no_plugin_env):
    from alliance_kit import build_kit

    plugin = type("Plugin", (), {})()
    plugin.register_attendance_rules = hookimpl(lambda: [Exploding(), EveryNoShow()])
    kit = build_kit(extra=[plugin], entry_points=False, local=False, disabled=())
    services = Services(store, kit)
    therapist = services.add_user(SYSTEM, "tia", "therapist")
    tia = Actor("tia", "therapist", therapist)
    client = services.add_client(SYSTEM, "C-1", therapist_ids=[therapist], started_on=day(-20))
    done = attendance.record_attendance(services, tia, client, day(-7), "no-show")
    assert [a["rule_id"] for a in done.alerts.raised] == ["every-no-show"]
    assert done.alerts.problems == ["exploding: RuntimeError: plugin bug"]
    again = attendance.record_attendance(services, tia, client, day(-1), "no-show")
    assert [a["rule_id"] for a in again.alerts.raised] == ["no-show-streak", "every-no-show"]
    with store.read() as session:
        stored = session.execute(select(Alert.rule_id, Alert.session_id, Alert.severity)
                                 .where(Alert.rule_id == "every-no-show")
                                 .order_by(Alert.id)).all()
    assert stored == [("every-no-show", done.session_id, "info"),
                      ("every-no-show", again.session_id, "info")]
