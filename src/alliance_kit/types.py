"""The extension types that plugins register: scale types, scorers, alert types, exporters, pages.

Each is a small base class with a ``name`` (the word used in definitions) and a JSON
``schema`` for the fields that type adds. Subclass one, implement its abstract methods,
and return an instance from the matching ``register_*`` hook.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import datetime as dt

    import numpy as np
    import pandas as pd

    from alliance_kit.engine.attendance import AttendancePolicy
    from alliance_kit.engine.definitions import Instrument

#: A problem found in one part of a definition: (JSON path below that part, message).
LocalProblem = tuple[str, str]


class ScaleType:
    """A kind of response scale: what an answer may be, and the schema of the scale's fields."""

    name: ClassVar[str]
    schema: ClassVar[dict[str, Any]]
    #: False for answers that are never numbers and never scored (free text).
    numeric: ClassVar[bool] = True

    def allowed_values(self, scale: Mapping[str, Any]) -> np.ndarray | None:
        """The finite set of allowed values, or None when any value in the bounds is allowed."""
        return None

    def bounds(self, scale: Mapping[str, Any]) -> tuple[float, float]:
        """Smallest and largest possible answer (must for numeric types)."""
        values = self.allowed_values(scale)
        if values is None:
            raise TypeError(f"{type(self).__name__} has no fixed values: it must define bounds()")
        return float(values.min()), float(values.max())

    def step(self, scale: Mapping[str, Any]) -> float:
        """The spacing of possible answers: 1 for whole numbers, 0 for a continuum."""
        import numpy as np  # here, not at the top: plugins import this module at start-up

        values = self.allowed_values(scale)
        if values is not None and np.all(values == np.round(values)):
            return 1.0
        return 0.0

    def invalid(self, scale: Mapping[str, Any], values: np.ndarray) -> np.ndarray:
        """A boolean mask of answers that are not allowed; missing answers (NaN) are allowed."""
        import numpy as np

        present = ~np.isnan(values)
        allowed = self.allowed_values(scale)
        if allowed is not None:
            return present & ~np.isin(values, allowed)
        low, high = self.bounds(scale)
        return present & ((values < low) | (values > high))

    def describe(self, scale: Mapping[str, Any]) -> str:
        """The allowed answers in words, for error messages."""
        allowed = self.allowed_values(scale)
        if allowed is not None:
            return "one of " + ", ".join(_number(v) for v in allowed)
        low, high = self.bounds(scale)
        return f"a number from {_number(low)} to {_number(high)}"

    def answer_schema(self, scale: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON Schema for one answer on this scale."""
        allowed = self.allowed_values(scale)
        if allowed is not None:
            return {"enum": [_json_number(v) for v in allowed]}
        low, high = self.bounds(scale)
        return {"type": "number", "minimum": _json_number(low), "maximum": _json_number(high)}

    def problems(self, scale: Mapping[str, Any]) -> list[LocalProblem]:
        """Problems the JSON schema cannot see (e.g. min greater than max)."""
        return []


@dataclass
class Computed:
    """A score over all responses: values (NaN where missing) and why each missing one is."""

    values: np.ndarray
    #: Index into ``messages`` per row, -1 where the score was computed.
    reason_codes: np.ndarray
    messages: list[str] = field(default_factory=list)

    @classmethod
    def complete(cls, values: np.ndarray) -> Computed:
        import numpy as np

        return cls(values, np.full(values.shape[0], -1, dtype=np.int32), [])


@dataclass
class ScoringInputs:
    """What a scorer sees: item values after keying and skip rules, and scores computed so far."""

    items: Mapping[str, np.ndarray]
    scores: Mapping[str, np.ndarray]
    n_rows: int


@dataclass
class Bounds:
    """What a scorer sees when asked for its range: item and score bounds and steps."""

    items: Mapping[str, tuple[float, float]]
    item_steps: Mapping[str, float]
    scores: Mapping[str, tuple[float, float]]
    score_steps: Mapping[str, float]


class Scorer(ABC):
    """A score method: how a score is computed from items or other scores."""

    name: ClassVar[str]
    schema: ClassVar[dict[str, Any]]

    def item_inputs(self, score: Mapping[str, Any]) -> list[str]:
        """Ids of the items the score is built from."""
        return []

    def score_inputs(self, score: Mapping[str, Any]) -> list[str]:
        """Ids of the other scores the score is built from."""
        return []

    @abstractmethod
    def compute(self, score: Mapping[str, Any], inputs: ScoringInputs) -> Computed:
        """The score for every response at once (vectorized, no loop over rows)."""

    @abstractmethod
    def bounds(self, score: Mapping[str, Any], bounds: Bounds) -> tuple[float, float]:
        """The smallest and largest possible score."""

    def step(self, score: Mapping[str, Any], bounds: Bounds) -> float:
        """The spacing of possible scores: 1 for whole numbers, 0 for a continuum."""
        return 0.0

    def problems(
        self, score: Mapping[str, Any], definition: Mapping[str, Any]
    ) -> list[LocalProblem]:
        """Problems the JSON schema cannot see (e.g. weights for items not in the score)."""
        return []


@dataclass
class AlertInputs:
    """What an alert rule sees: answers, scores and flags of every response, and the series."""

    instrument: Instrument
    #: Numeric answers by item id as given (skip rules applied, not reverse-keyed).
    items: Mapping[str, np.ndarray]
    scores: pd.DataFrame
    flags: pd.DataFrame
    #: Per-row client id and order within the client's series, or None for single responses.
    client: np.ndarray | None = None
    order: np.ndarray | None = None
    #: By item id: True where the item was asked but has no valid answer (None: unknown,
    #: then a blank answer counts as unanswered).
    unanswered: Mapping[str, np.ndarray] | None = None
    #: Per row, how messages name the response ("session 3"); None: by its ``order``.
    labels: np.ndarray | None = None
    #: True for rows left unscored because of a bad value (``bad_rows="blank"``).
    bad_rows: np.ndarray | None = None


class AlertType(ABC):
    """An alert rule type: when it fires for a response."""

    name: ClassVar[str]
    schema: ClassVar[dict[str, Any]]
    #: True when the rule compares a response with the client's earlier ones.
    needs_series: ClassVar[bool] = False

    def item_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        """Ids of the items the rule reads."""
        return []

    def score_inputs(self, alert: Mapping[str, Any]) -> list[str]:
        """Ids of the scores the rule reads."""
        return []

    @abstractmethod
    def evaluate(
        self, alert: Mapping[str, Any], inputs: AlertInputs
    ) -> tuple[np.ndarray, np.ndarray]:
        """(fires, value) per response: a boolean mask, and the value that made it fire."""

    def problems(
        self, alert: Mapping[str, Any], definition: Mapping[str, Any]
    ) -> list[LocalProblem]:
        """Problems the JSON schema cannot see (e.g. a drop rule on a score without norms)."""
        return []

    def details(self, alert: Mapping[str, Any], inputs: AlertInputs) -> np.ndarray | None:
        """Optional per-response words added to the alert's message (e.g. which earlier
        session a drop was measured from); None, or None in a row, for nothing."""
        return None

    def describe(self, alert: Mapping[str, Any], definition: Mapping[str, Any]) -> str:
        """The rule in words for staff ("when item '9' is at or above 1")."""
        shown = {"id", "type", "severity", "message", "note"}
        rest = ", ".join(f"{key} {value}" for key, value in alert.items() if key not in shown)
        return f"{self.name}: {rest}"


@dataclass(frozen=True)
class Exporter:
    """Writes a table to a file of one or more suffixes.

    ``write(frame, target)`` gets a path (the CLI's ``-o``) or a binary file object (the
    app's export page builds the download in memory). The CLI picks the writer by the output
    file's suffix; the app offers every registered writer by ``name``, labelled with its
    ``description``, and serves the file as ``media_type``.
    """

    name: str
    suffixes: Sequence[str]
    write: Callable[[pd.DataFrame, Any], None]
    description: str = ""
    media_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Widget:
    """How the kiosk asks items of one scale type (see the ``register_widgets`` hook)."""

    scale_type: str
    render: Callable[..., None]


@dataclass(frozen=True)
class Notice:
    """A message that alerts need a person's attention (see the ``notify`` hook).

    It carries no client data: ``subject`` and ``text`` say only that an alert needs
    attention, in the clinic's language, and ``link`` is where staff log in to see it.
    ``id`` names this notice (the same on every retry, so a receiver can drop repeats);
    ``severity`` ("safety" or "warning") and ``clinic`` (the team's name) let a plugin
    choose where to send it.
    """

    id: str
    subject: str
    text: str
    link: str
    severity: str
    clinic: str
    created_at: dt.datetime


#: Who can be shown a page: nobody logged in, a kiosk hand-over, or a staff role.
ANONYMOUS, KIOSK = "anonymous", "kiosk"
STAFF = frozenset({"therapist", "supervisor", "admin"})


@dataclass(frozen=True)
class Page:
    """An app page: a title, a function that draws it, where it sits, and who may see it.

    ``render`` receives the :class:`alliance_kit.ui.context.App` of the current session.
    The navigation is built per session from the pages whose ``roles`` include the
    session's role, so a page not listed for a role cannot be reached by it at all (not
    by link, URL or page switch). Kiosk pages list only ``"kiosk"``.
    """

    title: str
    render: Callable[..., None]
    url_path: str
    icon: str | None = None
    section: str = "Instruments"
    roles: frozenset[str] = STAFF
    default: bool = False


@dataclass
class AttendanceInputs:
    """What an attendance rule sees: one client's current episode and its alliance results."""

    client_id: int
    #: The episode's appointments, oldest first: session_id, date, time, status, number,
    #: episode_id (see :mod:`alliance_kit.engine.attendance`).
    sessions: pd.DataFrame
    #: One row per alliance result at the episode's sessions: session_id, date,
    #: instrument_id, value, low (bool) and why (the reason it is low, in words).
    alliance: pd.DataFrame
    policy: AttendancePolicy
    today: dt.date
    episode_started: dt.date


@dataclass(frozen=True)
class AttendanceFinding:
    """One alert an attendance rule raises. ``trigger`` names what raised it (e.g.
    "session:12"): a finding whose trigger is already stored is not stored again."""

    trigger: str
    message: str
    value: float | None = None
    session_id: int | None = None


class AttendanceRule(ABC):
    """An attendance alert: when a client is at risk of not coming back.

    Rules are evaluated whenever attendance is recorded for a client and by the
    time-based sweep, only while the client's episode is open. They are switched off by
    an admin as ``attendance:<name>`` (alert settings).
    """

    name: ClassVar[str]
    severity: ClassVar[str] = "warning"
    #: A few words for lists and settings pages.
    title: ClassVar[str]
    #: True when an open alert of this rule is closed by the system once it no longer
    #: applies (the client came back); False when a person must look at it.
    auto_resolve: ClassVar[bool] = False

    def describe(self, policy: AttendancePolicy) -> str:
        """The rule in words for staff, with the clinic's settings."""
        return self.title

    @abstractmethod
    def evaluate(self, inputs: AttendanceInputs) -> list[AttendanceFinding]:
        """What the rule finds now (empty when nothing)."""


def _number(value: float) -> str:
    return f"{value:g}"


def _json_number(value: float) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else value


@dataclass
class Types:
    """The registered scale types, scorers and alert types, by name."""

    scale_types: dict[str, ScaleType] = field(default_factory=dict)
    scorers: dict[str, Scorer] = field(default_factory=dict)
    alert_types: dict[str, AlertType] = field(default_factory=dict)
