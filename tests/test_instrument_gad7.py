"""GAD-7 golden values from the published rules (INSTRUMENTS.md), worked by hand in comments."""

from __future__ import annotations

import numpy as np
import pytest

import alliance_kit
from alliance_kit.engine import change

NA = np.nan
ITEMS = [str(i) for i in range(1, 8)]


@pytest.fixture(scope="module")
def gad(kit) -> alliance_kit.Instrument:
    return kit.instrument("gad-7")


def with_total(total: int) -> dict[str, int]:
    """Items filled 3, 3, ... from item 1 up to ``total``."""
    out = dict.fromkeys(ITEMS, 0)
    left = total
    for item in ITEMS:
        out[item] = min(3, left)
        left -= out[item]
    assert left == 0
    return out


def test_structure(gad) -> None:
    assert [i.id for i in gad.items] == ITEMS
    assert gad.score("total").range == (0, 21)
    assert gad.wording == "open"


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
     (14, "moderate"), (15, "severe"), (21, "severe")],
)
def test_band_edges(gad, total: int, band: str) -> None:
    # Bands 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe.
    result = alliance_kit.score(gad, with_total(total))
    assert result.scores["total"].item() == total
    assert result.bands["total"].iloc[0] == band


@pytest.mark.parametrize(("total", "case"), [(7, False), (8, True), (0, False), (21, True)])
def test_caseness_at_8(gad, total: int, case: bool) -> None:
    result = alliance_kit.score(gad, with_total(total))
    assert bool(result.flags["total_caseness"].iloc[0]) is case


def test_one_missing_item_is_prorated(gad) -> None:
    # UNVERIFIED default: prorate when at most 1 item is missing. Answered 2, 2, 1, 1, 1, 1:
    # sum 8, mean 8/6; total 8 + 4/3 = 9.333 -> 9 ('mild', caseness).
    result = alliance_kit.score(gad, dict(zip(ITEMS, [2, 2, 1, 1, 1, 1, NA], strict=True)))
    assert result.scores["total"].item() == 9
    assert result.bands["total"].iloc[0] == "mild"
    assert bool(result.flags["total_caseness"].iloc[0])


def test_two_missing_items_give_no_total(gad) -> None:
    result = alliance_kit.score(gad, dict(zip(ITEMS, [2, 2, 1, 1, 1, NA, NA], strict=True)))
    assert np.isnan(result.scores["total"].item())
    assert result.reasons()["total"].iloc[0] == "2 of 7 items missing (at most 1 allowed)"


def test_reliable_change_of_4(gad) -> None:
    # Improvement is a decrease of 4 or more; caseness 8 is the clinical cut-off.
    norms = gad.score("total").norms
    got = change.classify_change([4, 4, 12, 12, 12], [8, 7, 8, 9, 7], norms)
    assert list(got) == [
        change.RELIABLE_DETERIORATION,  # +4
        change.NO_RELIABLE_CHANGE,      # +3
        change.RELIABLE_IMPROVEMENT,    # -4, but 8 is still a case
        change.NO_RELIABLE_CHANGE,      # -3
        change.RECOVERED,               # -5 and below 8
    ]
