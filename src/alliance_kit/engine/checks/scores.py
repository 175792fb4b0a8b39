"""Scores, bands and alert rules: ranges, bands without gaps or overlaps, cut-offs and
the norms a reliable-change rule needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from alliance_kit.engine.checks.references import duplicates, evaluation_order, score_bounds
from alliance_kit.engine.checks.shape import Found
from alliance_kit.types import Types

#: Slack for comparing bounds computed in floating point.
TOLERANCE = 1e-9


def score_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    order = evaluation_order(data, types)
    bounds = score_bounds(data, types, order)
    attributes = data.get("attributes", {})
    for index, score in enumerate(data.get("scores", [])):
        path = f"$.scores[{index}]"
        if "round_when" in score and "round" not in score:
            found.append((f"{path}.round_when", "only means something with 'round': remove it "
                          "or say how many decimals to round to"))
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
            if low < declared_low - TOLERANCE or high > declared_high + TOLERANCE:
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
        for dup in dict.fromkeys(duplicates(cutoff_ids)):
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
    if first["min"] > low + TOLERANCE:
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
            if gap <= TOLERANCE:
                found.append(
                    (
                        f"{path}[{index}]",
                        f"band {band['id']!r} overlaps band "
                        f"{previous['id']!r}: start it at {previous['max'] + step:g}",
                    )
                )
            elif gap > step + TOLERANCE:
                found.append(
                    (
                        f"{path}[{index}]",
                        f"scores between {previous['max']:g} and "
                        f"{band['min']:g} fall in no band: start {band['id']!r} at "
                        f"{previous['max'] + step:g}",
                    )
                )
        elif gap < -TOLERANCE:
            found.append(
                (
                    f"{path}[{index}]",
                    f"band {band['id']!r} overlaps band "
                    f"{previous['id']!r}: start it at {previous['max']:g}",
                )
            )
        elif gap > TOLERANCE:
            found.append(
                (
                    f"{path}[{index}]",
                    f"scores between {previous['max']:g} and "
                    f"{band['min']:g} fall in no band (the score is continuous): start "
                    f"{band['id']!r} at {previous['max']:g}, or round the score",
                )
            )
    last_index, last = max(enumerate(bands), key=lambda pair: pair[1]["max"])
    if last["max"] < high - TOLERANCE:
        found.append(
            (
                f"{path}[{last_index}].max",
                f"scores above {last['max']:g} up to "
                f"{high:g} fall in no band: end the highest band at the score's maximum",
            )
        )
    return found


def alert_problems(data: Mapping[str, Any], types: Types) -> Found:
    found: Found = []
    for index, alert in enumerate(data.get("alerts", [])):
        alert_type = types.alert_types[alert["type"]]
        found += [
            (f"$.alerts[{index}]{suffix}", message)
            for suffix, message in alert_type.problems(alert, data)
        ]
    return found
