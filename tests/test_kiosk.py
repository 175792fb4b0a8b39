"""The kiosk library: due instruments, hand-overs, one-time codes, the staff PIN, answers."""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest
from e2e.seed import PASSWORD, PIN, seed
from sqlalchemy import select

import alliance_kit
from alliance_kit.clinic import kiosk
from alliance_kit.clinic.access import AccessDenied, Actor
from alliance_kit.clinic.accounts import login
from alliance_kit.clinic.kiosk import codes, pin
from alliance_kit.clinic.services import Services
from alliance_kit.store import open_store
from alliance_kit.store.models import AuditEntry, HandoverCode, utcnow

CHECKIN = "session-checkin"
FULL = {"bond": 7, "goals": 8, "approach": 9, "overall": 6, "comment": None}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kiosk-lib")
    return folder / "t.db", seed(folder / "t.db")


@pytest.fixture(scope="module")
def actors(template):
    path, _ = template
    store = open_store(f"sqlite:///{path}")
    found = login(store, "ana", PASSWORD).actor, login(store, "bo", PASSWORD).actor
    store.close()
    return found


@pytest.fixture
def env(template, tmp_path, kit, actors):
    path, seeded = template
    shutil.copy(path, tmp_path / "k.db")
    store = open_store(f"sqlite:///{tmp_path / 'k.db'}")
    services = Services(store, kit)
    ana, bo = actors
    yield SimpleNamespace(services=services, store=store, ana=ana, bo=bo, seeded=seeded)
    store.close()


def audit_actions(store, entity: str) -> list[str]:
    with store.read() as session:
        return list(session.execute(select(AuditEntry.action).where(
            AuditEntry.entity == entity).order_by(AuditEntry.seq)).scalars())


# ---- due instruments ----------------------------------------------------------------------


@pytest.mark.parametrize(("first", "every", "number", "due"), [
    (1, 1, 1, True), (1, 1, 7, True), (1, 4, 5, True), (1, 4, 4, False), (3, 2, 1, False),
    (3, 2, 3, True), (3, 2, 4, False), (1, 4, None, True),
])
def test_is_due(first, every, number, due):
    assignment = SimpleNamespace(active=True, first_session=first, every=every)
    assert kiosk.is_due(assignment, number) is due


def test_inactive_assignments_are_never_due():
    assert not kiosk.is_due(SimpleNamespace(active=False, first_session=1, every=1), 1)


def test_due_instruments_leave_out_answered_ones(env):
    s = env.seeded
    assert kiosk.due_instruments(env.services, env.ana, s.client_id, s.session_id) == [CHECKIN]
    assert kiosk.due_instruments(env.services, env.ana, s.client_id, s.session_id,
                                 "session-start") == []
    handover = kiosk.start_handover(env.services, env.ana, s.client_id, s.session_id, [CHECKIN])
    kiosk.submit(env.services, handover, CHECKIN, FULL)
    assert kiosk.due_instruments(env.services, env.ana, s.client_id, s.session_id) == []


def test_due_instruments_check_access(env):
    with pytest.raises(AccessDenied):
        kiosk.due_instruments(env.services, env.bo, env.seeded.client_id)


# ---- hand-over ----------------------------------------------------------------------------


def test_handover_is_audited_and_limited_to_its_client(env):
    s = env.seeded
    handover = kiosk.start_handover(env.services, env.ana, s.client_id, s.session_id, [CHECKIN])
    assert handover.actor.role == "kiosk" and handover.actor.client_id == s.client_id
    assert audit_actions(env.store, "kiosk") == ["handover"]
    with pytest.raises(AccessDenied):
        kiosk.submit(env.services, handover, "phq-9", {})
    other = kiosk.Handover(s.other_client_id, None, (CHECKIN,), "x")
    forged = kiosk.Handover(other.client_id, s.session_id, (CHECKIN,), "x")
    with pytest.raises(ValueError):  # another client's session
        kiosk.submit(env.services, forged, CHECKIN, FULL)


def test_only_the_care_team_may_hand_over(env):
    with pytest.raises(AccessDenied):
        kiosk.start_handover(env.services, env.bo, env.seeded.client_id, None, [CHECKIN])
    with pytest.raises(AccessDenied):
        kiosk.start_handover(env.services, Actor.kiosk(1, "x"), 1, None, [CHECKIN])


def test_nothing_to_fill_in_or_no_wording_cannot_start(env):
    s = env.seeded
    with pytest.raises(kiosk.KioskError, match="choose at least one"):
        kiosk.start_handover(env.services, env.ana, s.client_id, None, [])
    with pytest.raises(kiosk.KioskError, match="wording pack"):
        kiosk.create_code(env.services, env.ana, s.client_id, None, ["wai-sr"])
    assert "wai-sr" in kiosk.blocked_instruments(env.services, ["wai-sr", CHECKIN])


def test_submission_is_idempotent(env):
    s = env.seeded
    handover = kiosk.start_handover(env.services, env.ana, s.client_id, s.session_id, [CHECKIN])
    first = kiosk.submit(env.services, handover, CHECKIN, FULL)
    again = kiosk.submit(env.services, handover, CHECKIN, FULL)
    assert first.created and not again.created and first.response_id == again.response_id
    assert len(handover.submission_key(CHECKIN)) <= 64


# ---- one-time codes -----------------------------------------------------------------------


def test_a_code_works_once(env):
    issued = kiosk.create_code(env.services, env.ana, env.seeded.other_client_id, None,
                               [CHECKIN])
    assert len(issued.code) == 8 and issued.code.isdigit()
    with env.store.read() as session:
        stored = session.execute(select(HandoverCode.code_hash)).scalar_one()
    assert issued.code not in stored  # only a hash is kept
    handover = kiosk.redeem_code(env.services, f" {issued.code} ")
    assert handover.client_id == env.seeded.other_client_id
    assert handover.instruments == (CHECKIN,)
    with pytest.raises(kiosk.CodeRefused, match="already used"):
        kiosk.redeem_code(env.services, issued.code)
    assert audit_actions(env.store, "handover-code") == ["create", "use", "code-refused"]


def test_a_code_expires_after_30_minutes(env):
    issued = kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN])
    later = utcnow() + codes.CODE_TTL + dt.timedelta(seconds=1)
    with pytest.raises(kiosk.CodeRefused, match="expired"):
        kiosk.redeem_code(env.services, issued.code, now=later)


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "000000"])
def test_wrong_codes_are_refused(env, code):
    with pytest.raises(kiosk.CodeRefused, match="not right"):
        kiosk.redeem_code(env.services, code)


def test_many_wrong_codes_pause_code_entry(env, monkeypatch):
    monkeypatch.setattr(codes, "CODE_MAX_FAILURES", 3)
    issued = kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN])
    for _ in range(3):
        with pytest.raises(kiosk.CodeRefused):
            kiosk.redeem_code(env.services, "999999" if issued.code != "999999" else "999998")
    with pytest.raises(kiosk.CodeRefused, match="Too many wrong codes"):
        kiosk.redeem_code(env.services, issued.code)


def test_a_dead_codes_hash_is_retired_when_the_same_code_comes_again(env, monkeypatch):
    draws = iter([123456, 123456, 123456, 654321])
    monkeypatch.setattr(codes.secrets, "randbelow", lambda n: next(draws))
    first = kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN])
    kiosk.redeem_code(env.services, first.code)
    second = kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN])
    assert second.code == "00123456"  # the used one's hash was retired
    third = kiosk.create_code(env.services, env.ana, env.seeded.client_id, None, [CHECKIN])
    assert third.code == "00654321"  # a live code is never drawn twice


def test_codes_are_staff_only(env):
    with pytest.raises(AccessDenied):
        kiosk.create_code(env.services, env.bo, env.seeded.client_id, None, [CHECKIN])


# ---- PIN and settings ---------------------------------------------------------------------


def test_pin_lockout_after_three_wrong(env, monkeypatch):
    start = utcnow()
    clock = {"now": start}
    monkeypatch.setattr("alliance_kit.store.audit.utcnow", lambda: clock["now"])

    def at(seconds):
        clock["now"] = start + dt.timedelta(seconds=seconds)
        return clock["now"]

    assert kiosk.check_pin(env.store, "000000", now=at(0)).message == "Wrong PIN."
    assert not kiosk.check_pin(env.store, "000001", now=at(1)).ok
    third = kiosk.check_pin(env.store, "000002", now=at(2))
    assert not third.ok and third.wait == 30
    assert not kiosk.check_pin(env.store, PIN, now=at(20)).ok  # still waiting
    assert kiosk.check_pin(env.store, PIN, now=at(33)).ok
    assert audit_actions(env.store, "kiosk") == ["unlock-failed"] * 3 + ["unlock"]


def test_pin_is_stored_as_an_argon2id_hash_by_admins_only(env):
    with pytest.raises(AccessDenied):
        kiosk.set_pin(env.store, env.ana, "135792")
    with pytest.raises(ValueError, match="at least 6 digits"):
        kiosk.set_pin(env.store, Actor.system("t"), "12a")
    kiosk.set_pin(env.store, Actor.system("t"), "135792")
    stored = alliance_kit.clinic.settings.get(env.store, pin.PIN_SETTING)["hash"]
    assert stored.startswith("$argon2id$") and "135792" not in stored
    assert kiosk.check_pin(env.store, "135792").ok


def test_no_pin_set_means_login_only(tmp_path):
    seeded = seed(tmp_path / "nopin.db")
    store = open_store(seeded.url)
    alliance_kit.clinic.settings.put(store, Actor.system("t"), pin.PIN_SETTING, {})
    assert not kiosk.pin_is_set(store)
    assert "log in" in kiosk.check_pin(store, PIN).message
    store.close()


def test_idle_minutes_default_and_setting(env):
    assert kiosk.idle_seconds(env.store) == 300
    kiosk.set_idle_minutes(env.store, Actor.system("t"), 2)
    assert kiosk.idle_seconds(env.store) == 120
    with pytest.raises(ValueError):
        kiosk.set_idle_minutes(env.store, Actor.system("t"), 0)


# ---- kiosk state and answers --------------------------------------------------------------


def test_state_walks_through_instruments_then_thanks_then_lock():
    state = kiosk.KioskState()
    assert state.locked
    state.begin(kiosk.Handover(1, None, ("a", "b"), "x"), now=0)
    assert state.current == "a" and not state.locked
    assert state.idle_expired(300, now=301) and not state.idle_expired(300, now=299)
    state.advance()
    assert state.current == "b"
    state.advance()
    assert state.thanks and state.handover is None and state.current is None
    state.lock()
    assert state.locked and not state.idle_expired(1, now=10**12)


def test_clear_answers_removes_only_answer_keys():
    state = {"kiosk:srs:1": 3, "kiosk:srs:1:vas": {"value": 3}, "kiosk-lang": "es",
             "alliance_kit:kiosk": object(), "kiosk-submit:srs": True}
    assert kiosk.clear_answers(state) == 2
    assert sorted(state) == ["alliance_kit:kiosk", "kiosk-lang", "kiosk-submit:srs"]


def test_untouched_items_are_not_answered(kit):
    checkin = kit.instrument(CHECKIN)
    answers = kiosk.collect_answers(checkin, {"bond": 0.0, "comment": "   "})
    assert answers == {"bond": 0.0, "goals": None, "approach": None, "overall": None,
                       "comment": None}
    problems = kiosk.problems_by_item(checkin, answers)
    assert sorted(problems) == ["approach", "goals", "overall"]
    assert kiosk.progress(checkin, answers) == (1, 5)


def test_skip_rules_hide_items_that_are_not_asked(kit):
    phq9 = kit.instrument("phq-9")
    assert "10" in kiosk.asked_items(phq9, {})
    none = {str(i): 0 for i in range(1, 10)}
    assert "10" not in kiosk.asked_items(phq9, none)
    assert kiosk.collect_answers(phq9, {**none, "10": 2})["10"] is None
    some = {**none, "1": 1}
    assert "10" in kiosk.asked_items(phq9, some)
