"""Mean scoring equals R's psych::scoreItems(impute = "none"), reverse keying included.

Reference values (tests/data/psych_scoreitems.csv) were computed once with R 4.2.2 and
psych 2.2.9 from tests/data/psych_items.csv:

    scoreItems(keys = list(a = c("x1", "-x2", "x3")), items = x, impute = "none",
               totals = FALSE, min = 1, max = 5)$scores

scoreItems with impute = "none" averages the answered keyed items of each person, a
reversed item being (min + max) - x. The tests need no R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import alliance_kit

DATA = Path(__file__).parent / "data"


def definition() -> dict:
    return {
        "id": "psych-check", "version": "1.0.0", "title": {"en": "psych check"},
        "citation": "test", "license": {"name": "test"}, "wording": "project",
        "languages": ["en"],
        "scales": {"five": {"type": "options",
                            "options": [{"value": v, "label": {"en": str(v)}}
                                        for v in range(1, 6)]}},
        "items": [{"id": f"x{i}", "text": {"en": f"x{i}"}, "scale": "five",
                   "reverse": i == 2, "required": False} for i in range(1, 6)],
        # At most 2 of 3 missing: the mean of whatever was answered, as impute = "none".
        "scores": [{"id": "a", "method": "mean", "items": ["x1", "x2", "x3"],
                    "max_missing": 2}],
    }


def test_mean_scores_equal_psych_score_items():
    items = pd.read_csv(DATA / "psych_items.csv")
    expected = pd.read_csv(DATA / "psych_scoreitems.csv")["a"].to_numpy()
    instrument = alliance_kit.load_definition(definition())
    scores = alliance_kit.score(instrument, items.iloc[: len(expected)]).scores["a"]
    np.testing.assert_allclose(scores.to_numpy(), expected, rtol=0, atol=1e-12)
    # The reference covers a row with x2 missing (row 2: mean of x1 and x3 only).
    assert items.iloc[: len(expected)]["x2"].isna().any()
