"""Checks on a definition: the JSON Schemas first, then what a schema cannot see.

Each check returns ``(json_path, message)`` pairs; the message says what is wrong and
what to do. Semantic checks run only on a definition that passed the schemas, so they
may assume the shape is right.
"""

from __future__ import annotations

from typing import Any

from alliance_kit.engine import jsonschemas
from alliance_kit.engine.checks.references import (
    condition_references,
    cycle_problems,
    evaluation_order,
    reference_problems,
    score_bounds,
)
from alliance_kit.engine.checks.scores import alert_problems, score_problems
from alliance_kit.engine.checks.shape import (
    MAX_DEPTH,
    Found,
    schema_problems,
    type_problems,
    unsafe_strings,
)
from alliance_kit.engine.checks.wording import wording_problems
from alliance_kit.types import Types


def check_definition(data: Any, types: Types) -> Found:
    """Every problem with a parsed definition, schema problems first."""
    found = list(unsafe_strings(data, "$"))
    if found:
        return found
    found += schema_problems(data, jsonschemas.bundled_validator(jsonschemas.INSTRUMENT))
    if found:
        return found
    found += type_problems(data, types)
    if found:
        return found
    found += reference_problems(data, types)
    if found:
        return found
    found += cycle_problems(data, types)
    if found:
        return found
    found += wording_problems(data, types)
    found += score_problems(data, types)
    found += alert_problems(data, types)
    return found


__all__ = ["MAX_DEPTH", "Found", "check_definition", "condition_references", "evaluation_order",
           "schema_problems", "score_bounds", "unsafe_strings"]
