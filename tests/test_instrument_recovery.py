"""The project-authored recovery check-in (not validated): wording, scores and golden values."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import alliance_kit

NA = np.nan
ITEMS = ["welfare", "listened", "understood", "recovery", "safe", "relief", "return"]


@pytest.fixture(scope="module")
def checkin(kit) -> alliance_kit.Instrument:
    return kit.instrument("recovery-checkin")


def test_exact_items_in_order(checkin) -> None:
    assert [item.id for item in checkin.items] == [*ITEMS, "comment"]
    comment = checkin.item("comment")
    assert not comment.scored and not comment.required
    assert comment.scale["type"] == "text"


def test_marked_project_not_validated_in_english_and_spanish(checkin) -> None:
    assert checkin.wording == "project"
    assert checkin.validated is False
    assert set(checkin.languages) == {"en", "es"}
    for item in checkin.items:
        assert set(item.text) == {"en", "es"}, item.id
    assert "not a validated instrument" in checkin.text(checkin.raw["description"])
    assert "no es un instrumento validado" in checkin.text(checkin.raw["description"], "es")


def test_visual_analogue_zero_to_ten_with_no_preset(checkin) -> None:
    for item_id in ITEMS:
        scale = checkin.item(item_id).scale
        assert scale["type"] == "visual-analogue"
        assert (scale["min"], scale["max"], scale["step"]) == (0, 10, 1)
        assert "default" not in scale and "value" not in scale  # the kiosk starts unanswered
        assert checkin.item(item_id).required


def _syllables(word: str) -> int:
    """A plain vowel-group count (good enough to keep sentences short and words simple)."""
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and len(groups) > 1 else 0)
    return max(1, count)


def test_english_wording_is_plain(checkin) -> None:
    """Flesch-Kincaid grade of the stem and items at about 6th grade (at most 7)."""
    texts = [checkin.text(checkin.raw["stem"])] + [item.text["en"] for item in checkin.items]
    words = re.findall(r"[A-Za-z']+", " ".join(texts))
    sentences = sum(len(re.findall(r"[.?!]+", text)) or 1 for text in texts)
    syllables = sum(_syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * syllables / len(words) - 15.59
    assert grade <= 7.0, f"Flesch-Kincaid grade {grade:.1f}"


def test_total_is_the_mean_of_seven(checkin) -> None:
    # 8 + 7 + 9 + 6 + 3 + 5 + 4 = 42; 42 / 7 = 6. The comment is stored, never scored.
    row = {"welfare": 8, "listened": 7, "understood": 9, "recovery": 6, "safe": 3,
           "relief": 5, "return": 4, "comment": "More about my family | next time"}
    scores = alliance_kit.score(checkin, row).scores
    assert scores["total"].item() == 6
    assert {f"{i}-score": scores[f"{i}-score"].item() for i in ITEMS} == {
        "welfare-score": 8, "listened-score": 7, "understood-score": 9, "recovery-score": 6,
        "safe-score": 3, "relief-score": 5, "return-score": 4}


def test_one_missing_rating_is_prorated_two_are_not(checkin) -> None:
    frame = pd.DataFrame([
        {**dict.fromkeys(ITEMS, 6), "relief": NA},          # mean of six 6s
        {**dict.fromkeys(ITEMS, 10), "welfare": 3, "relief": NA},  # (3 + 5 * 10) / 6
        {**dict.fromkeys(ITEMS, 6), "relief": NA, "safe": NA},
    ])
    result = alliance_kit.score(checkin, frame)
    total = result.scores["total"]
    assert total.iloc[0] == 6
    assert total.iloc[1] == pytest.approx(53 / 6)
    assert np.isnan(total.iloc[2])
    assert result.reasons().loc[2, "total"]  # says why it is missing
    assert np.isnan(result.scores["relief-score"].iloc[0])
    assert result.scores["welfare-score"].iloc[1] == 3


def test_extremes(checkin) -> None:
    frame = pd.DataFrame([dict.fromkeys(ITEMS, 0), dict.fromkeys(ITEMS, 10)])
    assert alliance_kit.score(checkin, frame).scores["total"].tolist() == [0, 10]


@pytest.mark.parametrize("value", [11, -1, 5.5])
def test_off_the_scale_is_refused(checkin, value) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(checkin, {**dict.fromkeys(ITEMS, 5), "return": value})
    assert [e.column for e in caught.value.errors] == ["return"]


def test_comment_length_is_limited(checkin) -> None:
    with pytest.raises(alliance_kit.InvalidResponses) as caught:
        alliance_kit.score(checkin, {**dict.fromkeys(ITEMS, 5), "comment": "x" * 1001})
    assert [e.column for e in caught.value.errors] == ["comment"]


def test_alerts_are_the_three_the_issue_asks_for(checkin) -> None:
    alerts = {a.id: a for a in checkin.alerts}
    assert set(alerts) == {"unsure-return", "not-safe", "drop"}
    assert {a.severity for a in alerts.values()} == {"warning"}
    assert alerts["unsure-return"].spec["item"] == "return"
    assert alerts["not-safe"].spec["item"] == "safe"
    assert (alerts["unsure-return"].spec["op"], alerts["unsure-return"].spec["value"]) == ("<=", 4)
    assert (alerts["drop"].spec["score"], alerts["drop"].spec["at_least"]) == ("total", 2)
    for alert in alerts.values():
        assert set(alert.spec["message"]) == {"en", "es"}


def test_kiosk_can_give_it_in_both_languages(kit) -> None:
    for language in ("en", "es"):
        assert kit.can_administer("recovery-checkin", language) == (True, "")
        wording = kit.wording("recovery-checkin", language)
        assert all(wording.item(i) for i in [*ITEMS, "comment"])
        assert wording.anchors["true-0-10"]["min"] and wording.anchors["true-0-10"]["max"]
    assert kit.wording("recovery-checkin", "es").item("return") == \
        "Quiero volver a mi próxima sesión."
