"""alliance_kit: measurement-based care for the therapeutic alliance.

The public Python API: what ``__all__`` lists here, and the modules named in the docs
(:mod:`alliance_kit.types` for plugin authors, :mod:`alliance_kit.hookspecs`,
:mod:`alliance_kit.ui.text` for widget plugins). Everything else is internal and may change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from alliance_kit.version import __version__

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.engine.responses import InvalidResponses, ResponseError, ResponseWarning
    from alliance_kit.engine.scoring import ScoreResult, score, validate_response
    from alliance_kit.hookspecs import hookimpl
    from alliance_kit.kit import Kit, build_kit, load_definition, try_load_definition
    from alliance_kit.problems import DefinitionError, Problem
    from alliance_kit.types import (
        STAFF,
        AlertInputs,
        AlertType,
        Bounds,
        Computed,
        Exporter,
        LocalProblem,
        Notice,
        Page,
        ScaleType,
        Scorer,
        ScoringInputs,
        Widget,
    )
    from alliance_kit.ui.text import plain

#: Where each public name lives. Names are imported on first use, so ``import alliance_kit``
#: (and the ``alliance-kit`` command's start-up) does not load pandas and the engine.
_HOMES = {
    "Instrument": "alliance_kit.engine.definitions",
    "InvalidResponses": "alliance_kit.engine.responses",
    "ResponseError": "alliance_kit.engine.responses",
    "ResponseWarning": "alliance_kit.engine.responses",
    "ScoreResult": "alliance_kit.engine.scoring",
    "score": "alliance_kit.engine.scoring",
    "validate_response": "alliance_kit.engine.scoring",
    "hookimpl": "alliance_kit.hookspecs",
    "Kit": "alliance_kit.kit",
    "build_kit": "alliance_kit.kit",
    "load_definition": "alliance_kit.kit",
    "try_load_definition": "alliance_kit.kit",
    "DefinitionError": "alliance_kit.problems",
    "Problem": "alliance_kit.problems",
    **dict.fromkeys(["STAFF", "AlertInputs", "AlertType", "Bounds", "Computed", "Exporter",
                     "LocalProblem", "Notice", "Page", "ScaleType", "Scorer", "ScoringInputs",
                     "Widget"],
                    "alliance_kit.types"),
    "plain": "alliance_kit.ui.text",
}


def __getattr__(name: str) -> Any:
    """A public name, or a subpackage (``alliance_kit.engine``), imported when first used."""
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    elif not name.startswith("_"):
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "STAFF",
    "AlertInputs",
    "AlertType",
    "Bounds",
    "Computed",
    "DefinitionError",
    "Exporter",
    "Instrument",
    "InvalidResponses",
    "Kit",
    "LocalProblem",
    "Notice",
    "Page",
    "Problem",
    "ResponseError",
    "ResponseWarning",
    "ScaleType",
    "ScoreResult",
    "Scorer",
    "ScoringInputs",
    "Widget",
    "__version__",
    "build_kit",
    "hookimpl",
    "load_definition",
    "plain",
    "score",
    "try_load_definition",
    "validate_response",
]
