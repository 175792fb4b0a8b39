"""alliance-kit-faces, tested as installed: through its entry point, like any user gets it."""

from __future__ import annotations

import copy
import importlib.metadata
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from alliance_kit_faces import FACES, FacesScale, write_jsonl
from click.testing import CliRunner

import alliance_kit
from alliance_kit import try_load_definition
from alliance_kit.ui.text import plain

DATA = Path(__file__).with_name("data")
SAMPLE = DATA / "mood-faces.csv"


@pytest.fixture(scope="module")
def kit() -> alliance_kit.Kit:
    """Built-ins and installed entry points only: no plugins folder, nothing disabled."""
    return alliance_kit.build_kit(local=False, disabled=())


@pytest.fixture
def definition(kit) -> dict:
    return copy.deepcopy(dict(kit.instrument("mood-faces").raw))


def test_the_entry_point_is_installed():
    entries = {e.name: e for e in importlib.metadata.entry_points(group="alliance_kit")}
    assert entries["faces"].value == "alliance_kit_faces.plugin"
    assert entries["faces"].dist.version == "0.1.0"


def test_the_plugin_loads_through_its_entry_point(kit):
    assert not kit.errors, [str(p) for p in kit.errors]
    info = {p.name: p for p in kit.plugin_info}["faces"]
    assert info.source == "entry point"
    assert info.version == "0.1.0"
    assert info.hooks == ["register_exporters", "register_instruments", "register_scale_types",
                          "register_widgets"]
    assert isinstance(kit.types.scale_types["faces-5"], FacesScale)
    instrument = kit.instrument("mood-faces")
    assert [item.id for item in instrument.items] == ["today", "week", "sleep"]
    assert instrument.item("today").bounds == (1.0, 5.0)
    assert not instrument.validated  # a project measure


def test_scores_worked_by_hand(kit):
    result = kit.score("mood-faces", pd.read_csv(SAMPLE))
    frame = result.to_frame(flags=True, reasons=True)
    # 1+2+2 = 5 (low, at or below 6); 3+4+3 = 10; 5+5+4 = 14; the last row misses 'week'.
    assert frame["total"].tolist()[:3] == [5, 10, 14]
    assert np.isnan(frame["total"].iloc[3])
    assert frame["total_band"].tolist()[:3] == ["low", "middle", "high"]
    assert frame["total_low-mood"].tolist()[:3] == [True, False, False]
    assert "missing" in frame["total_reason"].iloc[3]


@pytest.mark.parametrize("bad", [0, 6, 2.5])
def test_the_scale_refuses_a_value_that_is_no_face(kit, bad):
    with pytest.raises(alliance_kit.InvalidResponses) as info:
        kit.score("mood-faces", {"today": bad, "week": 3, "sleep": 3})
    assert "a face from 1 (very bad) to 5 (very good)" in info.value.errors[0].message


def test_the_scale_schema_checks_the_faces(kit, definition):
    definition["scales"]["faces"]["options"].pop()
    _, problems = try_load_definition(definition, kit.types, "four.json")
    assert [p.path for p in problems] == ["$.scales.faces.options"]


def test_the_faces_come_in_order(kit, definition):
    options = definition["scales"]["faces"]["options"]
    options[0]["value"], options[1]["value"] = 2, 1
    _, problems = try_load_definition(definition, kit.types, "swapped.json")
    assert [str(p) for p in problems] == [
        "swapped.json: $.scales.faces.options: the faces must be the values 1, 2, 3, 4, 5 "
        "in that order, not 2, 1, 3, 4, 5"]


def test_every_face_label_needs_every_language(kit, definition):
    del definition["scales"]["faces"]["options"][2]["label"]["es"]
    _, problems = try_load_definition(definition, kit.types, "labels.json")
    assert [p.path for p in problems] == ["$.scales.faces.options[2].label"]


def test_a_structure_only_definition_needs_no_labels(kit, definition):
    for option in definition["scales"]["faces"]["options"]:
        del option["label"]
    for item in definition["items"]:
        del item["text"]
    for key in ("stem",):
        del definition[key]
    definition.update(wording="structure-only", languages=[])
    instrument, problems = try_load_definition(definition, kit.types, "bare.json")
    assert instrument is not None, [str(p) for p in problems]


def test_the_response_schema_allows_the_faces_only(kit):
    scale = kit.instrument("mood-faces").item("today").scale
    assert FacesScale().answer_schema(scale) == {"enum": [1, 2, 3, 4, 5]}


def test_jsonl_exporter_is_picked_by_suffix(kit, tmp_path):
    assert kit.exporter_for(tmp_path / "out.jsonl").name == "jsonl"
    target = tmp_path / "out.jsonl"
    write_jsonl(pd.DataFrame({"client": ["a", "b"], "total": [5.0, np.nan]}), target)
    rows = [json.loads(line) for line in target.read_text("utf-8").splitlines()]
    assert rows == [{"client": "a", "total": 5.0}, {"client": "b", "total": None}]


def test_cli_scores_to_jsonl(kit, tmp_path):
    from alliance_kit.cli import cli

    output = tmp_path / "scored.jsonl"
    result = CliRunner().invoke(cli, ["score", "mood-faces", str(SAMPLE), "-o", str(output)],
                                obj=kit)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert [row["total"] for row in rows] == [5, 10, 14, None]
    assert rows[0]["total_band"] == "low" and rows[0]["client"] == "c01"


def _faces_app() -> None:
    import streamlit as st
    from alliance_kit_faces.widget import render_faces

    from alliance_kit import build_kit

    kit = build_kit(local=False, disabled=())
    item = kit.instrument("mood-faces").item("today")
    wording = kit.wording("mood-faces", st.session_state.get("language", "en"))
    st.session_state["answer"] = render_faces(item, wording, "mood-faces:today")


@pytest.mark.parametrize(("language", "first", "question"), [
    ("en", "😞 Very bad", "How are you feeling today?"),
    ("es", "😞 Muy mal", "¿Cómo se siente hoy?"),
])
def test_the_widget_shows_each_face_with_its_label(language, first, question):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(_faces_app, default_timeout=30)
    app.session_state["language"] = language
    app.run()
    assert not app.exception
    radio = app.radio(key="mood-faces:today")
    assert radio.label == plain(question)
    assert radio.options[0] == first
    assert radio.options[2] in ("😐 So\\-so", "😐 Regular")
    assert len(radio.options) == len(FACES) == 5
    assert app.session_state["answer"] is None  # nothing is preset
    radio.set_value(4).run()
    assert app.session_state["answer"] == 4


def test_the_kiosk_asks_faces_items_with_this_widget():
    from alliance_kit_faces.widget import render_faces

    kit = alliance_kit.build_kit(entry_points=True, local=False)
    assert kit.widgets["faces-5"].render is render_faces
