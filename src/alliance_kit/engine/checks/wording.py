"""Wording a definition may ship: texts in every declared language, none in a
structure-only definition."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from alliance_kit.engine.checks.shape import Found
from alliance_kit.types import Types


def wording_problems(data: Mapping[str, Any], types: Types) -> Found:
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
