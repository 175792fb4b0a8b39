"""Checks on a definition: the JSON Schemas first, then what a schema cannot see.

Each check returns ``(json_path, message)`` pairs; the message says what is wrong and
what to do. Semantic checks run only on a definition that passed the schemas, so they
may assume the shape is right.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from alliance_kit.engine import jsonschemas
from alliance_kit.types import Bounds, Types

Found = list[tuple[str, str]]

#: NUL and the bidirectional control characters that can make text read differently.
_UNSAFE = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
_TOLERANCE = 1e-9
#: Definitions are shallow; anything deeper is refused before a schema sees it.
MAX_DEPTH = 32


def check_definition(data: Any, types: Types) -> Found:
    """Every problem with a parsed definition, schema problems first."""
    found = list(_unsafe_strings(data, "$"))
    if found:
        return found
    found += schema_problems(data, jsonschemas.bundled_validator(jsonschemas.INSTRUMENT))
    if found:
        return found
    found += _type_problems(data, types)
    if found:
        return found
    found += _reference_problems(data, types)
    if found:
        return found
    found += _cycle_problems(data, types)
    if found:
        return found
    found += _wording_problems(data, types)
    found += _score_problems(data, types)
    found += _alert_problems(data, types)
    return found


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
        return f"{error.message}: {error.schema['description']}"
    if keyword == "const":
        return f"{error.message}"
    return error.message


def _unsafe_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
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


def _type_problems(data: Mapping[str, Any], types: Types) -> Found:
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


def _duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if i in seen or seen.add(i)]


def _reference_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    item_ids = [item["id"] for item in data["items"]]
    score_ids = [score["id"] for score in data.get("scores", [])]
    for what, ids, path in (
        ("item", item_ids, "$.items"),
        ("score", score_ids, "$.scores"),
        ("alert", [a["id"] for a in data.get("alerts", [])], "$.alerts"),
    ):
        for dup in dict.fromkeys(_duplicates(ids)):
            index = len(ids) - 1 - ids[::-1].index(dup)
            found.append(
                (f"{path}[{index}].id", f"{what} id {dup!r} is used twice: ids must be unique")
            )
    for index, score_id in enumerate(score_ids):
        if score_id in item_ids:
            found.append(
                (
                    f"$.scores[{index}].id",
                    f"score id {score_id!r} is also an item id: "
                    "rename one (they share the columns of a scored table)",
                )
            )
    items = {item["id"]: item for item in data["items"]}
    scores = set(score_ids)
    for index, item in enumerate(data["items"]):
        path = f"$.items[{index}]"
        if item["scale"] not in data["scales"]:
            found.append(
                (
                    f"{path}.scale",
                    f"unknown scale {item['scale']!r}: define it under "
                    f"'scales' (defined: {', '.join(data['scales'])})",
                )
            )
        if "ask_if" in item:
            found += _condition_problems(item["ask_if"], f"{path}.ask_if", items, scores)
        if "when_not_asked" in item and item["when_not_asked"] is not None and "ask_if" not in item:
            found.append(
                (
                    f"{path}.when_not_asked",
                    "only means something with 'ask_if': remove it or add the condition",
                )
            )
    if found:
        return found
    for index, score in enumerate(data.get("scores", [])):
        scorer = types.scorers[score["method"]]
        path = f"$.scores[{index}]"
        for item_id in scorer.item_inputs(score):
            if item_id not in items:
                found.append((f"{path}.items", f"unknown item {item_id!r}: use an item id"))
                continue
            item = items[item_id]
            if not types.scale_types[data["scales"][item["scale"]]["type"]].numeric:
                found.append(
                    (
                        f"{path}.items",
                        f"item {item_id!r} is free text and cannot be "
                        "scored: remove it from the score",
                    )
                )
            elif item.get("scored", True) is False:
                found.append(
                    (
                        f"{path}.items",
                        f'item {item_id!r} is marked "scored": false: '
                        "remove it from the score or mark it scored",
                    )
                )
        for score_id in scorer.score_inputs(score):
            if score_id not in scores:
                found.append((f"{path}.terms", f"unknown score {score_id!r}: use a score id"))
        found += [(path + suffix, message) for suffix, message in scorer.problems(score, data)]
    for index, alert in enumerate(data.get("alerts", [])):
        alert_type = types.alert_types[alert["type"]]
        path = f"$.alerts[{index}]"
        for item_id in alert_type.item_inputs(alert):
            if item_id not in items:
                found.append((f"{path}.item", f"unknown item {item_id!r}: use an item id"))
        for score_id in alert_type.score_inputs(alert):
            if score_id not in scores:
                found.append((f"{path}.score", f"unknown score {score_id!r}: use a score id"))
    return found


def _condition_problems(cond: Mapping[str, Any], path: str, items, scores) -> Found:
    if "all" in cond or "any" in cond:
        key = "all" if "all" in cond else "any"
        found: Found = []
        for index, part in enumerate(cond[key]):
            found += _condition_problems(part, f"{path}.{key}[{index}]", items, scores)
        return found
    if "item" in cond and cond["item"] not in items:
        return [(f"{path}.item", f"unknown item {cond['item']!r}: use an item id")]
    if "score" in cond and cond["score"] not in scores:
        return [(f"{path}.score", f"unknown score {cond['score']!r}: use a score id")]
    return []


def condition_references(cond: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The ("item" | "score", id) pairs a condition reads."""
    for key in ("all", "any"):
        for part in cond.get(key, ()):
            yield from condition_references(part)
    for kind in ("item", "score"):
        if kind in cond:
            yield kind, cond[kind]


def _graph(data: Mapping[str, Any], types: Types) -> dict[tuple[str, str], list[tuple[str, str]]]:
    graph: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for item in data["items"]:
        graph[("item", item["id"])] = list(condition_references(item.get("ask_if", {})))
    for score in data.get("scores", []):
        scorer = types.scorers[score["method"]]
        graph[("score", score["id"])] = [("item", i) for i in scorer.item_inputs(score)] + [
            ("score", s) for s in scorer.score_inputs(score)
        ]
    return graph


def _topological(graph) -> tuple[list[tuple[str, str]], list[tuple[str, str]] | None]:
    """Depth-first order, inputs first; the second value is a cycle if one exists."""
    order: list[tuple[str, str]] = []
    state: dict[tuple[str, str], int] = {}
    stack: list[tuple[str, str]] = []

    def visit(node) -> list[tuple[str, str]] | None:
        state[node] = 1
        stack.append(node)
        for child in graph.get(node, ()):
            if state.get(child) == 1:
                return stack[stack.index(child) :] + [child]
            if child not in state and (cycle := visit(child)):
                return cycle
        stack.pop()
        state[node] = 2
        order.append(node)
        return None

    for node in graph:
        if node not in state and (cycle := visit(node)):
            return order, cycle
    return order, None


def evaluation_order(data: Mapping[str, Any], types: Types) -> list[tuple[str, str]]:
    """Items and scores, each after everything it depends on (definition order otherwise)."""
    order, cycle = _topological(_graph(data, types))
    if cycle:
        raise ValueError(f"cycle: {cycle}")
    return order


def _cycle_problems(data: Mapping[str, Any], types: Types) -> Found:
    _, cycle = _topological(_graph(data, types))
    if not cycle:
        return []
    chain = " -> ".join(f"{kind} {ident!r}" for kind, ident in cycle)
    kind, ident = cycle[0]
    index = [x["id"] for x in data["items" if kind == "item" else "scores"]].index(ident)
    path = f"$.{'items' if kind == 'item' else 'scores'}[{index}]"
    return [(path, f"depends on itself ({chain}): break the cycle")]


def score_bounds(
    data: Mapping[str, Any], types: Types, order: list[tuple[str, str]]
) -> dict[str, tuple[float, float, float]]:
    """(low, high, step) of every score, computed from its inputs' bounds."""
    item_bounds, item_steps = {}, {}
    for item in data["items"]:
        scale = data["scales"][item["scale"]]
        scale_type = types.scale_types[scale["type"]]
        if scale_type.numeric:
            item_bounds[item["id"]] = scale_type.bounds(scale)
            item_steps[item["id"]] = scale_type.step(scale)
    scores = {score["id"]: score for score in data.get("scores", [])}
    result: dict[str, tuple[float, float, float]] = {}
    context = Bounds(item_bounds, item_steps, {}, {})
    for kind, ident in order:
        if kind != "score":
            continue
        score = scores[ident]
        scorer = types.scorers[score["method"]]
        low, high = scorer.bounds(score, context)
        step = scorer.step(score, context)
        if "round" in score:
            step = 10.0 ** -score["round"] if step == 0 else max(step, 10.0 ** -score["round"])
        context.scores[ident] = (low, high)
        context.score_steps[ident] = step
        result[ident] = (low, high, step)
    return result


def _wording_problems(data: Mapping[str, Any], types: Types) -> Found:
    """Structure-only definitions carry no wording; the others carry it in every language."""
    found: Found = []
    languages = set(data["languages"])
    wording = data["wording"]
    texts = list(_wording_texts(data))
    if wording == "structure-only":
        if languages:
            found.append(
                (
                    "$.languages",
                    "a structure-only definition ships no wording: "
                    "make it [] (wording packs add languages)",
                )
            )
        found += [
            (
                path,
                "a structure-only definition ships no item wording: remove it and "
                "supply it in a wording pack",
            )
            for path, _, _ in texts
        ]
        return found
    if not languages:
        found.append(("$.languages", f"a definition with {wording} wording lists its languages"))
    for path, text, required in texts:
        for language in sorted(set(text) - languages):
            found.append(
                (
                    f"{path}.{language}",
                    f"language {language!r} is not in 'languages': "
                    "add it there or remove this text",
                )
            )
        if required:
            for language in sorted(languages - set(text)):
                found.append(
                    (
                        path,
                        f"no {language!r} text: add it (every listed language needs "
                        "the whole wording)",
                    )
                )
    for index, item in enumerate(data["items"]):
        if "text" not in item:
            found.append((f"$.items[{index}]", f'item {item["id"]!r} has no text: add "text"'))
    return found


def _wording_texts(data: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, str], bool]]:
    """(path, text, needed in every language) for each piece of respondent-facing wording."""
    if "stem" in data:
        yield "$.stem", data["stem"], True
    for index, item in enumerate(data["items"]):
        if "text" in item:
            yield f"$.items[{index}].text", item["text"], True
    for key, scale in data["scales"].items():
        for index, option in enumerate(scale.get("options", [])):
            if "label" in option:
                yield f"$.scales.{key}.options[{index}].label", option["label"], True
        for end, text in scale.get("anchors", {}).items():
            yield f"$.scales.{key}.anchors.{end}", text, True
        for answer, text in scale.get("labels", {}).items():
            yield f"$.scales.{key}.labels.{answer}", text, True
        if "unit" in scale:
            yield f"$.scales.{key}.unit", scale["unit"], True


def _score_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    order = evaluation_order(data, types)
    bounds = score_bounds(data, types, order)
    attributes = data.get("attributes", {})
    for index, score in enumerate(data.get("scores", [])):
        path = f"$.scores[{index}]"
        low, high, step = bounds[score["id"]]
        if "range" in score:
            declared_low, declared_high = score["range"]
            if declared_low > declared_high:
                found.append(
                    (
                        f"{path}.range",
                        f"min {declared_low:g} is greater than max {declared_high:g}: swap them",
                    )
                )
                continue
            if low < declared_low - _TOLERANCE or high > declared_high + _TOLERANCE:
                found.append(
                    (
                        f"{path}.range",
                        f"the score can range from {low:g} to {high:g}, "
                        f"outside the declared [{declared_low:g}, {declared_high:g}]: "
                        "correct the range or the items",
                    )
                )
            low, high = declared_low, declared_high
        found += _band_problems(score.get("bands", []), low, high, step, f"{path}.bands")
        cutoff_ids = [c["id"] for c in score.get("cutoffs", [])]
        for dup in dict.fromkeys(_duplicates(cutoff_ids)):
            found.append((f"{path}.cutoffs", f"cut-off id {dup!r} is used twice"))
        for c_index, cutoff in enumerate(score.get("cutoffs", [])):
            value = cutoff["value"]
            if isinstance(value, Mapping):
                c_path = f"{path}.cutoffs[{c_index}].value"
                name = value["attribute"]
                if name not in attributes:
                    found.append(
                        (
                            f"{c_path}.attribute",
                            f"unknown attribute {name!r}: declare it "
                            "under 'attributes' with its values",
                        )
                    )
                    continue
                for key in value["values"]:
                    if key not in attributes[name]["values"]:
                        found.append(
                            (
                                f"{c_path}.values.{key}",
                                f"{key!r} is not a value of "
                                f"attribute {name!r} ({', '.join(attributes[name]['values'])})",
                            )
                        )
    return found


def _band_problems(bands, low: float, high: float, step: float, path: str) -> Found:
    found: Found = []
    for index, band in enumerate(bands):
        if band["min"] > band["max"]:
            found.append(
                (
                    f"{path}[{index}]",
                    f"min {band['min']:g} is greater than max {band['max']:g}: swap them",
                )
            )
    if found or not bands:
        return found
    ordered = sorted(enumerate(bands), key=lambda pair: (pair[1]["min"], pair[1]["max"]))
    first_index, first = ordered[0]
    if first["min"] > low + _TOLERANCE:
        found.append(
            (
                f"{path}[{first_index}].min",
                f"scores from {low:g} up to {first['min']:g} "
                "fall in no band: start the lowest band at the score's minimum",
            )
        )
    for (_, previous), (index, band) in zip(ordered, ordered[1:], strict=False):
        gap = band["min"] - previous["max"]
        if step > 0:
            if gap <= _TOLERANCE:
                found.append(
                    (
                        f"{path}[{index}]",
                        f"band {band['id']!r} overlaps band "
                        f"{previous['id']!r}: start it at {previous['max'] + step:g}",
                    )
                )
            elif gap > step + _TOLERANCE:
                found.append(
                    (
                        f"{path}[{index}]",
                        f"scores between {previous['max']:g} and "
                        f"{band['min']:g} fall in no band: start {band['id']!r} at "
                        f"{previous['max'] + step:g}",
                    )
                )
        elif gap < -_TOLERANCE:
            found.append(
                (
                    f"{path}[{index}]",
                    f"band {band['id']!r} overlaps band "
                    f"{previous['id']!r}: start it at {previous['max']:g}",
                )
            )
        elif gap > _TOLERANCE:
            found.append(
                (
                    f"{path}[{index}]",
                    f"scores between {previous['max']:g} and "
                    f"{band['min']:g} fall in no band (the score is continuous): start "
                    f"{band['id']!r} at {previous['max']:g}, or round the score",
                )
            )
    last_index, last = max(enumerate(bands), key=lambda pair: pair[1]["max"])
    if last["max"] < high - _TOLERANCE:
        found.append(
            (
                f"{path}[{last_index}].max",
                f"scores above {last['max']:g} up to "
                f"{high:g} fall in no band: end the highest band at the score's maximum",
            )
        )
    return found


def _alert_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    for index, alert in enumerate(data.get("alerts", [])):
        alert_type = types.alert_types[alert["type"]]
        found += [
            (f"$.alerts[{index}]{suffix}", message)
            for suffix, message in alert_type.problems(alert, data)
        ]
    return found
