"""The example plugins in plugins/ work through the public API, as the guide says."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

import alliance_kit
from alliance_kit.engine.alerts import evaluate_alerts

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(plugins_dir=ROOT / "plugins", entry_points=False)


def srs_with_consecutive_drops(kit):
    definition = copy.deepcopy(kit.instrument("srs").raw)
    definition["id"] = "srs-local"
    definition["alerts"] = [{"id": "falling", "type": "consecutive-drops", "score": "total",
                             "sessions": 2, "severity": "warning",
                             "message": {"en": "Alliance fell twice in a row."}}]
    return alliance_kit.load_definition(definition, kit.types)


def test_local_plugin_is_listed_with_its_version(kit):
    info = {p.name: p for p in kit.plugin_info}
    assert info["consecutive_drops"].source == "plugins folder"
    assert info["consecutive_drops"].version == "1.0.0"
    assert info["consecutive_drops"].hooks == ["register_alert_types"]


def test_consecutive_drops_fires_only_on_the_second_fall_in_a_row(kit):
    instrument = srs_with_consecutive_drops(kit)
    totals = {"a": [38, 37, 35, 36, 34], "b": [35, 36, 35, 34, 34]}
    # Items 1-3 at 10 and item 4 makes up the rest: total = 30 + item 4.
    rows = [{"client": c, "session": n, "1": 10, "2": 10, "3": 10, "4": t - 30}
            for c, series in totals.items() for n, t in enumerate(series, 1)]
    frame = pd.DataFrame(rows).sample(frac=1, random_state=3)  # order must not matter
    result = alliance_kit.score(instrument, frame)
    raised = evaluate_alerts(instrument, result, frame, client="client", order="session")
    fired = sorted((frame.loc[r, "client"], int(frame.loc[r, "session"])) for r in raised["row"])
    # a: 38 -> 37 -> 35 falls twice (session 3); 36 then 34 is one fall only.
    # b: 36 -> 35 -> 34 falls twice (session 4); 34 -> 34 is no fall.
    assert fired == [("a", 3), ("b", 4)]


def test_definition_using_the_type_is_refused_without_the_plugin():
    bare = alliance_kit.build_kit(entry_points=False, local=False)
    definition = json.loads((ROOT / "instruments" / "srs.json").read_text())
    definition["alerts"] = [{"id": "falling", "type": "consecutive-drops", "score": "total",
                             "severity": "warning"}]
    with pytest.raises(alliance_kit.engine.definitions.DefinitionError) as info:
        alliance_kit.load_definition(definition, bare.types)
    assert "unknown alert type 'consecutive-drops'" in str(info.value)
    assert "install the plugin" in str(info.value)
