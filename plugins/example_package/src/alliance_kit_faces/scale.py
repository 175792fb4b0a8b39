"""The ``faces-5`` scale type: five faces valued 1 (very bad) to 5 (very good)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from alliance_kit.types import LocalProblem, ScaleType

#: The picture for each value. The respondent also sees (and a screen reader reads) a label.
FACES = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}
#: Labels used when a definition's scale has none in the respondent's language.
DEFAULT_LABELS = {1: "Very bad", 2: "Bad", 3: "So-so", 4: "Good", 5: "Very good"}
VALUES = np.arange(1.0, 6.0)


class FacesScale(ScaleType):
    """Five faces, valued 1 to 5; each option may carry a text label per language."""

    name = "faces-5"
    schema = json.loads(Path(__file__).with_name("faces-5.schema.json").read_text("utf-8"))

    def allowed_values(self, scale: Mapping[str, Any]) -> np.ndarray:
        return VALUES

    def describe(self, scale: Mapping[str, Any]) -> str:
        return "a face from 1 (very bad) to 5 (very good)"

    def problems(self, scale: Mapping[str, Any]) -> list[LocalProblem]:
        values = [option["value"] for option in scale["options"]]
        if values == [1, 2, 3, 4, 5]:
            return []
        return [(".options", f"the faces must be the values 1, 2, 3, 4, 5 in that order, "
                             f"not {', '.join(f'{v:g}' for v in values)}")]
