"""Every alert rule of every bundled instrument, firing and not firing, from the published rules.

Each case scores a small table and evaluates the instrument's alerts; it names the rows the
alert must fire on, and every case has at least one row it must NOT fire on. The coverage test
at the end fails when an instrument gains an alert that no case here exercises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

import alliance_kit
from alliance_kit.engine.alerts import evaluate_alerts

NA = np.nan


@dataclass(frozen=True)
class Case:
    """Rows to score, the rows (by position) the alert must fire on, and why."""

    instrument: str
    alert: str
    rows: list[dict[str, Any]]
    fires: set[int]
    why: str
    series: bool = False
    values: dict[int, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.instrument}:{self.alert}:{self.why}"


def same(value: float, ids: list[str]) -> dict[str, float]:
    return {item: value for item in ids}


def session(client: str, order: int, answers: dict[str, Any]) -> dict[str, Any]:
    return {"client": client, "session": order, **answers}


PHQ = [str(i) for i in range(1, 10)]
GAD = [str(i) for i in range(1, 8)]
VAS = ["1", "2", "3", "4"]
CHECKIN = ["bond", "goals", "approach", "overall"]
RECOVERY = ["welfare", "listened", "understood", "recovery", "safe", "relief", "return"]


def phq(total: int, item9: int = 0) -> dict[str, int]:
    """PHQ-9 answers with this total: item 9 as given, the rest filled 3, 3, ... from item 1."""
    answers = dict.fromkeys(PHQ, 0)
    answers["9"] = item9
    left = total - item9
    for item in PHQ[:-1]:
        answers[item] = min(3, left)
        left -= answers[item]
    assert left == 0, "total not reachable"
    return answers


def gad(total: int) -> dict[str, int]:
    answers = dict.fromkeys(GAD, 0)
    left = total
    for item in GAD:
        answers[item] = min(3, left)
        left -= answers[item]
    return answers


def vas(*values: float) -> dict[str, float]:
    return dict(zip(VAS, values, strict=True))


CASES = [
    # PHQ-9 item 9: any answer above 0 is a safety alert (0 never is, whatever the total).
    Case("phq-9", "self-harm",
         [phq(0, 0), phq(1, 1), phq(2, 2), phq(3, 3), phq(24, 0)],
         {1, 2, 3}, "item 9 at 1, 2, 3 fires; 0 does not", values={1: 1, 2: 2, 3: 3}),
    # PHQ-9 reliable deterioration: a rise of 6 or more from the client's FIRST session.
    # a: 5 -> 11 (+6) fires; b: 5 -> 10 (+5) does not; c: 5 -> 9 -> 11: +6 vs first (not +2
    # vs previous) fires at session 3; d: 12 -> 6 (-6) is improvement, not deterioration.
    Case("phq-9", "reliable-deterioration",
         [session("a", 1, phq(5)), session("a", 2, phq(11)),
          session("b", 1, phq(5)), session("b", 2, phq(10)),
          session("c", 1, phq(5)), session("c", 2, phq(9)), session("c", 3, phq(11)),
          session("d", 1, phq(12)), session("d", 2, phq(6))],
         {1, 6}, "rise >= 6 vs first session", series=True, values={1: 6, 6: 6}),
    # GAD-7 reliable deterioration: a rise of 4 or more (4 -> 8 fires, 4 -> 7 does not).
    Case("gad-7", "reliable-deterioration",
         [session("a", 1, gad(4)), session("a", 2, gad(8)),
          session("b", 1, gad(4)), session("b", 2, gad(7))],
         {1}, "rise >= 4 vs first session", series=True, values={1: 4}),
    # AUDIT-C positive: >= 4 men, >= 3 women, 'otherwise' 3 when sex is blank.
    Case("audit-c", "positive",
         [{"1": 1, "2": 1, "3": 1, "sex": "male"},     # 3, male: no
          {"1": 2, "2": 1, "3": 1, "sex": "male"},     # 4, male: yes
          {"1": 1, "2": 1, "3": 1, "sex": "female"},   # 3, female: yes
          {"1": 1, "2": 1, "3": 0, "sex": "female"},   # 2, female: no
          {"1": 1, "2": 1, "3": 1, "sex": ""},         # 3, unknown: otherwise 3: yes
          {"1": 0, "sex": "female"}],                  # never drinks: 0: no
         {1, 2, 4}, "cut-off by sex"),
    # SRS alliance concern: total <= 36 (default op).
    Case("srs", "concern",
         [vas(9, 9, 9, 9), vas(9, 9, 9, 9.1), vas(10, 10, 10, 10)],
         {0}, "36.0 fires, 36.1 does not", values={0: 36.0}),
    # SRS rupture: 1 or more points below the PREVIOUS session.
    # a: 30.3 -> 29.3 (a drop of 1.0 that floats make 0.99999...) fires;
    # b: 30.3 -> 29.4 (0.9) does not; c: 38 -> 36 fires (2), then 36 -> 35.5 does not: it is
    # 0.5 below the previous session, though 2.5 below the first.
    Case("srs", "rupture",
         [session("a", 1, vas(7.6, 7.6, 7.6, 7.5)), session("a", 2, vas(7.3, 7.3, 7.3, 7.4)),
          session("b", 1, vas(7.6, 7.6, 7.6, 7.5)), session("b", 2, vas(7.4, 7.3, 7.3, 7.4)),
          session("c", 1, vas(9.5, 9.5, 9.5, 9.5)), session("c", 2, vas(9, 9, 9, 9)),
          session("c", 3, vas(9, 9, 9, 8.5))],
         {1, 5}, "drop >= 1 vs previous session", series=True, values={1: 1.0, 5: 2.0}),
    # SRS any single item below 9 (8.9 fires; 9.0 does not); the value counts the items.
    Case("srs", "item-low",
         [vas(9, 9, 9, 9), vas(8.9, 10, 10, 10), vas(8, 8, 10, 10), vas(10, 10, 10, 10)],
         {1, 2}, "an item below 9", values={1: 1, 2: 2}),
    # ORS reliable deterioration: 5 or more points lower than the first session.
    Case("ors", "reliable-deterioration",
         [session("a", 1, vas(6, 6, 6, 5)), session("a", 2, vas(4, 4, 5, 5)),
          session("b", 1, vas(6, 6, 6, 5)), session("b", 2, vas(4, 4, 5, 5.1))],
         {1}, "fall >= 5 vs first session", series=True, values={1: -5}),
    # ORS clinical range: below 25 (adults and unknown), below 28 (adolescents).
    Case("ors", "clinical",
         [vas(6.2, 6.2, 6.2, 6.3), vas(6.2, 6.3, 6.2, 6.3),
          {**vas(7, 7, 7, 6.9), "age_group": "adolescent"},
          {**vas(7, 7, 7, 7), "age_group": "adolescent"}],
         {0, 2}, "24.9 and adolescent 27.9 fire; 25 and adolescent 28 do not"),
    # Session check-in: a drop of 4 or more since the previous session (project default).
    # a: 32 -> 28 fires; b: 32 -> 29 does not.
    Case("session-checkin", "drop",
         [session("a", 1, same(8, CHECKIN)), session("a", 2, same(7, CHECKIN)),
          session("b", 1, same(8, CHECKIN)), session("b", 2, {**same(7, CHECKIN), "bond": 8})],
         {1}, "drop >= 4 vs previous session", series=True, values={1: 4}),
    # Session check-in: a total of 24 or less.
    Case("session-checkin", "low",
         [same(6, CHECKIN), {**same(6, CHECKIN), "overall": 7}, same(0, CHECKIN)],
         {0, 2}, "24 fires, 25 does not", values={0: 24, 2: 0}),
    # Recovery check-in (project defaults): 'return' or 'safe' of 4 or less; a total
    # (mean of seven) 2 or more points below the previous session's.
    Case("recovery-checkin", "unsure-return",
         [same(8, RECOVERY), {**same(8, RECOVERY), "return": 4},
          {**same(8, RECOVERY), "return": 5}, {**same(8, RECOVERY), "return": 0}],
         {1, 3}, "return 4 and 0 fire, 5 does not", values={1: 4, 3: 0}),
    Case("recovery-checkin", "not-safe",
         [{**same(8, RECOVERY), "safe": 4}, {**same(8, RECOVERY), "safe": 5},
          {**same(8, RECOVERY), "safe": NA}],
         {0}, "safe 4 fires; 5 and unanswered do not", values={0: 4}),
    # a: 8 -> 6 (a drop of exactly 2) fires; b: 8 -> 6.14 (43/7) does not.
    Case("recovery-checkin", "drop",
         [session("a", 1, same(8, RECOVERY)), session("a", 2, same(6, RECOVERY)),
          session("b", 1, same(8, RECOVERY)),
          session("b", 2, {**same(6, RECOVERY), "return": 7})],
         {1}, "drop >= 2 vs previous session", series=True, values={1: 2}),
    # PHQ-9 item 9 left blank: 'self-harm' cannot be judged, so 'self-harm-unanswered'
    # (warning) fires, whether the total is prorated (rows 0, 2) or not (row 4: 3 blank);
    # item 9 answered 0 or 1 does not fire it (1 fires 'self-harm' instead).
    Case("phq-9", "self-harm-unanswered",
         [{**phq(8), "9": NA}, phq(8, 0), {**phq(8), "9": NA, "1": NA}, phq(9, 1),
          {**phq(3), "1": NA, "2": NA, "9": NA}],
         {0, 2, 4}, "item 9 blank fires; answered does not", values={0: 1, 2: 1, 4: 1}),
    # AUDIT-C with an asked item blank: no total, so the screen cannot be judged. Items 2-3
    # after 'Never' were not asked, so they are not missing (row 1).
    Case("audit-c", "incomplete",
         [{"1": 2, "2": 1, "3": NA}, {"1": 0}, {"1": NA, "2": 1, "3": 1},
          {"1": 2, "2": 1, "3": 1}],
         {0, 2}, "an asked item blank", values={0: 1, 2: 1}),
    # SRS with a line left blank: no total, so alliance concern cannot be judged.
    Case("srs", "incomplete",
         [vas(9, 9, 9, NA), vas(9, 9, 9, 9), vas(NA, NA, NA, NA), vas(10, 10, 10, 10)],
         {0, 2}, "a line blank", values={0: 1, 2: 1}),
]


def _evaluate(kit: alliance_kit.Kit, case: Case) -> pd.DataFrame:
    instrument = kit.instrument(case.instrument)
    frame = pd.DataFrame(case.rows)
    result = alliance_kit.score(instrument, frame)
    if case.series:
        found = evaluate_alerts(instrument, result, frame, client="client", order="session")
    else:
        found = evaluate_alerts(instrument, result)
    return found[found["alert"] == case.alert]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_alert_fires_and_does_not_fire(kit, case: Case) -> None:
    assert case.fires, "a case must have a row the alert fires on"
    assert set(range(len(case.rows))) - case.fires, "a case must have a row it does not fire on"
    found = _evaluate(kit, case)
    assert set(found["row"]) == case.fires
    for row, value in case.values.items():
        got = found.loc[found["row"] == row, "value"].item()
        assert got == pytest.approx(value), f"row {row}"
    severity = {a.id: a.severity for a in kit.instrument(case.instrument).alerts}[case.alert]
    assert set(found["severity"]) == {severity}


def test_every_bundled_alert_has_a_case(kit) -> None:
    """A new alert rule in any bundled instrument needs a firing / not-firing case above."""
    covered = {(case.instrument, case.alert) for case in CASES}
    declared = {(instrument.id, alert.id) for instrument in kit.instruments.values()
                for alert in instrument.alerts}
    assert covered == declared, (
        f"alerts without a case: {sorted(declared - covered)}; "
        f"cases for alerts that do not exist: {sorted(covered - declared)}")


def test_safety_alert_sorts_first(kit) -> None:
    """Item 9 is clinician-facing at once: a safety alert comes before warnings."""
    instrument = kit.instrument("phq-9")
    frame = pd.DataFrame([session("a", 1, phq(5)), session("a", 2, phq(12, 1))])
    result = alliance_kit.score(instrument, frame)
    found = evaluate_alerts(instrument, result, frame, client="client", order="session")
    assert list(found["alert"]) == ["self-harm", "reliable-deterioration"]
    assert found["severity"].iloc[0] == "safety"


def test_item9_missing_raises_the_unanswered_alert_not_the_safety_one(kit) -> None:
    """A blank item 9 is not an answer above 0, but it is not silence either: the total is
    prorated and 'self-harm-unanswered' (warning) asks staff to ask in person."""
    instrument = kit.instrument("phq-9")
    result = alliance_kit.score(instrument, {**phq(8), "9": NA})
    found = evaluate_alerts(instrument, result)
    assert found[["alert", "severity", "value"]].values.tolist() == [
        ["self-harm-unanswered", "warning", 1.0]]
    assert "not answered" in found["message"].item()


def test_series_alerts_need_client_and_order(kit) -> None:
    """Without client and order, rules that compare sessions are not evaluated at all."""
    instrument = kit.instrument("srs")
    frame = pd.DataFrame([session("a", 1, vas(10, 10, 10, 10)), session("a", 2, vas(9, 9, 9, 9))])
    found = evaluate_alerts(instrument, alliance_kit.score(instrument, frame))
    assert "rupture" not in set(found["alert"])


def test_series_order_not_row_order(kit) -> None:
    """The previous session is the previous by ``order``, whatever the rows' order."""
    instrument = kit.instrument("srs")
    frame = pd.DataFrame([session("a", 2, vas(9, 9, 9, 9)), session("a", 1, vas(10, 10, 10, 10))])
    result = alliance_kit.score(instrument, frame)
    found = evaluate_alerts(instrument, result, frame, client="client", order="session")
    assert list(found.loc[found["alert"] == "rupture", "row"]) == [0]
