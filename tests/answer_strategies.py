"""Hypothesis strategies for valid responses, built from an instrument's own definition.

Each answer is drawn from what the item's scale type says is allowed (its finite values, or
its bounds and step, or text up to its length), so every drawn answer is valid by
construction; skip rules on items are then applied the way the response JSON Schema states
them (its ``if``/``then``/``else`` parts, evaluated with jsonschema), and the result is
checked against the whole response schema. Generating from the definition and checking
with the schema means the two must agree: a generator/schema mismatch fails loudly instead
of being filtered away.

These replace hypothesis-jsonschema, which stopped keeping up with Hypothesis releases.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from alliance_kit.engine.responses import response_schema

#: Free text: printable characters and line breaks, never NUL (PostgreSQL cannot store it).
TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


def answer(item) -> st.SearchStrategy[Any]:
    """One allowed answer to ``item`` (never missing)."""
    scale_type, scale = item.scale_type, item.scale
    if not scale_type.numeric:
        limit = getattr(scale_type, "max_length", lambda _scale: 200)(scale)
        return st.text(TEXT, max_size=min(limit, 200))
    allowed = scale_type.allowed_values(scale)
    if allowed is not None:
        return st.sampled_from([_plain(value) for value in allowed])
    low, high = scale_type.bounds(scale)
    step = scale_type.step(scale)
    if step > 0:
        count = int(round((high - low) / step))
        return st.integers(0, count).map(lambda k: _plain(round(low + k * step, 10)))
    integer = scale_type.answer_schema(scale).get("type") == "integer"
    if integer:
        return st.integers(math.ceil(low), math.floor(high))
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def _plain(value: float) -> int | float:
    """Whole numbers as int (as a kiosk submits them), others as float."""
    return int(value) if float(value).is_integer() else float(value)


@functools.cache
def _conditionals(instrument) -> list[tuple[str, Draft202012Validator]]:
    """(item id, validator of the condition) per skip rule the response schema states."""
    found = []
    for part in response_schema(instrument).get("allOf", []):
        (item_id,) = part["else"]["properties"]
        found.append((item_id, Draft202012Validator(part["if"])))
    return found


@functools.cache
def _validator(instrument) -> Draft202012Validator:
    return Draft202012Validator(response_schema(instrument))


@st.composite
def valid_answers(draw, instrument) -> dict[str, Any]:
    """A response that the instrument's response schema accepts.

    Optional and conditionally asked items are sometimes left blank (None) and sometimes
    left out; skip rules that read a score (PHQ-9 item 10) are not in the schema, so a few
    drawn responses break one: callers filter those with ``validate_response``.
    """
    answers: dict[str, Any] = {}
    for item in instrument.items:
        optional = not item.required or item.ask_if is not None
        if optional and draw(st.integers(0, 3)) == 0:
            if draw(st.booleans()):
                answers[item.id] = None
            continue
        answers[item.id] = draw(answer(item))
    by_id = {item.id: item for item in instrument.items}
    for item_id, condition in _conditionals(instrument):
        if condition.is_valid(answers):
            if by_id[item_id].required and answers.get(item_id) is None:
                answers[item_id] = draw(answer(by_id[item_id]))
        elif item_id in answers:
            answers[item_id] = None
    errors = list(_validator(instrument).iter_errors(answers))
    assert not errors, f"generated an answer the response schema refuses: {errors[0].message}"
    return answers
