"""Fuzzed responses: valid answers generated from each instrument's response schema.

Valid responses come from :func:`answer_strategies.valid_answers`: drawn from each item's
scale type and checked against the instrument's response schema (enums with null, bounds
and steps, ``maxLength``, ``if/then/else`` skip logic on items). Skip rules on *scores*
(PHQ-9 item 10) are not in the schema, so the few generated responses that break one are
filtered out with ``assume`` (they are rejected, which the invalid-response tests cover).

For every bundled instrument: every score is NaN or inside its declared range and has a
band exactly when it has a value; the same answers always give the same scores (again,
in another key order, and inside a batch); stored through ``Services.submit_response``,
read back, and rescored, nothing changes. Invalid responses (made by breaking one answer
of a valid one) are rejected by ``validate_response`` and by ``submit_response`` before
anything is written.

Examples: 25 valid responses per instrument (10 instruments, each stored and read back),
25 invalid ones per instrument, plus 20 skip-logic cases.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest
from answer_strategies import valid_answers
from conftest import ROOT, row_counts
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.engine.responses import InvalidResponses, response_schema
from alliance_kit.engine.scoring import score, validate_response
from alliance_kit.kit import build_kit
from alliance_kit.store import migrate, open_store

SYSTEM = Actor.system()
KIT = build_kit(plugins_dir=ROOT / "tests" / "no-such-folder", entry_points=False, disabled=())
INSTRUMENT_IDS = sorted(KIT.instruments)
TOLERANCE = 1e-9

SETTINGS = settings(deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A migrated SQLite database with a therapist and one client per instrument."""
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzzresponses') / 'fuzz.db'}"
    store = open_store(url, create=True)
    migrate.upgrade(store)
    services = Services(store, KIT)
    therapist = services.add_user(SYSTEM, "fuzz-therapist", "therapist")
    clients = {iid: services.add_client(SYSTEM, f"F-{index}", therapist_ids=[therapist])
               for index, iid in enumerate(INSTRUMENT_IDS)}
    yield services, clients
    store.close()


def scores_of(instrument, answers: dict[str, Any]) -> dict[str, float | None]:
    result = score(instrument, answers)
    return {spec.id: (None if math.isnan(v) else float(v))
            for spec in instrument.scores for v in [result.scores[spec.id].iloc[0]]}


# ---- valid responses ----------------------------------------------------------------------


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_generated_responses_score_in_range_deterministically_and_round_trip(
        instrument_id, world):
    services, clients = world
    instrument = KIT.instrument(instrument_id)
    client_id = clients[instrument_id]
    stored: list[tuple[int, dict[str, Any], dict[str, float | None]]] = []

    @settings(SETTINGS, max_examples=25)
    @given(answers=valid_answers(instrument))
    def run(answers):
        errors = validate_response(instrument, answers)
        # Only skip rules on scores (PHQ-9 item 10) are outside the schema.
        assume(not errors)
        result = score(instrument, answers)
        for spec in instrument.scores:
            value = float(result.scores[spec.id].iloc[0])
            low, high = spec.range
            assert math.isnan(value) or low - TOLERANCE <= value <= high + TOLERANCE, (
                f"{instrument_id}.{spec.id} = {value} outside {spec.range} for {answers}")
            if spec.bands:
                band = result.bands[spec.id].iloc[0]
                assert pd.isna(band) == math.isnan(value), (
                    f"{instrument_id}.{spec.id} = {value} has band {band!r}")
        # Deterministic: again, in reverse key order, and as rows of a batch.
        first = scores_of(instrument, answers)
        assert scores_of(instrument, answers) == first
        assert scores_of(instrument, dict(reversed(list(answers.items())))) == first
        batch = score(instrument, pd.DataFrame([answers, answers, answers]))
        for spec in instrument.scores:
            column = batch.scores[spec.id].to_numpy()
            expected = np.nan if first[spec.id] is None else first[spec.id]
            assert np.allclose(column, expected, equal_nan=True, rtol=0, atol=0), spec.id
        # Stored, it gives the same scores, and reads back as given.
        submitted = services.submit_response(
            SYSTEM, client_id=client_id, instrument_id=instrument_id, answers=answers,
            idempotency_key=str(uuid.uuid4()))
        assert submitted.created
        assert submitted.scores == first
        assert services.answers(SYSTEM, submitted.response_id) == answers
        stored.append((submitted.response_id, answers, first))

    run()
    assert stored, "no generated response was valid"
    history = services.client_history(SYSTEM, client_id, instrument_id)
    for response_id, _, first in stored:
        rows = history[history["response_id"] == response_id]
        read = {row.score_id: (None if row.value is None or pd.isna(row.value)
                               else float(row.value)) for row in rows.itertuples()}
        assert read == first, f"response {response_id}: stored {read}, scored {first}"
    changes = services.rescore(SYSTEM, instrument_id)
    assert changes.empty, changes.to_string()
    # Rescoring twice is still a no-op, and a repeated submission writes nothing.
    assert services.rescore(SYSTEM, instrument_id).empty


# ---- invalid responses ----------------------------------------------------------------------


def _allowed(instrument, item_id: str):
    """Is a value allowed for this item by the response schema's property for it?"""
    schema = response_schema(instrument)["properties"][item_id]
    validator = Draft202012Validator(schema)
    return validator.is_valid


ANYTHING = st.one_of(
    st.integers(-10**9, 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.booleans(),
    st.lists(st.integers(0, 3), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=2),
)


@st.composite
def broken_answers(draw, instrument):
    """A valid response with one thing broken; returns (answers, item id, what)."""
    answers = dict(draw(valid_answers(instrument)))
    items = [item.id for item in instrument.items]
    required = [item.id for item in instrument.items if item.required and not item.ask_if]
    kinds = ["bad-value", "unknown-item"] + (["missing"] if required else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "bad-value":
        item_id = draw(st.sampled_from(items))
        allowed = _allowed(instrument, item_id)
        value = draw(ANYTHING.filter(lambda v: not _safe_allowed(allowed, v)))
        answers[item_id] = value
        return answers, item_id, kind
    if kind == "unknown-item":
        name = draw(st.text(min_size=1, max_size=12).filter(lambda n: n not in items))
        answers[name] = draw(ANYTHING)
        return answers, name, kind
    item_id = draw(st.sampled_from(required))
    if draw(st.booleans()):
        answers.pop(item_id, None)
    else:
        answers[item_id] = None
    return answers, item_id, kind


def _safe_allowed(allowed, value) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False  # NaN means "missing" to the service: never a valid answer
    return allowed(value)


@pytest.mark.parametrize("instrument_id", INSTRUMENT_IDS)
def test_broken_responses_are_rejected_before_any_write(instrument_id, world):
    services, clients = world
    instrument = KIT.instrument(instrument_id)
    client_id = clients[instrument_id]
    before = row_counts(services.store)

    @settings(SETTINGS, max_examples=25)
    @given(case=broken_answers(instrument))
    def run(case):
        answers, culprit, kind = case
        errors = validate_response(instrument, answers)
        assert errors, f"{kind} at {culprit!r} accepted: {answers}"
        if kind != "missing" or culprit in answers:
            assert culprit in {e.column for e in errors}, (kind, culprit, errors)
        with pytest.raises(InvalidResponses):
            services.submit_response(SYSTEM, client_id=client_id, instrument_id=instrument_id,
                                     answers=answers, idempotency_key=str(uuid.uuid4()))
        assert row_counts(services.store) == before

    run()


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_answer_to_a_skipped_item_is_rejected_before_any_write(world, data):
    """AUDIT-C: after "never" (item 1 = 0), items 2 and 3 are not asked; PHQ-9: item 10 is
    asked only when the total is above 0."""
    services, clients = world
    which = data.draw(st.sampled_from(["audit-c", "phq-9"]))
    instrument = KIT.instrument(which)
    if which == "audit-c":
        skipped = data.draw(st.sampled_from(["2", "3"]))
        answers = {"1": 0, "2": None, "3": None,
                   skipped: data.draw(st.sampled_from([0, 1, 2, 3, 4]))}
    else:
        skipped = "10"
        answers = {**{str(n): 0 for n in range(1, 10)},
                   "10": data.draw(st.sampled_from([0, 1, 2, 3]))}
    before = row_counts(services.store)
    errors = validate_response(instrument, answers)
    assert [e.column for e in errors] == [skipped], errors
    assert "only asked when" in errors[0].message
    with pytest.raises(InvalidResponses, match="only asked when"):
        services.submit_response(SYSTEM, client_id=clients[which], instrument_id=which,
                                 answers=answers, idempotency_key=str(uuid.uuid4()))
    assert row_counts(services.store) == before


def test_repeated_submission_writes_nothing_and_returns_the_same(world):
    services, clients = world
    instrument = KIT.instrument("gad-7")
    answers = {item.id: 1 for item in instrument.items}
    key = str(uuid.uuid4())
    first = services.submit_response(SYSTEM, client_id=clients["gad-7"], instrument_id="gad-7",
                                     answers=answers, idempotency_key=key)
    before = row_counts(services.store)
    again = services.submit_response(SYSTEM, client_id=clients["gad-7"], instrument_id="gad-7",
                                     answers=dict(reversed(list(answers.items()))),
                                     idempotency_key=key)
    assert (again.response_id, again.created, again.scores) == (first.response_id, False,
                                                               first.scores)
    assert row_counts(services.store) == before
