"""ORS golden values: reliable change of 5, clinical cut-off 25 (28 adolescents, 32 children)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import alliance_kit
from alliance_kit.engine import change
from alliance_kit.engine.alerts import evaluate_alerts

NA = np.nan
ITEMS = ["1", "2", "3", "4"]


@pytest.fixture(scope="module")
def ors(kit) -> alliance_kit.Instrument:
    return kit.instrument("ors")


def vas(*values: float) -> dict[str, float]:
    return dict(zip(ITEMS, values, strict=True))


def test_structure(ors) -> None:
    assert ors.wording == "structure-only"
    assert all(not item.text for item in ors.items)
    total = ors.score("total")
    assert total.range == (0, 40)
    assert total.norms["reliable_change"] == 5
    assert total.norms["improvement"] == "increase"
    assert total.norms["clinical"]["mean"] == 19.6
    assert total.norms["nonclinical"]["mean"] == 28.0


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (18, 23, change.RELIABLE_IMPROVEMENT),    # +5: reliable, 23 still below 25
        (18, 22.9, change.NO_RELIABLE_CHANGE),    # +4.9
        (18.3, 23.3, change.RELIABLE_IMPROVEMENT),  # +5 although 23.3 - 18.3 = 4.99999...
        (23, 18, change.RELIABLE_DETERIORATION),  # -5
        (23, 18.1, change.NO_RELIABLE_CHANGE),    # -4.9
        (20, 25.1, change.RECOVERED),             # +5.1 and above 25
    ],
)
def test_reliable_change_of_5(ors, before: float, after: float, expected: str) -> None:
    assert change.classify_change(before, after, ors.score("total").norms) == expected


def test_reliable_change_from_scored_sessions(ors) -> None:
    # Sessions scored from items: 4.5 * 4 = 18 -> 5.75 * 4 = 23 (improvement) and
    # 18 -> 5.7 + 5.7 + 5.7 + 5.8 = 22.9 (not reliable).
    frame = pd.DataFrame([vas(4.5, 4.5, 4.5, 4.5), vas(5.7, 5.8, 5.7, 5.8),
                          vas(5.7, 5.7, 5.7, 5.8)])
    totals = alliance_kit.score(ors, frame).scores["total"].to_numpy()
    assert totals.tolist() == [18.0, 23.0, 22.9]
    got = change.classify_change(totals[0], totals[1:], ors.score("total").norms)
    assert list(got) == [change.RELIABLE_IMPROVEMENT, change.NO_RELIABLE_CHANGE]


@pytest.mark.parametrize(
    ("items", "age_group", "clinical"),
    [
        ((6.2, 6.2, 6.2, 6.3), "", True),              # 24.9 < 25
        ((6.2, 6.3, 6.2, 6.3), "", False),             # 25.0: not below 25
        ((6.2, 6.2, 6.2, 6.3), "adult", True),
        ((6.2, 6.3, 6.2, 6.3), "adult", False),
        ((7, 7, 7, 6.9), "adolescent", True),          # 27.9 < 28
        ((7, 7, 7, 7), "adolescent", False),           # 28.0
        ((6.2, 6.3, 6.2, 6.3), "adolescent", True),    # 25 is clinical for adolescents
        ((8, 8, 8, 7.9), "child", True),               # 31.9 < 32
        ((8, 8, 8, 8), "child", False),                # 32.0
    ],
)
def test_clinical_cutoff_by_age_group(ors, items, age_group: str, clinical: bool) -> None:
    assert ors.score("total").cutoffs[0]["op"] == "<"
    result = alliance_kit.score(ors, {**vas(*items), "age_group": age_group})
    assert bool(result.flags["total_clinical"].iloc[0]) is clinical


def test_unknown_age_group_uses_the_adult_cutoff_with_a_warning(ors) -> None:
    result = alliance_kit.score(ors, {**vas(6.2, 6.2, 6.2, 6.3), "age_group": "teen"})
    assert result.flags["total_clinical"].tolist() == [True]  # 24.9 < otherwise 25
    assert [w.column for w in result.row_warnings] == ["age_group"]
    assert "'teen' is not one of adult, adolescent, child" in result.row_warnings[0].message


def test_all_four_items_needed(ors) -> None:
    result = alliance_kit.score(ors, vas(5, 5, 5, NA))
    assert np.isnan(result.scores["total"].item())
    assert pd.isna(result.flags["total_clinical"].iloc[0])


def test_deterioration_alert_vs_first_session(ors) -> None:
    # a: 30 -> 27 -> 25 (-5 vs first: fires at session 3, although -2 vs previous).
    frame = pd.DataFrame([{"client": "a", "session": s, **vas(*v)} for s, v in
                          [(1, (7.5, 7.5, 7.5, 7.5)), (2, (7, 7, 6.5, 6.5)),
                           (3, (6.2, 6.3, 6.2, 6.3))]])
    found = evaluate_alerts(ors, alliance_kit.score(ors, frame), frame, client="client",
                            order="session")
    fired = found[found["alert"] == "reliable-deterioration"]
    assert list(fired["row"]) == [2]
    assert fired["value"].item() == pytest.approx(-5)


def test_recovered_agrees_with_the_clinical_cutoff(ors) -> None:
    """'Recovered' = reliable improvement that leaves the clinical range (INSTRUMENTS.md).

    The ORS cut-off flag says a total of exactly 25 is NOT clinical (op '<' 25), so a client
    who goes 18 -> 25 (+7, reliable) has left the clinical range and should be 'recovered'.
    The same boundary must be used by the flag and by the change classification.
    """
    result = alliance_kit.score(ors, pd.DataFrame([vas(4.5, 4.5, 4.5, 4.5),
                                                   vas(6.2, 6.3, 6.2, 6.3)]))
    assert result.flags["total_clinical"].tolist() == [True, False]
    category = change.classify_change(18.0, 25.0, ors.score("total").norms).item()
    assert category == change.RECOVERED, (
        "ORS 18 -> 25: the cut-off flag counts 25 as non-clinical ('<' 25) but "
        f"classify_change says {category!r}: the engine's 'recovered' needs a score strictly "
        "above clinical_cutoff, so the two disagree at exactly 25")
