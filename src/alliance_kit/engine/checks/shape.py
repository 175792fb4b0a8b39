"""The shape of a definition: unsafe strings, the JSON Schemas (the instrument's and each
registered type's), with advice in every message."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from alliance_kit.engine import jsonschemas
from alliance_kit.types import Types

Found = list[tuple[str, str]]

#: NUL and the bidirectional control characters that can make text read differently.
_UNSAFE = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
#: Definitions are shallow; anything deeper is refused before a schema sees it.
MAX_DEPTH = 32


def schema_problems(data: Any, validator, prefix: str = "$") -> Found:
    """Schema errors as (path, message with advice), most relevant first, one per place."""
    found: Found = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        if error.context:
            error = best_match(error.context)
        path = prefix + error.json_path[1:]
        found.append((path, _advice(error)))
    return found


def _advice(error: ValidationError) -> str:
    keyword = error.validator
    if keyword == "required":
        return f"{error.message}: add it"
    if keyword == "additionalProperties":
        return f"{error.message}: remove it or check its spelling"
    if (
        keyword == "pattern"
        and isinstance(error.schema, Mapping)
        and error.schema.get("description")
    ):
        lower = error.instance.strip().lower() if isinstance(error.instance, str) else None
        if lower and lower != error.instance and re.search(error.schema["pattern"], lower):
            # The usual case (an id written as a data set's column, 'A1'): say the fix.
            return (f"{error.instance!r} is not an id: ids are lower case, write {lower!r} "
                    f"(data columns named {error.instance!r} still match it)")
        return f"{error.message}: {error.schema['description']}"
    if keyword == "const":
        return f"{error.message}"
    return error.message


def unsafe_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Strings with NUL or bidi controls, NaN or infinite numbers, and nesting too deep.

    Iterative, so a hostile dict nested thousands of levels deep cannot exhaust the stack.
    """
    stack = [(value, path, 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            yield path, f"nested more than {MAX_DEPTH} levels deep: no definition needs that"
            continue
        if isinstance(value, str):
            if _UNSAFE.search(value):
                yield path, "contains a NUL or bidirectional control character: remove it"
        elif isinstance(value, float) and not math.isfinite(value):
            yield path, f"{value} is not a number JSON allows: use a finite number"
        elif isinstance(value, Mapping):
            for key, child in value.items():
                if isinstance(key, str) and _UNSAFE.search(key):
                    yield path, "a key contains a NUL or bidirectional control character: remove it"
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(value, list):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(value))


def type_problems(data: Mapping[str, Any], types: Types) -> Found:
    """Check each scale, score and alert against the schema its type registered."""
    found: Found = []
    parts = [
        (
            "scale type",
            types.scale_types,
            "type",
            [(f"$.scales.{key}", scale) for key, scale in data["scales"].items()],
        ),
        (
            "score method",
            types.scorers,
            "method",
            [(f"$.scores[{i}]", score) for i, score in enumerate(data.get("scores", []))],
        ),
        (
            "alert type",
            types.alert_types,
            "type",
            [(f"$.alerts[{i}]", alert) for i, alert in enumerate(data.get("alerts", []))],
        ),
    ]
    for what, registry, key, objects in parts:
        for path, obj in objects:
            kind = registry.get(obj[key])
            if kind is None:
                known = ", ".join(sorted(registry))
                found.append(
                    (
                        f"{path}.{key}",
                        f"unknown {what} {obj[key]!r}: use one of {known}, "
                        "or install the plugin that provides it",
                    )
                )
                continue
            shape = schema_problems(obj, jsonschemas.validator(kind.schema), path)
            found += shape
            if not shape and what == "scale type":
                found += [(path + suffix, message) for suffix, message in kind.problems(obj)]
    return found
