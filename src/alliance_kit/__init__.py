"""alliance_kit: measurement-based care for the therapeutic alliance.

The public Python API. Everything else is internal and may change.
"""

from alliance_kit.definitions import Instrument, Problem, load_definition
from alliance_kit.hookspecs import hookimpl
from alliance_kit.kit import Kit, build_kit
from alliance_kit.responses import InvalidResponses, ResponseError
from alliance_kit.scoring import ScoreResult, score
from alliance_kit.version import __version__

__all__ = [
    "Instrument",
    "InvalidResponses",
    "Kit",
    "Problem",
    "ResponseError",
    "ScoreResult",
    "__version__",
    "build_kit",
    "hookimpl",
    "load_definition",
    "score",
]
