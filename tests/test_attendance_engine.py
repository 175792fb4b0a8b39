"""Attendance and return, pure: statuses, the clinic's definitions, facts, returns, dropout,
alliance signals, and the statistics (Wilson, logistic regression, Kaplan-Meier)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from alliance_kit.engine import alliance_signals, attendance, retention
from alliance_kit.engine.attendance import (
    AttendanceError,
    AttendancePolicy,
    end_problem,
    episode_outcomes,
    facts,
    returned,
    sessions_frame,
    status_problem,
)

TODAY = dt.date(2026, 3, 18)


def day(offset: int) -> dt.date:
    return TODAY + dt.timedelta(days=offset)


def visits(*rows, client=1, episode=1) -> pd.DataFrame:
    """(days from TODAY, status) rows as the standard appointments table."""
    frame = sessions_frame([
        (i + 1, day(offset), None, status, None, episode) for i, (offset, status) in
        enumerate(rows)])
    return frame.assign(client_id=client)


# ---- statuses and settings ---------------------------------------------------------------


@pytest.mark.parametrize(("status", "offset", "words"), [
    ("maybe", 0, "'maybe' is not a status: use one of attended, no-show"),
    ("scheduled", -1, "is in the past: it cannot be scheduled"),
    ("attended", 1, "has not happened yet: it can be scheduled or cancelled, not attended"),
    ("no-show", 3, "not no-show"),
])
def test_a_status_that_does_not_fit_is_refused_with_a_reason(status, offset, words):
    assert words in status_problem(status, day(offset), TODAY)


@pytest.mark.parametrize(("status", "offset"), [
    ("scheduled", 0), ("scheduled", 7), ("attended", 0), ("no-show", -7),
    ("cancelled-by-client", 5), ("cancelled-by-clinic", -3), ("attended", -30)])
def test_a_status_that_fits_its_date_is_accepted(status, offset):
    assert status_problem(status, day(offset), TODAY) is None


def test_an_episode_end_is_checked_against_its_sessions():
    start = day(-100)
    assert "not an end reason" in end_problem("finished", day(0), start, None, TODAY)
    assert "future" in end_problem("completed", day(1), start, None, TODAY)
    assert "before that" in end_problem("completed", day(-101), start, None, TODAY)
    assert "attended a session on" in end_problem("dropped-out", day(-20), start, day(-10),
                                                  TODAY)
    assert end_problem("dropped-out", day(-5), start, day(-10), TODAY) is None


def test_the_policy_has_the_literature_defaults_and_refuses_nonsense():
    policy = AttendancePolicy()
    assert policy.as_dict() == {"return_days": 30, "dropout_days": 30, "not_seen_days": 30,
                                "streak": 2}
    assert "within 30 days" in policy.words()[0]
    assert AttendancePolicy.from_mapping({"return_days": 14}).return_days == 14
    with pytest.raises(AttendanceError, match="return_days must be a whole number from 1 "
                                              "to 365"):
        AttendancePolicy(return_days=0)
    with pytest.raises(AttendanceError, match="streak"):
        AttendancePolicy(streak=1)
    with pytest.raises(AttendanceError, match="unknown attendance setting"):
        AttendancePolicy.from_mapping({"return_dayz": 3})
    with pytest.raises(AttendanceError):
        AttendancePolicy(return_days=True)


# ---- facts -------------------------------------------------------------------------------


def test_facts_count_the_last_eight_due_appointments_without_clinic_cancellations():
    rows = [(-70 + 7 * k, "attended") for k in range(6)]
    rows += [(-28, "no-show"), (-21, "cancelled-by-clinic"), (-14, "cancelled-by-client"),
             (-7, "attended"), (-3, "scheduled"), (2, "scheduled"), (9, "scheduled")]
    known = facts(visits(*rows), TODAY)
    assert known.next_appointment == day(2)
    assert known.last_attended == day(-7) and known.days_since == 7
    # Due: 6 attended, a no-show, a client cancellation, 1 attended = 9; the last 8 of them.
    assert (known.attended, known.due) == (6, 8)
    assert known.rate_words() == "6 of 8 (75%)"
    assert known.unrecorded == 1


def test_facts_of_a_client_with_nothing_yet():
    known = facts(visits(), TODAY)
    assert (known.next_appointment, known.last_attended, known.days_since) == (None, None, None)
    assert known.rate is None and known.rate_words() == "—"


def test_next_number_follows_the_highest():
    assert attendance.next_number([1, None, 3, float("nan")]) == 4
    assert attendance.next_number([]) == 1


# ---- returned and dropout ---------------------------------------------------------------


def episodes(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["episode_id", "client_id", "started_on", "ended_on",
                                       "end_reason"])


def test_return_within_the_window_and_unknown_when_too_recent():
    rows = visits((-100, "attended"), (-80, "attended"), (-40, "attended"), (-35, "no-show"),
                  (-20, "attended"))
    flags = returned(rows, episodes((1, 1, day(-120), None, None)), AttendancePolicy(), TODAY)
    # -100 -> -80 (20 days): returned; -80 -> -40 (40 days): not; -40 -> -20: returned;
    # -20: its 30 days run past today: not known; the no-show is not a session.
    assert flags.tolist()[:3] == [1.0, 0.0, 1.0]
    assert math.isnan(flags.iloc[3]) and math.isnan(flags.iloc[4])
    longer = returned(rows, episodes((1, 1, day(-120), None, None)),
                      AttendancePolicy(return_days=45), TODAY)
    assert longer.tolist()[:3] == [1.0, 1.0, 1.0]


def test_no_return_after_a_planned_ending_is_left_out_but_a_dropout_counts():
    rows = visits((-100, "attended"), (-90, "attended"))
    completed = returned(rows, episodes((1, 1, day(-120), day(-85), "completed")),
                         AttendancePolicy(), TODAY)
    assert completed.iloc[0] == 1.0 and math.isnan(completed.iloc[1])
    dropped = returned(rows, episodes((1, 1, day(-120), day(-50), "dropped-out")),
                       AttendancePolicy(), TODAY)
    assert dropped.tolist() == [1.0, 0.0]


def test_episode_outcomes_follow_the_dropout_definition():
    sessions = pd.concat([
        visits((-90, "attended"), (-60, "attended"), client=1, episode=1),  # open, 60 days
        visits((-90, "attended"), (-40, "attended"), (5, "scheduled"), client=2, episode=2),
        visits((-90, "attended"), (-10, "attended"), client=3, episode=3),  # seen lately
        visits((-90, "attended"), (-70, "attended"), client=4, episode=4),  # ended: dropped
        visits((-90, "attended"), client=5, episode=5),  # completed
    ], ignore_index=True)
    spells = episodes((1, 1, day(-100), None, None), (2, 2, day(-100), None, None),
                      (3, 3, day(-100), None, None), (4, 4, day(-100), day(-30), "dropped-out"),
                      (5, 5, day(-100), day(-80), "completed"))
    out = episode_outcomes(sessions, spells, AttendancePolicy(), TODAY).set_index("episode_id")
    assert out["dropped"].to_dict() == {1: True, 2: False, 3: False, 4: True, 5: False}
    # A dropout counts at the last attended session; the others until their last day.
    assert out["days"].to_dict() == {1: 40, 2: 100, 3: 100, 4: 30, 5: 20}
    shorter = episode_outcomes(sessions, spells, AttendancePolicy(dropout_days=5), TODAY)
    assert shorter.set_index("episode_id").loc[3, "dropped"]


# ---- alliance signals ----------------------------------------------------------------------


def test_the_srs_and_the_check_ins_are_signals_and_the_others_not(kit):
    found = {s.instrument_id: s for s in alliance_signals.signals(kit.instruments.values())}
    # The recovery check-in (issue 14) has a drop rule on its total, as the issue foresaw.
    assert sorted(found) == ["recovery-checkin", "session-checkin", "srs"]
    assert found["recovery-checkin"].cutoff_op is None
    srs = found["srs"]
    assert (srs.cutoff_op, srs.cutoff_value, srs.rupture_at_least) == ("<=", 36.0, 1.0)
    assert (srs.flagged_group, srs.other_group) == ("at-or-below-cutoff", "above-cutoff")
    assert srs.group_words("at-or-below-cutoff") == "SRS total ≤ 36"
    assert srs.group_words("above-cutoff") == "SRS total > 36"
    assert found["session-checkin"].cutoff_op is None
    assert found["session-checkin"].rupture_at_least == 4.0


def test_classify_flags_the_cutoff_side_and_ruptures(kit):
    srs = alliance_signals.signal_of(kit.instrument("srs"))
    series = pd.DataFrame({"client": [1, 1, 1, 2, 2], "order": [1, 2, 3, 1, 2],
                           "value": [38.0, 36.0, 36.5, 30.3, 29.3]})
    out = alliance_signals.classify(srs, series)
    assert out["flagged"].tolist() == [0.0, 1.0, 0.0, 1.0, 1.0]
    assert out["rupture"].fillna(-1).tolist() == [-1, 1.0, 0.0, -1, 1.0]  # 30.3 -> 29.3 is 1
    assert out["low"].tolist() == [False, True, False, True, True]
    words = alliance_signals.low_words(srs, out.iloc[1].to_dict())
    assert words == ("SRS 36 (≤ 36) and SRS down 2 points since the session before "
                     "(rupture)")


# ---- statistics ---------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson).
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    # and by the formula in ../shared/RECOVERY.md, worked by hand: 8 of 10.
    (8, 10, 0.4902, 0.9433),
])
def test_wilson_interval_matches_published_values(k, n, low, high):
    got = retention.wilson(k, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_edges():
    assert retention.wilson(10, 10)[1] == 1.0
    assert all(math.isnan(v) for v in retention.wilson(0, 0))
    with pytest.raises(ValueError):
        retention.wilson(5, 4)


def test_groups_below_ten_sessions_show_no_rate(kit):
    srs = alliance_signals.signal_of(kit.instrument("srs"))
    results = pd.DataFrame({"flagged": [1.0] * 9 + [0.0] * 12, "rupture": [np.nan] * 21,
                            "returned": [1.0] * 5 + [0.0] * 4 + [1.0] * 11 + [np.nan]})
    rows = {r["group"]: r for r in retention.groups(srs, results)}
    assert rows["at-or-below-cutoff"]["sessions"] == 9
    assert rows["at-or-below-cutoff"]["rate"] is None
    above = rows["above-cutoff"]
    assert (above["sessions"], above["returned"]) == (11, 11)
    assert above["rate"] == 1.0 and above["ci_low"] == pytest.approx(0.7412, abs=1e-4)
    assert rows["rupture"]["sessions"] == 0


def test_logistic_regression_finds_a_known_association():
    rng = np.random.default_rng(4)
    clients = np.repeat(np.arange(60), 8)
    value = rng.normal(35, 3, len(clients))
    # log-odds of returning rise 0.4 per point: odds ratio exp(0.4) = 1.49
    chance = 1 / (1 + np.exp(-(1.5 + 0.4 * (value - 35))))
    frame = pd.DataFrame({"client": clients, "value": value,
                          "returned": (rng.random(len(clients)) < chance).astype(float)})
    model = retention.logistic(frame)
    assert model.n == 480 and model.clients == 60
    assert model.ci_low < math.exp(0.4) < model.ci_high
    assert model.ci_low > 1
    import statsmodels.api as sm

    plain = sm.Logit(frame["returned"], sm.add_constant(frame["value"])).fit(disp=0)
    assert model.odds_ratio == pytest.approx(math.exp(plain.params["value"]))
    # Cluster-robust intervals differ from the naive ones (and are the ones reported).
    naive = np.exp(plain.conf_int().loc["value"]).tolist()
    assert [model.ci_low, model.ci_high] != pytest.approx(naive, abs=1e-6)


@pytest.mark.parametrize(("returned_", "why"), [
    ([1.0] * 12, "every session was followed by a return"),
    ([1.0, 0.0] * 4, "too few sessions"),
])
def test_logistic_regression_says_why_there_is_no_model(returned_, why):
    frame = pd.DataFrame({"client": np.arange(len(returned_)) % 3,
                          "value": np.linspace(30, 40, len(returned_)), "returned": returned_})
    model = retention.logistic(frame)
    assert model.odds_ratio is None and why in model.note


def test_kaplan_meier_matches_a_hand_worked_example():
    # Times 2, 3+, 5, 5, 8+ (+ = censored): S(2) = 4/5, S(5) = 4/5 * 1/3 = 0.2667.
    curve = retention.kaplan_meier(np.array([2, 3, 5, 5, 8]),
                                   np.array([1, 0, 1, 1, 0], dtype=bool))
    assert curve["day"].tolist() == [0, 2, 5, 8]
    assert curve["retained"].tolist() == pytest.approx([1, 0.8, 0.8 / 3, 0.8 / 3])
    assert curve["at_risk"].tolist()[:3] == [5, 5, 3]
    assert (curve["ci_low"] <= curve["retained"] + 1e-12).all()
    assert (curve["ci_high"] >= curve["retained"] - 1e-12).all()


def test_kaplan_meier_without_any_dropout_stays_flat():
    curve = retention.kaplan_meier(np.array([10, 20]), np.array([False, False]))
    assert curve["retained"].tolist() == [1.0, 1.0]


def test_curves_for_groups_too_small_are_not_drawn(kit):
    srs = alliance_signals.signal_of(kit.instrument("srs"))
    outcomes = pd.DataFrame({"flagged": [1.0] * 4 + [0.0] * 12,
                             "days": list(range(4)) + list(range(10, 130, 10)),
                             "dropped": [True] * 4 + [False, True] * 6})
    curves, too_few = retention.curves(srs, outcomes)
    assert set(curves["group"]) == {"above-cutoff"}
    assert too_few == ["first SRS total ≤ 36: 4 episode(s)"]
    assert (curves["at_risk"] >= retention.MIN_AT_RISK).all()


def test_the_facts_table_agrees_with_facts_client_by_client():
    rng = np.random.default_rng(3)
    statuses = list(attendance.STATUSES)
    frames = []
    for episode in range(1, 31):
        offsets = sorted(rng.choice(np.arange(-200, 30), size=int(rng.integers(0, 25)),
                                    replace=False))
        rows = []
        for offset in offsets:
            status = str(rng.choice(statuses))
            if status_problem(status, day(int(offset)), TODAY):
                status = "cancelled-by-clinic"
            rows.append((int(offset), status))
        frames.append(visits(*rows, client=episode, episode=episode))
    sessions = pd.concat(frames, ignore_index=True)
    sessions["session_id"] = range(1, len(sessions) + 1)
    table = attendance.facts_table(sessions, TODAY)
    for episode, own in sessions.groupby("episode_id"):
        one = facts(own, TODAY)
        row = table.loc[episode]
        assert (row["next_appointment"], row["last_attended"], row["days_since"]) == \
            (one.next_appointment, one.last_attended, one.days_since)
        assert (row["attended"], row["due"], row["unrecorded"]) == \
            (one.attended, one.due, one.unrecorded)


def test_the_facts_table_keeps_a_bookings_date_and_time_together():
    sessions = sessions_frame([(1, day(2), None, "scheduled", None, 1),
                               (2, day(9), dt.time(10), "scheduled", None, 1)])
    row = attendance.facts_table(sessions, TODAY).loc[1]
    assert (row["next_appointment"], row["next_time"]) == (day(2), None)
    assert facts(sessions, TODAY).next_time is None
