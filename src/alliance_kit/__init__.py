"""alliance_kit: measurement-based care for the therapeutic alliance.

The public Python API: what ``__all__`` lists here, and the modules named in the docs
(:mod:`alliance_kit.types` for plugin authors, :mod:`alliance_kit.hookspecs`,
:mod:`alliance_kit.ui.text` for widget plugins). Everything else is internal and may change.
"""

from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import InvalidResponses, ResponseError
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
from alliance_kit.version import __version__

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
