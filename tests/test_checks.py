"""Every definition check: a minimal valid definition, one mutation, the problem's path and words.

Each test starts from the ``minimal`` fixture (conftest: items a, b, c on a 0-3 options
scale; sum score ``total`` range 0-9 with bands low 0-3, mid 4-6, high 7-9 and cut-off
``case`` >= 5) and changes one thing.
"""

from __future__ import annotations

import pytest
from conftest import at, band, find_problems, load, options

from alliance_kit.kit import try_load_definition


def only(problems, path):
    """The one problem at ``path`` (and say what was found otherwise)."""
    found = at(problems, path)
    assert found, f"no problem at {path}; got {[str(p) for p in problems]}"
    return found[0].message


def test_minimal_fixture_is_valid(minimal):
    instrument, problems = try_load_definition(minimal)
    assert problems == []
    assert instrument is not None
    assert [i.id for i in instrument.items] == ["a", "b", "c"]
    assert instrument.score("total").range == (0, 9)


# --- schema: shape, spelling, patterns ----------------------------------------------------


def test_missing_required_top_level_key(minimal):
    del minimal["citation"]
    message = only(find_problems(minimal), "$")
    assert "'citation'" in message
    assert "required" in message
    assert "add it" in message


def test_missing_required_item_key(minimal):
    del minimal["items"][1]["scale"]
    message = only(find_problems(minimal), "$.items[1]")
    assert "'scale'" in message and "required" in message


def test_unknown_key_is_a_spelling_problem(minimal):
    minimal["items"][1]["revers"] = True
    message = only(find_problems(minimal), "$.items[1]")
    assert "'revers'" in message
    assert "spelling" in message


def test_unknown_top_level_key(minimal):
    minimal["lisence"] = {"name": "x"}
    message = only(find_problems(minimal), "$")
    assert "'lisence'" in message and "spelling" in message


@pytest.mark.parametrize("bad", ["Mini", "mini kit", "-mini", "mini-", "a" * 65, ""])
def test_bad_instrument_id_pattern(minimal, bad):
    minimal["id"] = bad
    message = only(find_problems(minimal), "$.id")
    if bad == "Mini":  # only the case is wrong: say the fix
        assert message == ("'Mini' is not an id: ids are lower case, write 'mini' (data "
                           "columns named 'Mini' still match it)")
    else:  # the advice comes from the id pattern's description
        assert "Lower-case letters" in message


def test_bad_item_id_pattern(minimal):
    minimal["items"][2]["id"] = "Item C"
    minimal["scores"][0]["items"][2] = "Item C"
    problems = find_problems(minimal)
    assert "Lower-case" in only(problems, "$.items[2].id")


@pytest.mark.parametrize("bad", ["1.0", "1", "v1.0.0", "1.0.0.0", "01.0.0", "1.0.x"])
def test_bad_version(minimal, bad):
    minimal["version"] = bad
    message = only(find_problems(minimal), "$.version")
    assert repr(bad) in message
    assert "match" in message


@pytest.mark.parametrize("good", ["0.1.0", "10.20.30", "1.0.0-beta.1"])
def test_good_versions(minimal, good):
    minimal["version"] = good
    assert try_load_definition(minimal)[1] == []


def test_bad_wording_status(minimal):
    minimal["wording"] = "closed"
    message = only(find_problems(minimal), "$.wording")
    assert "'closed'" in message


# --- registered types ------------------------------------------------------------------


def test_unknown_scale_type_lists_known_ones(minimal):
    minimal["scales"]["freq"]["type"] = "slider"
    message = only(find_problems(minimal), "$.scales.freq.type")
    assert "unknown scale type 'slider'" in message
    for known in ("numeric", "options", "text", "visual-analogue", "yes-no"):
        assert known in message
    assert "plugin" in message


def test_unknown_score_method_lists_known_ones(minimal):
    minimal["scores"][0]["method"] = "median"
    message = only(find_problems(minimal), "$.scores[0].method")
    assert "unknown score method 'median'" in message
    for known in ("composite", "mean", "sum"):
        assert known in message


def test_unknown_alert_type_lists_known_ones(minimal):
    minimal["alerts"] = [{"id": "mail", "type": "email", "severity": "info"}]
    message = only(find_problems(minimal), "$.alerts[0].type")
    assert "unknown alert type 'email'" in message
    for known in ("cutoff", "drop", "item", "reliable-change", "score"):
        assert known in message


def test_scale_field_checked_against_its_type_schema(minimal):
    minimal["scales"]["freq"]["colour"] = "red"
    message = only(find_problems(minimal), "$.scales.freq")
    assert "'colour'" in message and "spelling" in message


def test_score_field_checked_against_its_method_schema(minimal):
    minimal["scores"][0]["max_mising"] = 1
    message = only(find_problems(minimal), "$.scores[0]")
    assert "'max_mising'" in message and "spelling" in message


# --- ids and references ------------------------------------------------------------------


def test_duplicate_item_ids(minimal):
    minimal["items"][2]["id"] = "a"
    minimal["scores"][0]["items"] = ["a", "b"]
    minimal["scores"][0]["range"] = [0, 6]
    message = only(find_problems(minimal), "$.items[2].id")
    assert "item id 'a' is used twice" in message


def test_duplicate_score_ids(minimal):
    minimal["scores"].append({"id": "total", "method": "sum", "items": ["a"]})
    message = only(find_problems(minimal), "$.scores[1].id")
    assert "score id 'total' is used twice" in message


def test_duplicate_alert_ids(minimal):
    alert = {"id": "x", "type": "score", "score": "total", "op": ">", "value": 8,
             "severity": "info"}
    minimal["alerts"] = [alert, dict(alert)]
    message = only(find_problems(minimal), "$.alerts[1].id")
    assert "alert id 'x' is used twice" in message


def test_score_id_equal_to_an_item_id(minimal):
    minimal["scores"][0]["id"] = "b"
    message = only(find_problems(minimal), "$.scores[0].id")
    assert "'b'" in message and "also an item id" in message


def test_unknown_item_in_a_score(minimal):
    minimal["scores"][0]["items"] = ["a", "b", "z"]
    message = only(find_problems(minimal), "$.scores[0].items")
    assert "unknown item 'z'" in message


def test_unscored_item_in_a_score(minimal):
    minimal["items"][2]["scored"] = False
    message = only(find_problems(minimal), "$.scores[0].items")
    assert "'c'" in message and "scored" in message


def test_text_item_in_a_score(minimal):
    minimal["scales"]["free"] = {"type": "text"}
    minimal["items"][2]["scale"] = "free"
    message = only(find_problems(minimal), "$.scores[0].items")
    assert "'c'" in message and "free text" in message


def test_unknown_score_in_a_composite(minimal):
    minimal["scores"].append({"id": "combo", "method": "composite",
                              "terms": [{"score": "total"}, {"score": "nope"}]})
    message = only(find_problems(minimal), "$.scores[1].terms")
    assert "unknown score 'nope'" in message


def test_unknown_scale(minimal):
    minimal["items"][1]["scale"] = "nope"
    message = only(find_problems(minimal), "$.items[1].scale")
    assert "unknown scale 'nope'" in message
    assert "freq" in message  # lists the defined ones


def test_cycle_among_composites(minimal):
    minimal["scores"] += [
        {"id": "x", "method": "composite", "terms": [{"score": "y"}]},
        {"id": "y", "method": "composite", "terms": [{"score": "x"}]},
    ]
    problems = find_problems(minimal)
    messages = at(problems, "$.scores[1]") + at(problems, "$.scores[2]")
    assert messages, [str(p) for p in problems]
    message = messages[0].message
    assert "depends on itself" in message
    assert "score 'x'" in message and "score 'y'" in message


def test_composite_referring_to_itself(minimal):
    minimal["scores"].append({"id": "x", "method": "composite",
                              "terms": [{"score": "total"}, {"score": "x"}]})
    message = only(find_problems(minimal), "$.scores[1]")
    assert "depends on itself" in message
    assert "score 'x' -> score 'x'" in message


def test_ask_if_on_unknown_item(minimal):
    minimal["items"][1]["ask_if"] = {"item": "z", "op": ">", "value": 0}
    message = only(find_problems(minimal), "$.items[1].ask_if.item")
    assert "unknown item 'z'" in message


def test_ask_if_on_unknown_item_inside_all(minimal):
    minimal["items"][2]["ask_if"] = {"all": [{"item": "a", "op": ">", "value": 0},
                                             {"item": "zz", "op": ">", "value": 0}]}
    message = only(find_problems(minimal), "$.items[2].ask_if.all[1].item")
    assert "unknown item 'zz'" in message


def test_ask_if_on_unknown_score(minimal):
    minimal["items"][1]["ask_if"] = {"score": "nope", "op": ">", "value": 0}
    message = only(find_problems(minimal), "$.items[1].ask_if.score")
    assert "unknown score 'nope'" in message


def test_condition_on_a_score_that_depends_on_the_item(minimal):
    # total reads item b, and b is asked only if total > 0: b -> total -> b.
    minimal["items"][1]["ask_if"] = {"score": "total", "op": ">", "value": 0}
    message = only(find_problems(minimal), "$.items[1]")
    assert "depends on itself" in message
    assert "item 'b' -> score 'total' -> item 'b'" in message


def test_when_not_asked_without_ask_if(minimal):
    minimal["items"][1]["when_not_asked"] = 0
    message = only(find_problems(minimal), "$.items[1].when_not_asked")
    assert "ask_if" in message


# --- scales ------------------------------------------------------------------------------


def test_vas_min_greater_than_max(minimal):
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 10, "max": 0, "step": 0.1}
    message = only(find_problems(minimal), "$.scales.vas.min")
    assert "min 10" in message and "max 0" in message


def test_vas_min_equal_to_max(minimal):
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 5, "max": 5, "step": 1}
    assert "not below max" in only(find_problems(minimal), "$.scales.vas.min")


def test_numeric_min_greater_than_max(minimal):
    minimal["scales"]["num"] = {"type": "numeric", "min": 30, "max": 3}
    message = only(find_problems(minimal), "$.scales.num.min")
    assert "min 30 is greater than max 3" in message


def test_vas_step_not_dividing_the_range(minimal):
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 0, "max": 10, "step": 3}
    message = only(find_problems(minimal), "$.scales.vas.step")
    assert "step 3" in message and "does not divide" in message


def test_vas_decimal_step_dividing_the_range_is_fine(minimal):
    # 10 / 0.1 is 100.00000000000001 in floating point: still an even division.
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 0, "max": 10, "step": 0.1}
    assert try_load_definition(minimal)[1] == []


def test_vas_step_zero_rejected_by_schema(minimal):
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 0, "max": 10, "step": 0}
    assert at(find_problems(minimal), "$.scales.vas.step")


def test_duplicate_option_values(minimal):
    minimal["scales"]["freq"] = options([0, 1, 2, 2])
    message = only(find_problems(minimal), "$.scales.freq.options[3].value")
    assert "value 2 is used by two options" in message


def test_options_scale_needs_two_options(minimal):
    minimal["scales"]["freq"] = options([0])
    assert at(find_problems(minimal), "$.scales.freq.options")


# --- bands and ranges --------------------------------------------------------------------


def test_bands_overlapping(minimal):
    minimal["scores"][0]["bands"][1]["min"] = 3  # low 0-3, mid 3-6
    message = only(find_problems(minimal), "$.scores[0].bands[1]")
    assert "band 'mid' overlaps band 'low'" in message
    assert "start it at 4" in message


def test_bands_with_a_gap(minimal):
    minimal["scores"][0]["bands"][1]["min"] = 5  # low 0-3, mid 5-6: 4 falls in no band
    message = only(find_problems(minimal), "$.scores[0].bands[1]")
    assert "between 3 and 5" in message and "no band" in message
    assert "start 'mid' at 4" in message


def test_bands_not_covering_the_start(minimal):
    minimal["scores"][0]["bands"][0]["min"] = 1
    message = only(find_problems(minimal), "$.scores[0].bands[0].min")
    assert "from 0 up to 1" in message and "no band" in message


def test_bands_not_covering_the_end(minimal):
    minimal["scores"][0]["bands"][2]["max"] = 8
    message = only(find_problems(minimal), "$.scores[0].bands[2].max")
    assert "above 8 up to 9" in message and "no band" in message


def test_bands_given_out_of_order_are_fine(minimal):
    minimal["scores"][0]["bands"].reverse()
    assert try_load_definition(minimal)[1] == []


def test_band_min_greater_than_max(minimal):
    minimal["scores"][0]["bands"][1] = band("mid", 6, 4)
    message = only(find_problems(minimal), "$.scores[0].bands[1]")
    assert "min 6 is greater than max 4" in message


def test_continuous_bands_may_share_a_boundary(minimal):
    minimal["scores"][0] = {"id": "avg", "method": "mean", "items": ["a", "b", "c"],
                            "bands": [band("low", 0, 1.5), band("high", 1.5, 3)]}
    assert try_load_definition(minimal)[1] == []


def test_continuous_bands_with_a_gap(minimal):
    minimal["scores"][0] = {"id": "avg", "method": "mean", "items": ["a", "b", "c"],
                            "bands": [band("low", 0, 1.4), band("high", 1.5, 3)]}
    message = only(find_problems(minimal), "$.scores[0].bands[1]")
    assert "no band" in message and "continuous" in message


def test_declared_range_narrower_than_items_allow(minimal):
    minimal["scores"][0]["range"] = [0, 8]
    minimal["scores"][0]["bands"][2]["max"] = 8
    message = only(find_problems(minimal), "$.scores[0].range")
    assert "from 0 to 9" in message and "[0, 8]" in message


def test_declared_range_min_greater_than_max(minimal):
    minimal["scores"][0]["range"] = [9, 0]
    message = only(find_problems(minimal), "$.scores[0].range")
    assert "min 9 is greater than max 0" in message


def test_declared_range_wider_than_items_is_fine(minimal):
    # A wider declared range is allowed; the bands must then cover it.
    minimal["scores"][0]["range"] = [0, 10]
    minimal["scores"][0]["bands"][2]["max"] = 10
    assert try_load_definition(minimal)[1] == []


# --- cut-offs ----------------------------------------------------------------------------


def test_cutoff_attribute_not_declared(minimal):
    minimal["scores"][0]["cutoffs"][0]["value"] = {"attribute": "sex", "values": {"male": 4}}
    message = only(find_problems(minimal), "$.scores[0].cutoffs[0].value.attribute")
    assert "unknown attribute 'sex'" in message and "attributes" in message


def test_cutoff_value_key_not_a_value_of_the_attribute(minimal):
    minimal["attributes"] = {"sex": {"values": ["female", "male"]}}
    minimal["scores"][0]["cutoffs"][0]["value"] = {"attribute": "sex",
                                                   "values": {"male": 4, "man": 3}}
    message = only(find_problems(minimal), "$.scores[0].cutoffs[0].value.values.man")
    assert "'man' is not a value of attribute 'sex'" in message
    assert "female" in message and "male" in message


def test_duplicate_cutoff_ids(minimal):
    minimal["scores"][0]["cutoffs"].append({"id": "case", "op": ">", "value": 6})
    message = only(find_problems(minimal), "$.scores[0].cutoffs")
    assert "'case' is used twice" in message


def test_cutoff_bad_operator(minimal):
    minimal["scores"][0]["cutoffs"][0]["op"] = "=>"
    assert at(find_problems(minimal), "$.scores[0].cutoffs[0].op")


# --- alerts ------------------------------------------------------------------------------


def test_alert_on_unknown_item(minimal):
    minimal["alerts"] = [{"id": "x", "type": "item", "item": "z", "op": ">=", "value": 1,
                          "severity": "safety"}]
    message = only(find_problems(minimal), "$.alerts[0].item")
    assert "unknown item 'z'" in message


def test_alert_on_unknown_score(minimal):
    minimal["alerts"] = [{"id": "x", "type": "score", "score": "nope", "op": ">=", "value": 1,
                          "severity": "info"}]
    message = only(find_problems(minimal), "$.alerts[0].score")
    assert "unknown score 'nope'" in message


def test_alert_on_unknown_cutoff(minimal):
    minimal["alerts"] = [{"id": "x", "type": "cutoff", "score": "total", "cutoff": "nope",
                          "severity": "warning"}]
    message = only(find_problems(minimal), "$.alerts[0].cutoff")
    assert "no cut-off 'nope'" in message
    assert "case" in message  # lists the declared ones


def test_reliable_change_alert_without_norms(minimal):
    minimal["alerts"] = [{"id": "worse", "type": "reliable-change", "score": "total",
                          "severity": "warning"}]
    messages = [p.message for p in at(find_problems(minimal), "$.alerts[0].score")]
    assert any("reliable_change" in m and "norms" in m for m in messages), messages
    assert any("improvement" in m for m in messages), messages


def test_reliable_change_alert_with_norms_is_fine(minimal):
    minimal["scores"][0]["norms"] = {"reliable_change": 3, "improvement": "decrease"}
    minimal["alerts"] = [{"id": "worse", "type": "reliable-change", "score": "total",
                          "severity": "warning"}]
    assert try_load_definition(minimal)[1] == []


def test_alert_bad_severity(minimal):
    minimal["alerts"] = [{"id": "x", "type": "score", "score": "total", "op": ">", "value": 1,
                          "severity": "urgent"}]
    assert at(find_problems(minimal), "$.alerts[0].severity")


def test_item_alert_on_free_text(minimal):
    minimal["scales"]["free"] = {"type": "text"}
    minimal["items"].append({"id": "note", "text": {"en": "Anything?"}, "scale": "free"})
    minimal["alerts"] = [{"id": "x", "type": "item", "item": "note", "op": ">", "value": 1,
                          "severity": "info"}]
    assert "free text" in only(find_problems(minimal), "$.alerts[0].item")


# --- wording -----------------------------------------------------------------------------


def structure_only(data):
    """``data`` turned structure-only: no languages, no wording anywhere."""
    data["wording"] = "structure-only"
    data["languages"] = []
    data["scales"]["freq"] = options([0, 1, 2, 3], language=None)
    for item in data["items"]:
        item.pop("text", None)
    return data


def test_structure_only_without_wording_is_valid(minimal):
    assert try_load_definition(structure_only(minimal))[1] == []


def test_structure_only_with_item_text_is_rejected(minimal):
    data = structure_only(minimal)
    data["items"][1]["text"] = {"en": "Item B"}
    data["languages"] = []
    message = only(find_problems(data), "$.items[1].text")
    assert "structure-only" in message and "wording pack" in message


def test_structure_only_with_option_labels_is_rejected(minimal):
    data = structure_only(minimal)
    data["scales"]["freq"] = options([0, 1, 2, 3])
    assert at(find_problems(data), "$.scales.freq.options[0].label")


def test_structure_only_with_languages_is_rejected(minimal):
    data = structure_only(minimal)
    data["languages"] = ["en"]
    assert "structure-only" in only(find_problems(data), "$.languages")


def test_open_definition_missing_a_language_text(minimal):
    minimal["languages"] = ["en", "es"]
    for option in minimal["scales"]["freq"]["options"]:
        option["label"]["es"] = "opción"
    for item in minimal["items"]:
        item["text"]["es"] = "Pregunta"
    del minimal["items"][1]["text"]["es"]
    problems = find_problems(minimal)
    assert len(problems) == 1, [str(p) for p in problems]
    assert "no 'es' text" in only(problems, "$.items[1].text")


def test_open_definition_item_without_text(minimal):
    del minimal["items"][2]["text"]
    message = only(find_problems(minimal), "$.items[2]")
    assert "'c'" in message and "no text" in message


def test_open_definition_needs_languages(minimal):
    minimal["languages"] = []
    assert at(find_problems(minimal), "$.languages")


def test_text_in_a_language_not_listed(minimal):
    minimal["items"][1]["text"]["fr"] = "Question B"
    message = only(find_problems(minimal), "$.items[1].text.fr")
    assert "language 'fr' is not in 'languages'" in message


def test_stem_in_a_language_not_listed(minimal):
    minimal["stem"] = {"en": "Lately:", "de": "In letzter Zeit:"}
    assert at(find_problems(minimal), "$.stem.de")


@pytest.mark.parametrize("char", ["\x00", "\u202e", "\u202a", "\u2066", "\u2069"])
def test_unsafe_characters_in_item_text(minimal, char):
    minimal["items"][1]["text"]["en"] = f"Item{char}B"
    message = only(find_problems(minimal), "$.items[1].text.en")
    assert "NUL or bidirectional control character" in message


@pytest.mark.parametrize("where", ["citation", "option label", "note", "alert message",
                                   "band label"])
def test_unsafe_characters_anywhere(minimal, where):
    bad = "evil\u202etxt"
    if where == "citation":
        minimal["citation"], path = bad, "$.citation"
    elif where == "option label":
        minimal["scales"]["freq"]["options"][2]["label"]["en"] = bad
        path = "$.scales.freq.options[2].label.en"
    elif where == "note":
        minimal["notes"], path = ["fine", bad], "$.notes[1]"
    elif where == "alert message":
        minimal["alerts"] = [{"id": "x", "type": "score", "score": "total", "op": ">",
                              "value": 8, "severity": "info", "message": {"en": bad}}]
        path = "$.alerts[0].message.en"
    else:
        minimal["scores"][0]["bands"][0]["label"]["en"] = bad
        path = "$.scores[0].bands[0].label.en"
    assert "bidirectional" in only(find_problems(minimal), path)


def test_unsafe_character_in_a_key(minimal):
    minimal["attributes"] = {"sex": {"values": ["f"], "label": {"en": "Sex"}}}
    minimal["attributes"]["sex"]["label"] = {"e\x00n": "Sex"}
    messages = [p.message for p in find_problems(minimal)]
    assert any("key contains a NUL" in m for m in messages), messages


# --- score methods -----------------------------------------------------------------------


@pytest.mark.parametrize("max_missing", [3, 4])
def test_max_missing_not_below_the_number_of_items(minimal, max_missing):
    minimal["scores"][0]["max_missing"] = max_missing
    message = only(find_problems(minimal), "$.scores[0].max_missing")
    assert f"{max_missing} of 3 items" in message and "no answers" in message


def test_max_missing_below_the_number_of_items_is_fine(minimal):
    minimal["scores"][0]["max_missing"] = 2
    minimal["scores"][0]["round"] = 0
    assert try_load_definition(minimal)[1] == []


def test_weights_for_items_not_in_the_score(minimal):
    minimal["scores"][0]["weights"] = {"a": 2, "z": 1}
    minimal["scores"][0].pop("range")
    minimal["scores"][0].pop("bands")
    message = only(find_problems(minimal), "$.scores[0].weights.z")
    assert "'z' is not one of this score's items" in message


def test_mean_with_non_positive_weight(minimal):
    minimal["scores"][0] = {"id": "avg", "method": "mean", "items": ["a", "b"],
                            "weights": {"a": 0}}
    assert "positive weights" in only(find_problems(minimal), "$.scores[0].weights.a")


def test_composite_needs_terms(minimal):
    minimal["scores"].append({"id": "combo", "method": "composite", "terms": []})
    assert at(find_problems(minimal), "$.scores[1].terms")


def test_every_problem_is_reported_at_once(minimal):
    # Two independent schema problems in one file are both reported.
    minimal["version"] = "one"
    minimal["items"][0]["revers"] = True
    paths = {p.path for p in find_problems(minimal)}
    assert {"$.version", "$.items[0]"} <= paths


def test_model_built_from_a_valid_definition(minimal):
    minimal["items"][2]["reverse"] = True
    instrument = load(minimal)
    assert instrument.item("c").reverse is True
    assert instrument.item("c").bounds == (0.0, 3.0)
    assert instrument.score("total").items == ("a", "b", "c")
    assert instrument.order.index(("item", "a")) < instrument.order.index(("score", "total"))
    with pytest.raises(KeyError):
        instrument.item("z")


def test_local_problems_of_two_scales_are_both_reported(minimal):
    # Each scale's own problem is independent of the other's: both must be reported.
    minimal["scales"]["freq"] = options([0, 1, 2, 2])
    minimal["scales"]["vas"] = {"type": "visual-analogue", "min": 10, "max": 0, "step": 1}
    problems = find_problems(minimal)
    assert at(problems, "$.scales.freq.options[3].value"), [str(p) for p in problems]
    assert at(problems, "$.scales.vas.min"), [str(p) for p in problems]


def test_prorated_sum_needs_positive_weights(minimal):
    minimal["scores"][0] = {"id": "wsum", "method": "sum", "items": ["a", "b", "c"],
                            "weights": {"b": -1}, "max_missing": 1}
    message = only(find_problems(minimal), "$.scores[0].weights.b")
    assert "positive" in message
