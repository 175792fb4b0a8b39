"""Built-in response scale types: options, visual-analogue, numeric, text, yes-no."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from alliance_kit.engine import jsonschemas
from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import LocalProblem, ScaleType


def _schema(name: str) -> dict[str, Any]:
    return jsonschemas.bundled()[f"{jsonschemas.BASE}scale-{name}.schema.json"]


class OptionsScale(ScaleType):
    """Ordered options, each a value and a label; values need not be consecutive (AUDIT 0/2/4)."""

    name = "options"
    schema = _schema("options")

    def allowed_values(self, scale: Mapping[str, Any]) -> np.ndarray:
        return np.array(sorted(float(o["value"]) for o in scale["options"]))

    def problems(self, scale: Mapping[str, Any]) -> list[LocalProblem]:
        values = [o["value"] for o in scale["options"]]
        return [
            (
                f".options[{index}].value",
                f"value {value:g} is used by two options: values must be unique",
            )
            for index, value in enumerate(values)
            if value in values[:index]
        ]


class VisualAnalogueScale(ScaleType):
    """A line between two anchors, answered by a position from min to max in steps."""

    name = "visual-analogue"
    schema = _schema("visual-analogue")

    def bounds(self, scale: Mapping[str, Any]) -> tuple[float, float]:
        return float(scale["min"]), float(scale["max"])

    def step(self, scale: Mapping[str, Any]) -> float:
        return float(scale["step"])

    def invalid(self, scale: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
        low, high = self.bounds(scale)
        steps = (values - low) / scale["step"]
        off_grid = np.abs(steps - np.round(steps)) > 1e-6
        return ~np.isnan(values) & ((values < low) | (values > high) | off_grid)

    def describe(self, scale: Mapping[str, Any]) -> str:
        return f"a number from {scale['min']:g} to {scale['max']:g} in steps of {scale['step']:g}"

    def answer_schema(self, scale: Mapping[str, Any]) -> dict[str, Any]:
        # No "multipleOf": JSON Schema checks it in binary floating point, where 9.6 is not
        # a multiple of 0.1. The step is checked by invalid(), with a tolerance.
        return {"type": "number", "minimum": scale["min"], "maximum": scale["max"]}

    def problems(self, scale: Mapping[str, Any]) -> list[LocalProblem]:
        if scale["min"] >= scale["max"]:
            return [(".min", f"min {scale['min']:g} is not below max {scale['max']:g}: swap them")]
        steps = (scale["max"] - scale["min"]) / scale["step"]
        if abs(steps - round(steps)) > 1e-6:
            return [
                (
                    ".step",
                    f"step {scale['step']:g} does not divide the range "
                    f"{scale['min']:g} to {scale['max']:g} evenly",
                )
            ]
        return []


class NumericScale(ScaleType):
    """A number typed in, between min and max, optionally whole."""

    name = "numeric"
    schema = _schema("numeric")

    def bounds(self, scale: Mapping[str, Any]) -> tuple[float, float]:
        return float(scale["min"]), float(scale["max"])

    def step(self, scale: Mapping[str, Any]) -> float:
        return 1.0 if scale.get("integer") else 0.0

    def invalid(self, scale: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
        bad = super().invalid(scale, values)
        if scale.get("integer"):
            bad |= ~np.isnan(values) & (values != np.round(values))
        return bad

    def describe(self, scale: Mapping[str, Any]) -> str:
        whole = "a whole number" if scale.get("integer") else "a number"
        return f"{whole} from {scale['min']:g} to {scale['max']:g}"

    def answer_schema(self, scale: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": "integer" if scale.get("integer") else "number",
            "minimum": scale["min"],
            "maximum": scale["max"],
        }

    def problems(self, scale: Mapping[str, Any]) -> list[LocalProblem]:
        if scale["min"] > scale["max"]:
            return [
                (".min", f"min {scale['min']:g} is greater than max {scale['max']:g}: swap them")
            ]
        return []


class TextScale(ScaleType):
    """Free text: stored and shown to the therapist, never scored."""

    name = "text"
    schema = _schema("text")
    numeric = False

    def max_length(self, scale: Mapping[str, Any]) -> int:
        return int(scale.get("max_length", 5000))

    def bounds(self, scale: Mapping[str, Any]) -> tuple[float, float]:
        raise TypeError("free text has no numeric bounds")

    def invalid(self, scale: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
        limit = self.max_length(scale)
        return np.array([isinstance(v, str) and (len(v) > limit or "\x00" in v)
                         for v in values], dtype=bool)

    def describe(self, scale: Mapping[str, Any]) -> str:
        return f"text of at most {self.max_length(scale):,} characters, with no NUL character"

    def answer_schema(self, scale: Mapping[str, Any]) -> dict[str, Any]:
        # NUL is never meaningful in text and PostgreSQL cannot store it.
        return {"type": "string", "maxLength": self.max_length(scale), "pattern": "^[^\\x00]*$"}


class YesNoScale(ScaleType):
    """Yes (1) or no (0)."""

    name = "yes-no"
    schema = _schema("yes-no")

    def allowed_values(self, scale: Mapping[str, Any]) -> np.ndarray:
        return np.array([0.0, 1.0])


@hookimpl
def register_scale_types():
    return [OptionsScale(), VisualAnalogueScale(), NumericScale(), TextScale(), YesNoScale()]
