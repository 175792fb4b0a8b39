"""What an answer may be: a JSON Schema per instrument, and checks on one response or a table.

Two entry points with the same rules: :func:`schema_errors` checks one response (a dict of
answers by item id, as the kiosk submits it) with the instrument's generated JSON Schema;
:func:`read_answers` checks a whole table at once, vectorized, for scoring.
:func:`alliance_kit.engine.scoring.validate_response` runs both on one response.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alliance_kit.engine import jsonschemas, rules

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument, Item

#: At most this many problems are described; the rest are counted.
MAX_REPORTED = 1000
#: How many of them the exception's message shows.
SHOWN_IN_MESSAGE = 20


@dataclass(frozen=True)
class ResponseError:
    """One bad answer: the response (0-based position in the table), the item and why."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"response {self.row}, item {self.column!r}: {self.message}"


@dataclass(frozen=True, slots=True)
class ResponseWarning:
    """Something scored as a rule says, but worth telling: an answer to an item the skip
    rule did not ask (ignored or taken as the rule defines), or a respondent attribute value
    the definition does not list (its cut-offs used their ``otherwise`` branch).

    ``kind`` is ``"not-asked"`` or ``"attribute"``; ``as_error`` is the message for callers
    that refuse such answers instead (the kiosk and the clinic's database do).
    """

    row: int
    column: str
    message: str
    kind: str
    as_error: str

    def __str__(self) -> str:
        return f"response {self.row}, {self.column!r}: {self.message}"

    def error(self) -> ResponseError:
        """This warning as an error, for callers that refuse what it describes."""
        return ResponseError(self.row, self.column, self.as_error)


def by_row(notes: list[ResponseError] | list[ResponseWarning], n: int,
           label: dict[str, str] | None = None) -> np.ndarray:
    """Each row's notes joined with '; ' (None where a row has none), in row order.

    ``label`` maps a column to how a note names it (default: ``item '<id>'``).
    """
    out = np.full(n, None, dtype=object)
    for note in sorted(notes, key=lambda e: (e.row, e.column)):
        name = (label or {}).get(note.column, f"item {note.column!r}")
        text = f"{name}: {note.message}"
        current = out[note.row]
        out[note.row] = text if current is None else f"{current}; {text}"
    return out


class InvalidResponses(ValueError):
    """Answers that break the instrument's rules; nothing was scored or saved."""

    def __init__(self, errors: list[ResponseError], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        shown = errors[:SHOWN_IN_MESSAGE]
        more = self.total - len(shown)
        text = "\n".join(str(e) for e in shown)
        super().__init__(text + (f"\n... and {more} more" if more > 0 else ""))


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    if "enum" in schema:
        return {**schema, "enum": [*schema["enum"], None]}
    kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    return {**schema, "type": [*kinds, "null"]}


def _condition_schema(cond: Mapping[str, Any]) -> dict[str, Any] | None:
    """A condition on items as JSON Schema; None when it reads a score (checked by the engine)."""
    if "all" in cond or "any" in cond:
        parts = [_condition_schema(part) for part in cond.get("all") or cond["any"]]
        if any(part is None for part in parts):
            return None
        return {"allOf" if "all" in cond else "anyOf": parts}
    if "score" in cond:
        return None
    value = cond["value"]
    test = {
        ">=": {"minimum": value},
        ">": {"exclusiveMinimum": value},
        "<=": {"maximum": value},
        "<": {"exclusiveMaximum": value},
        "==": {"const": value},
        "!=": {"not": {"const": value}},
    }[cond["op"]]
    return {"properties": {cond["item"]: {"type": "number", **test}}, "required": [cond["item"]]}


@functools.cache
def response_schema(instrument: Instrument) -> dict[str, Any]:
    """The JSON Schema of one response to ``instrument``: answers by item id."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    conditional: list[dict[str, Any]] = []
    for item in instrument.items:
        answer = item.scale_type.answer_schema(item.scale)
        properties[item.id] = answer if item.required and not item.ask_if else _allow_null(answer)
        if item.ask_if is None:
            if item.required:
                required.append(item.id)
            continue
        when = _condition_schema(item.ask_if)
        if when is not None:
            conditional.append(
                {
                    "if": when,
                    # Asked and required: present and not null (a blank is no answer).
                    "then": {"required": [item.id],
                             "properties": {item.id: {"not": {"type": "null"}}}}
                    if item.required else {},
                    "else": {"properties": {item.id: {"type": "null"}}},
                }
            )
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{jsonschemas.BASE}responses/{instrument.id}/{instrument.version}.json",
        "title": f"A response to {instrument.label()} {instrument.version}",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
    if conditional:
        schema["allOf"] = conditional
    return schema


@functools.cache
def _response_validator(instrument: Instrument):
    return jsonschemas.validator(response_schema(instrument))


def schema_errors(instrument: Instrument, answers: Mapping[str, Any]) -> list[ResponseError]:
    """What the instrument's response JSON Schema finds wrong (at most MAX_REPORTED)."""
    return schema_problems(instrument, answers)[0]


def schema_problems(instrument: Instrument, answers: Mapping[str, Any], *,
                    complete: bool = True) -> tuple[list[ResponseError], int]:
    """(errors described, at most MAX_REPORTED; errors in all) from the response schema.

    ``complete=False`` lets required items be blank: the kiosk insists on them, a paper form
    may have gaps (the scores' own missing-data rules then decide what can be scored).
    """
    errors: list[ResponseError] = []
    total = 0
    items = {item.id for item in instrument.items}
    if not complete:  # a blank answer is no answer: required or not, it may be left out
        answers = {key: value for key, value in answers.items() if value is not None}
    # Answers are numbers, text or blank. Anything else (lists, dicts, integers too long
    # to print) is refused here: even describing it could exhaust memory or the stack.
    odd = [(str(key)[:60], value) for key, value in answers.items()
           if key in items and not _plain_answer(value)]
    if odd:
        found = [ResponseError(0, key, f"{_shown(value)} is not an answer: give a number, a "
                               "text or nothing") for key, value in odd]
        return found[:MAX_REPORTED], len(found)
    for error in _response_validator(instrument).iter_errors(dict(answers)):
        path = list(error.absolute_path)
        if error.validator == "required":
            if not complete:
                continue
            missing = error.message.split("'")[1]
            found = [ResponseError(0, missing, "required: answer it")]
        elif error.validator == "additionalProperties":
            unknown = sorted(str(name) for name in set(answers) - items)
            known = ", ".join(item.id for item in instrument.items)
            total += len(unknown) - min(len(unknown), MAX_REPORTED)
            found = [ResponseError(0, name[:60], f"no such item (items: {known})")
                     for name in unknown[:MAX_REPORTED]]
        elif path:
            found = [_answer_error(instrument, str(path[0]), error.instance, answers)]
        else:
            found = [ResponseError(0, "", error.message[:200])]
        total += len(found)
        errors += found[: max(0, MAX_REPORTED - len(errors))]
    return errors, total


def answers_frame(answers: Mapping[str, Any]) -> pd.DataFrame:
    """One response as a one-row table for the engine (None = missing)."""
    return pd.DataFrame([{key: (np.nan if v is None else v) for key, v in answers.items()}])


def _answer_error(instrument: Instrument, item_id: str, value: Any, answers) -> ResponseError:
    item = instrument.item(item_id)
    if value is None and item.required:
        return ResponseError(0, item_id, "required: answer it")
    if item.ask_if is not None and value is not None:
        return ResponseError(0, item_id, f"answered, but the item is only asked when "
                             f"{rules.describe(item.ask_if)}: leave it blank")
    return ResponseError(0, item_id, f"{_shown(value)} is not allowed: give "
                         f"{item.scale_type.describe(item.scale)}")


def _plain_answer(value: Any) -> bool:
    if value is None or isinstance(value, str | float):
        return True
    return isinstance(value, int) and abs(value) < 10**15


def _shown(value: Any) -> str:
    """A bad answer as a message shows it: short, whatever it is (a 10 MB text, a huge int)."""
    if isinstance(value, str):
        return repr(value[:40]) + (f"... ({len(value):,} characters)" if len(value) > 40 else "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            text = repr(value)
        except ValueError:  # an integer too long to print
            return "a number with too many digits"
        return text if len(text) <= 40 else text[:40] + "..."
    return f"a {type(value).__name__}"


def read_answers(
    instrument: Instrument, frame: pd.DataFrame, *, limit: int | None = MAX_REPORTED
) -> tuple[dict[str, np.ndarray], list[ResponseError], int, list[str]]:
    """Item values as float arrays (NaN = missing), checked against each item's scale.

    Returns (values by item id, errors described, errors in total, warnings). At most
    ``limit`` errors are described (None: every one). Text items come back as object
    arrays. Blank strings are missing answers; a value off its scale becomes NaN.
    """
    repeated = frame.columns[frame.columns.duplicated()].unique()
    if len(repeated):
        names = ", ".join(repr(str(name)) for name in repeated)
        raise ValueError(f"column(s) {names} appear more than once: keep one of each")
    values: dict[str, np.ndarray] = {}
    errors: list[ResponseError] = []
    total = 0
    absent = [item.id for item in instrument.items if item.id not in frame.columns]
    warnings = []
    if absent:
        warnings.append(f"no column for item(s) {', '.join(absent)}: treated as unanswered")
    n = len(frame)
    for item in instrument.items:
        if item.id not in frame.columns:
            values[item.id] = np.full(n, np.nan) if item.scale_type.numeric else np.full(n, None)
            continue
        column = frame[item.id]
        if not item.scale_type.numeric:
            text = column.astype(object).where(column.notna(), None).to_numpy(object)
            bad = item.scale_type.invalid(item.scale, text)
            total += _describe(errors, item, bad, text, "too long", limit)
            values[item.id] = text
            continue
        numbers, not_numbers = _numbers(column)
        if not_numbers.any():
            total += _describe(errors, item, not_numbers, column.to_numpy(object),
                               "not a number", limit)
        bad = item.scale_type.invalid(item.scale, numbers)
        if bad.any():
            total += _describe(errors, item, bad, numbers, "not allowed", limit)
            numbers = np.where(bad, np.nan, numbers)  # never computed with (inf, 99, ...)
        values[item.id] = numbers
    return values, errors, total, warnings


def _numbers(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as floats, and a mask of non-blank entries that are not numbers."""
    if pd.api.types.is_bool_dtype(column):
        column = column.astype(float)
    if column.dtype == np.float64:
        return column.to_numpy(), np.zeros(len(column), dtype=bool)
    if pd.api.types.is_numeric_dtype(column):
        return column.to_numpy(dtype=float, na_value=np.nan), np.zeros(len(column), dtype=bool)
    text = column.astype("string").str.strip()
    blank = text.isna() | (text == "")
    numbers = pd.to_numeric(text.mask(blank), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan
    )
    return numbers, (~blank & np.isnan(numbers)).to_numpy(dtype=bool)


def _describe(
    errors: list[ResponseError], item: Item, bad: np.ndarray, shown: np.ndarray, what: str,
    limit: int | None = MAX_REPORTED,
) -> int:
    rows = np.flatnonzero(bad)
    allowed = item.scale_type.describe(item.scale)
    for row in rows if limit is None else rows[: max(0, limit - len(errors))]:
        value = shown[row]
        value = f"{value:g}" if isinstance(value, float) else repr(value)[:60]
        errors.append(ResponseError(int(row), item.id, f"{value} is {what}: give {allowed}"))
    return len(rows)
