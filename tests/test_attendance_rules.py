"""The attendance alert rules, pure: each fires when it should and not otherwise; and the
``register_attendance_rules`` hook a plugin uses to add or replace one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from alliance_kit import build_kit, hookimpl
from alliance_kit.engine.attendance import AttendancePolicy, sessions_frame
from alliance_kit.engine.attendance_rules import MissedAfterLowAlliance, NoShowStreak, NotSeen
from alliance_kit.types import AttendanceFinding, AttendanceInputs, AttendanceRule

TODAY = dt.date(2026, 3, 18)
START = TODAY - dt.timedelta(days=120)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def inputs(*rows, low_at: dict[int, str] | None = None, policy: AttendancePolicy | None = None,
           started: dt.date = START) -> AttendanceInputs:
    """Appointments (days from today, status), numbered 1.. in order; ``low_at`` maps a row
    number to why the alliance was low at that session."""
    sessions = sessions_frame([(i + 1, day(offset), None, status, None, 1)
                               for i, (offset, status) in enumerate(rows)])
    low_at = low_at or {}
    alliance = pd.DataFrame([
        {"session_id": i + 1, "date": day(offset), "instrument_id": "srs",
         "value": 33.0 if (i + 1) in low_at else 38.0, "low": (i + 1) in low_at,
         "why": low_at.get(i + 1, "")}
        for i, (offset, status) in enumerate(rows) if status == "attended"],
        columns=["session_id", "date", "instrument_id", "value", "low", "why"])
    return AttendanceInputs(7, sessions, alliance, policy or AttendancePolicy(), TODAY, started)


# ---- missed after a low alliance (urgent) --------------------------------------------------


def test_missed_after_low_alliance_fires_for_a_no_show_after_a_low_session():
    found = MissedAfterLowAlliance().evaluate(inputs(
        (-21, "attended"), (-14, "attended"), (-7, "no-show"), low_at={2: "SRS 33 (≤ 36)"}))
    assert len(found) == 1
    assert found[0].trigger == "session:3" and found[0].session_id == 3
    assert found[0].value == 33.0
    assert "Did not attend on 11 Mar 2026 (no-show) after a session with a low alliance on " \
           "04 Mar 2026: SRS 33 (≤ 36)" in found[0].message
    assert MissedAfterLowAlliance.severity == "urgent"


def test_missed_after_low_alliance_fires_for_a_client_cancellation_too():
    found = MissedAfterLowAlliance().evaluate(inputs(
        (-14, "attended"), (-7, "cancelled-by-client"), low_at={1: "rupture"}))
    assert [f.trigger for f in found] == ["session:2"]


def test_a_second_miss_keeps_the_same_trigger_so_it_is_stored_once():
    found = MissedAfterLowAlliance().evaluate(inputs(
        (-21, "attended"), (-14, "no-show"), (-7, "no-show"), low_at={1: "low"}))
    assert [f.trigger for f in found] == ["session:2"]


@pytest.mark.parametrize(("rows", "low_at"), [
    # a good session before the miss
    ([(-14, "attended"), (-7, "no-show")], {}),
    # came back after the miss
    ([(-21, "attended"), (-14, "no-show"), (-7, "attended")], {1: "low"}),
    # the clinic cancelled: not the client's miss
    ([(-14, "attended"), (-7, "cancelled-by-clinic")], {1: "low"}),
    # only booked so far
    ([(-14, "attended"), (3, "scheduled")], {1: "low"}),
    # the low session was an earlier one, the last one before the miss was fine
    ([(-21, "attended"), (-14, "attended"), (-7, "no-show")], {1: "low"}),
    # a miss before any session
    ([(-7, "no-show")], {}),
])
def test_missed_after_low_alliance_stays_quiet_otherwise(rows, low_at):
    assert MissedAfterLowAlliance().evaluate(inputs(*rows, low_at=low_at)) == []


# ---- not seen (warning) ---------------------------------------------------------------


def test_not_seen_fires_after_the_set_days_without_a_booking():
    found = NotSeen().evaluate(inputs((-45, "attended"), (-38, "no-show")))
    assert len(found) == 1
    assert found[0].trigger == f"last-attended:{day(-45).isoformat()}"
    assert found[0].value == 45.0
    assert "Not seen for 45 days (last attended 01 Feb 2026)" in found[0].message


def test_not_seen_counts_from_the_episode_start_when_nothing_was_attended():
    found = NotSeen().evaluate(inputs(started=day(-40)))
    assert [f.trigger for f in found] == [f"since-start:{day(-40).isoformat()}"]


@pytest.mark.parametrize(("rows", "policy"), [
    ([(-45, "attended"), (2, "scheduled")], AttendancePolicy()),   # booked
    ([(-45, "attended"), (0, "scheduled")], AttendancePolicy()),   # booked for today
    ([(-29, "attended")], AttendancePolicy()),                      # 29 < 30 days
    ([(-45, "attended")], AttendancePolicy(not_seen_days=60)),      # the clinic's setting
])
def test_not_seen_stays_quiet_otherwise(rows, policy):
    assert NotSeen().evaluate(inputs(*rows, policy=policy)) == []


def test_a_booking_in_the_past_that_was_never_recorded_does_not_count():
    assert len(NotSeen().evaluate(inputs((-45, "attended"), (-10, "scheduled")))) == 1


# ---- no-show streak (warning) ------------------------------------------------------------


def test_two_no_shows_in_a_row_fire_once_per_streak():
    found = NoShowStreak().evaluate(inputs((-21, "attended"), (-14, "no-show"),
                                           (-7, "no-show")))
    assert [(f.trigger, f.value) for f in found] == [("streak:2", 2.0)]
    assert found[0].message == "2 no-shows in a row (04 Mar 2026, 11 Mar 2026)."
    longer = NoShowStreak().evaluate(inputs((-28, "attended"), (-21, "no-show"),
                                            (-14, "no-show"), (-7, "no-show")))
    assert [(f.trigger, f.value) for f in longer] == [("streak:2", 3.0)]


def test_clinic_cancellations_are_skipped_inside_a_streak():
    found = NoShowStreak().evaluate(inputs((-21, "no-show"), (-14, "cancelled-by-clinic"),
                                           (-7, "no-show")))
    assert [f.trigger for f in found] == ["streak:1"]


@pytest.mark.parametrize(("rows", "policy"), [
    ([(-14, "attended"), (-7, "no-show")], AttendancePolicy()),
    ([(-21, "no-show"), (-14, "cancelled-by-client"), (-7, "no-show")], AttendancePolicy()),
    ([(-21, "no-show"), (-14, "no-show"), (-7, "attended")], AttendancePolicy()),
    ([(-14, "no-show"), (-7, "no-show")], AttendancePolicy(streak=3)),
    ([(-14, "no-show"), (7, "scheduled")], AttendancePolicy()),
])
def test_no_show_streak_stays_quiet_otherwise(rows, policy):
    assert NoShowStreak().evaluate(inputs(*rows, policy=policy)) == []


def test_the_rules_describe_themselves_with_the_clinics_settings():
    policy = AttendancePolicy(not_seen_days=21, streak=3)
    assert "21 days" in NotSeen().describe(policy)
    assert "3 times in a row" in NoShowStreak().describe(policy)
    assert "cut-off" in MissedAfterLowAlliance().describe(policy)


# ---- the hook -------------------------------------------------------------------------------


class ManyCancellations(AttendanceRule):
    name = "many-cancellations"
    severity = "info"
    title = "Cancels often"

    def evaluate(self, inputs):
        cancelled = inputs.sessions[inputs.sessions["status"] == "cancelled-by-client"]
        if len(cancelled) < 3:
            return []
        return [AttendanceFinding(f"third:{cancelled.iloc[2]['session_id']}", "Cancels often.")]


class QuietNotSeen(NotSeen):
    """A clinic's own version of a built-in rule: the same name replaces it."""

    severity = "info"


def test_hook_register_attendance_rules(no_plugin_env):
    plugin = type("Plugin", (), {})()
    plugin.register_attendance_rules = hookimpl(lambda: [ManyCancellations(), QuietNotSeen()])
    kit = build_kit(extra=[plugin], entry_points=False, local=False, disabled=())
    assert [str(p) for p in kit.problems] == []
    assert sorted(kit.attendance_rules) == ["many-cancellations", "missed-after-low-alliance",
                                            "no-show-streak", "not-seen"]
    assert kit.attendance_rules["not-seen"].severity == "info"  # the later plugin wins
    rule = kit.attendance_rules["many-cancellations"]
    assert rule.evaluate(inputs(*[(-7 * k, "cancelled-by-client") for k in (3, 2, 1)])) == [
        AttendanceFinding("third:3", "Cancels often.")]
    assert rule.evaluate(inputs((-7, "cancelled-by-client"))) == []
    builtin = build_kit(entry_points=False, local=False, disabled=())
    assert sorted(builtin.attendance_rules) == ["missed-after-low-alliance", "no-show-streak",
                                                "not-seen"]
    without = build_kit(entry_points=False, local=False, disabled=("default_attendance",))
    assert without.attendance_rules == {}


def test_a_plugin_rule_that_raises_is_reported_and_the_others_still_run(no_plugin_env):
    plugin = type("Broken", (), {})()
    plugin.register_attendance_rules = hookimpl(lambda: 1 / 0)
    kit = build_kit(extra=[plugin], entry_points=False, local=False, disabled=())
    assert any("register_attendance_rules failed: ZeroDivisionError" in str(p)
               for p in kit.problems)
    assert "not-seen" in kit.attendance_rules
