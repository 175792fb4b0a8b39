"""The dashboard's charts and the tables behind them (no Streamlit, no database)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hostile_strings import VISIBLE

from alliance_kit.clinic import charts
from alliance_kit.clinic import dashboard as data
from alliance_kit.engine.trajectory import RUPTURE, Expected


def history(instrument_id: str, values, score_id: str = "total") -> pd.DataFrame:
    """client_history-shaped rows for one score."""
    n = len(values)
    return pd.DataFrame({
        "response_id": range(1, n + 1), "instrument_id": instrument_id,
        "session_number": range(1, n + 1),
        "submitted_at": pd.date_range("2026-01-05", periods=n, freq="7D", tz="UTC"),
        "score_id": score_id, "value": values,
    })


def expected() -> Expected:
    table = pd.DataFrame({"session": range(1, 13), "median": np.linspace(37, 38, 12),
                          "q25": np.linspace(36, 37, 12), "q75": np.linspace(38, 39, 12),
                          "n": 9})
    return Expected(table, 9, 36.0, 39.0)


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]


def test_srs_series_has_rupture_markers_and_its_cutoff_band(kit):
    srs = kit.instrument("srs")
    series = data.score_series(history("srs", [38, 39, 37.5, 37.7, 33]), srs, "total")
    assert [m if isinstance(m, str) else None for m in series["marker"]] == [
        None, None, RUPTURE, None, RUPTURE]
    assert series["change"].iloc[-1] == -5
    cutoff = data.chart_cutoff(srs, "total")
    assert (cutoff.low, cutoff.high, cutoff.value) == (0, 36, 36)
    assert cutoff.words == "Alliance concern (≤ 36)"
    chart = charts.trend_chart(series, title="Total", score_range=(0, 40), cutoff=cutoff,
                               expected=expected())
    spec = chart.to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["layer"]]
    assert marks == ["rect", "area", "line", "line", "point"]
    text = json.dumps(spec, ensure_ascii=False)
    for words in ("Flagged: Alliance concern (≤ 36)", charts.EXPECTED_BAND,
                  charts.EXPECTED_MEDIAN, charts.CLIENT, charts.MARKER_WORDS[RUPTURE]):
        assert words in text
    # The expected band is drawn to 4 sessions past the latest, not to session 12.
    assert max(row["session"] for row in spec["datasets"][layers(chart)[1]["data"]["name"]]) == 9


def test_y_axis_zooms_in_but_not_so_far_that_noise_looks_like_change(kit):
    series = pd.DataFrame({"session": [1, 2], "value": [37.0, 37.2], "marker": [None, None],
                           "change": [0, 0.2]})
    chart = charts.trend_chart(series, title="Total", score_range=(0, 40))
    low, high = layers(chart)[0]["encoding"]["y"]["scale"]["domain"]
    assert 0 < low < 37 and 37.2 < high <= 40 and high - low >= 8


def test_ors_cutoff_depending_on_age_uses_the_adult_default(kit):
    cutoff = data.chart_cutoff(kit.instrument("ors"), "total")
    assert (cutoff.low, cutoff.high) == (0, 25)
    phq9 = data.chart_cutoff(kit.instrument("phq-9"), "total")
    assert (phq9.low, phq9.high) == (10, 27)
    assert data.chart_cutoff(kit.instrument("session-checkin"), "total") is None


def test_breakdown_of_subscales_and_of_short_instruments_items(kit):
    wai = kit.instrument("wai-sr")
    scores = [s.id for s in wai.scores if s.spec.get("kind") == "subscale"]
    rows = pd.concat([history("wai-sr", [3.0, 4.0], score_id=s) for s in scores])
    parts = data.breakdown(rows, wai)
    assert len(parts) == 2 * len(scores) and parts["part"].nunique() == len(scores)
    chart = charts.breakdown_chart(parts, title="Subscale score")
    assert chart.to_dict()["mark"]["type"] == "line"
    srs = kit.instrument("srs")
    responses = pd.DataFrame({"response_id": [1], "instrument_id": ["srs"],
                              "session_number": [1], "submitted_at": [pd.Timestamp("2026-01-05")],
                              "answers": [{"1": 9.5, "2": 9, "3": 8, "4": 9.1}]})
    items = data.item_breakdown(responses, kit, srs)
    assert list(items["value"]) == [9.5, 9, 8, 9.1]
    assert items["part"].iloc[0] == "1 Relationship"
    assert data.breakdown(rows, srs).empty


def test_answers_table_item_by_item_with_labels_and_comments(kit):
    phq9 = kit.instrument("phq-9")
    table = data.answers_table(kit, phq9, {"1": 2, "9": 1})
    assert list(table.columns) == ["Item", "Question", "Answer", "Meaning"]
    row = table.set_index("Item").loc["1"]
    assert (row["Answer"], row["Meaning"]) == ("2", "More than half the days")
    assert table.set_index("Item").loc["2", "Answer"] == "—"
    checkin = kit.instrument("session-checkin")
    responses = pd.DataFrame({"instrument_id": ["session-checkin"] * 2, "session_number": [1, 2],
                              "submitted_at": pd.to_datetime(["2026-01-05", "2026-01-12"]),
                              "answers": [{"comment": VISIBLE[0]}, {"comment": " "}]})
    notes = data.comments(responses, kit)
    assert list(notes["Comment"]) == [VISIBLE[0]]  # exactly as written; blanks left out
    assert data.answers_table(kit, checkin, {"comment": VISIBLE[0]}).set_index(
        "Item").loc["comment", "Answer"] == VISIBLE[0]


def test_caseload_table_and_trend_words():
    caseload = pd.DataFrame({
        "client_id": [1, 2], "code": ["A", "B"], "last_session": ["2026-01-05", None],
        "alliance_instrument": ["srs", None], "alliance": [35.0, None],
        "alliance_trend": [-2.04, None], "outcome_instrument": ["ors", None],
        "outcome": [20.0, None], "open_alerts": [2, 0], "top_severity": ["safety", None],
        "alert_rules": ["phq-9: self-harm", None]})
    table = data.caseload_table(caseload, {"safety": "‼ SAFETY"})
    assert list(table["Flag"]) == ["‼ SAFETY", ""]
    assert list(table["Alliance trend"]) == ["▼ 2", ""]
    assert list(table["Measures"]) == ["srs / ors", ""]
    assert [data.trend_words(v) for v in (1.26, 0, None, np.nan)] == ["▲ 1.3", "= 0", "", ""]


def test_group_alerts_one_row_per_rule_most_urgent_first():
    raised = pd.to_datetime(["2026-01-12", "2026-01-05", "2026-01-12"], utc=True)
    alerts = pd.DataFrame({"id": [7, 3, 8], "client_id": 1,
                           "instrument_id": ["phq-9", "phq-9", "ors"],
                           "rule_id": ["self-harm", "self-harm", "clinical"],
                           "severity": ["safety", "safety", "info"], "message": "m",
                           "raised_at": raised})
    grouped = data.group_alerts(alerts)
    assert list(grouped["rule_id"]) == ["self-harm", "clinical"]
    assert grouped.iloc[0]["ids"] == [7, 3] and grouped.iloc[0]["count"] == 2
    assert grouped.iloc[0]["first_raised_at"] == raised[1]
    assert data.group_alerts(alerts.iloc[:0]).empty
