"""What refers to what: duplicate ids, references to items and scores, cycles, the order
items and scores are evaluated in, and each score's possible range."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from alliance_kit.engine.checks.shape import Found
from alliance_kit.types import Bounds, Types


def duplicates(ids: list[str]) -> list[str]:
    seen: set[str] = set()
    return [i for i in ids if i in seen or seen.add(i)]


def reference_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    item_ids = [item["id"] for item in data["items"]]
    score_ids = [score["id"] for score in data.get("scores", [])]
    for what, ids, path in (
        ("item", item_ids, "$.items"),
        ("score", score_ids, "$.scores"),
        ("alert", [a["id"] for a in data.get("alerts", [])], "$.alerts"),
    ):
        for dup in dict.fromkeys(duplicates(ids)):
            index = len(ids) - 1 - ids[::-1].index(dup)
            found.append(
                (f"{path}[{index}].id", f"{what} id {dup!r} is used twice: ids must be unique")
            )
    found += _when_missing_problems(data.get("alerts", []))
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


def _when_missing_problems(alerts: list[Mapping[str, Any]]) -> Found:
    """A ``when_missing`` rule's id must differ from every other alert rule's."""
    found: Found = []
    taken = {alert["id"] for alert in alerts}
    for index, alert in enumerate(alerts):
        if "when_missing" not in alert:
            continue
        name = alert["when_missing"]["id"]
        if name in taken:
            found.append((f"$.alerts[{index}].when_missing.id",
                          f"alert id {name!r} is used twice: the rule raised when "
                          f"{alert['id']!r} cannot be judged needs an id of its own"))
        taken.add(name)
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


def cycle_problems(data: Mapping[str, Any], types: Types) -> Found:
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
