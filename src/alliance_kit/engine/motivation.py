"""A client's motivation, from what they answered: the readiness ruler's importance and
confidence (and their quadrant), the URICA stage (the highest subscale) and readiness score,
and AUDIT-C where given.

Two things live here, with no database:

- :func:`measures` — what a guidance condition may name for an instrument: its numeric
  items, its scores, ``<score>_<cutoff>`` flags, ``<score>_band`` bands, and the derived
  ``quadrant`` (readiness ruler) and ``stage`` (URICA);
- :func:`build_profile` — a client's profile over time from their stored responses
  (:class:`~alliance_kit.engine.records.Record`): one point per response, and the latest
  values of every instrument, which is what guidance is matched against.

The quadrant split (:data:`HIGH_FROM`) is a project default, not a published cut-off; the
URICA stage is the subscale with the highest mean, all tied ones when there is a tie.
Readiness-score ranges for stages that some scoring guides use are not applied (unverified).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.records import Record
from alliance_kit.engine.scoring import score

READINESS_RULER = "readiness-ruler"
URICA = "urica"
AUDIT_C = "audit-c"
#: The instruments a profile is built from, in the order it shows them.
PROFILE_INSTRUMENTS = (READINESS_RULER, URICA, AUDIT_C)
#: A ruler answer at or above this is "high" (project default, not a published cut-off).
HIGH_FROM = 6
#: Quadrant of (importance high?, confidence high?).
QUADRANTS = {(False, False): "both-low", (False, True): "importance-low",
             (True, False): "confidence-low", (True, True): "both-high"}
QUADRANT_WORDS = {"both-low": "low importance, low confidence",
                  "importance-low": "low importance, high confidence",
                  "confidence-low": "high importance, low confidence",
                  "both-high": "high importance, high confidence"}
#: URICA subscale score id -> stage, in the order of change.
STAGES = {"pc": "precontemplation", "c": "contemplation", "a": "action", "m": "maintenance"}


@dataclass(frozen=True)
class Measure:
    """Something a guidance condition can compare: a number, a category or a yes/no flag."""

    name: str
    kind: str  # "number", "category" or "flag"
    #: Where it comes from: "item", "score", "band", "flag" or "derived".
    source: str
    range: tuple[float, float] | None = None
    values: tuple[str, ...] = ()


def measures(instrument: Instrument) -> dict[str, Measure]:
    """Every name a condition may use for this instrument, with its kind and range."""
    found: dict[str, Measure] = {}
    for item in instrument.items:
        if item.scale_type.numeric and item.bounds is not None:
            found[item.id] = Measure(item.id, "number", "item", tuple(item.bounds))
    for spec in instrument.scores:
        found[spec.id] = Measure(spec.id, "number", "score", tuple(spec.range))
        if spec.bands:
            name = f"{spec.id}_band"
            found.setdefault(name, Measure(name, "category", "band",
                                           values=tuple(b["id"] for b in spec.bands)))
        for cutoff in spec.cutoffs:
            name = f"{spec.id}_{cutoff['id']}"
            found.setdefault(name, Measure(name, "flag", "flag"))
    if instrument.id == READINESS_RULER:
        found.setdefault("quadrant", Measure("quadrant", "category", "derived",
                                             values=tuple(QUADRANT_WORDS)))
    if instrument.id == URICA and set(STAGES) <= {s.id for s in instrument.scores}:
        found.setdefault("stage", Measure("stage", "category", "derived",
                                          values=tuple(STAGES.values())))
    return found


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def quadrant(importance: float | None, confidence: float | None,
             high_from: float = HIGH_FROM) -> str | None:
    """The readiness-ruler quadrant, or None without both rulers."""
    if importance is None or confidence is None:
        return None
    return QUADRANTS[importance >= high_from, confidence >= high_from]


def stage(subscales: Mapping[str, float | None]) -> tuple[str, ...]:
    """URICA stage(s): the subscale(s) with the highest mean; () when any is missing."""
    values = {key: _number(subscales.get(key)) for key in STAGES}
    if any(v is None for v in values.values()):
        return ()
    best = max(values.values())
    return tuple(STAGES[key] for key, v in values.items() if math.isclose(v, best))


def derive(instrument_id: str, values: Mapping[str, Any],
           high_from: float = HIGH_FROM) -> dict[str, Any]:
    """The derived measures (quadrant, stage) from an instrument's scores or items."""
    derived: dict[str, Any] = {}
    if instrument_id == READINESS_RULER:
        importance = _number(values.get("importance-score", values.get("importance")))
        confidence = _number(values.get("confidence-score", values.get("confidence")))
        found = quadrant(importance, confidence, high_from)
        if found:
            derived["quadrant"] = found
    elif instrument_id == URICA:
        found_stage = stage(values)
        if found_stage:
            derived["stage"] = found_stage
    return derived


def score_values(instrument: Instrument, answers: Mapping[str, Any],
                 attributes: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every measure of one response from its answers: items, scores, bands, flags, derived.

    Raises :class:`~alliance_kit.engine.responses.InvalidResponses` for answers off the scale.
    """
    return score_rows(instrument, [{**dict(attributes or {}), **dict(answers)}])[0]


def score_rows(instrument: Instrument, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """:func:`score_values` for many responses (answers and attributes in one dict each),
    scored in one vectorized pass."""
    result = score(instrument, pd.DataFrame(rows) if rows else pd.DataFrame())
    out: list[dict[str, Any]] = [{} for _ in rows]
    for item_id, column in result.item_values.items():
        for index, value in enumerate(column):
            number = _number(value)
            if number is not None:
                out[index][item_id] = number
    for score_id in result.scores.columns:
        for index, value in enumerate(result.scores[score_id].to_numpy()):
            number = _number(value)
            if number is not None:
                out[index][score_id] = number
    for score_id in result.bands.columns:
        for index, band in enumerate(result.bands[score_id]):
            if isinstance(band, str):
                out[index][f"{score_id}_band"] = band
    for name in result.flags.columns:
        for index, flag in enumerate(result.flags[name]):
            if flag is not pd.NA and flag is not None:
                out[index][name] = bool(flag)
    return [values | derive(instrument.id, values) for values in out]


def _computed(instrument: Instrument, records: list[Record]) -> list[dict[str, Any]]:
    """Measures from the answers, all of one instrument's records at once; a record that
    no longer validates (stored under an older version) gets only its stored scores."""
    rows = [{**dict(r.attributes), **dict(r.answers)} for r in records]
    try:
        return score_rows(instrument, rows)
    except ValueError:
        found = []
        for row in rows:
            try:
                found.append(score_rows(instrument, [row])[0])
            except ValueError:
                found.append({})
        return found


@dataclass(frozen=True)
class ProfilePoint:
    """One response that feeds the profile: when, which instrument, and its measures."""

    when: dt.datetime
    session: int | None
    instrument_id: str
    language: str
    values: Mapping[str, Any]


@dataclass
class MotivationProfile:
    """A client's motivation over time, and the latest values per instrument."""

    points: list[ProfilePoint] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Mapping[str, Any]]:
        """The newest values of each instrument: what guidance is matched against."""
        found: dict[str, Mapping[str, Any]] = {}
        for point in self.points:
            found[point.instrument_id] = point.values
        return found

    def latest_point(self, instrument_id: str) -> ProfilePoint | None:
        return next((p for p in reversed(self.points) if p.instrument_id == instrument_id),
                    None)

    @property
    def empty(self) -> bool:
        return not self.points

    def summary(self) -> dict[str, Any]:
        """The headline figures, each None when not answered yet."""
        latest = self.latest
        ruler, urica, audit = (latest.get(i, {}) for i in PROFILE_INSTRUMENTS)
        return {
            "importance": ruler.get("importance-score", ruler.get("importance")),
            "confidence": ruler.get("confidence-score", ruler.get("confidence")),
            "quadrant": ruler.get("quadrant"),
            "stage": " / ".join(urica.get("stage", ())) or None,
            "readiness": urica.get("readiness"),
            "audit_c": audit.get("total"),
            "audit_c_positive": audit.get("total_positive"),
        }

    def table(self) -> pd.DataFrame:
        """The profile over time: one row per date with the values known by then."""
        rows: list[dict[str, Any]] = []
        known: dict[str, Mapping[str, Any]] = {}
        for point in self.points:
            known[point.instrument_id] = point.values
            step = MotivationProfile([ProfilePoint(point.when, point.session, i, "", v)
                                      for i, v in known.items()])
            row = {"date": point.when, "session": point.session,
                   "instrument": point.instrument_id, **step.summary()}
            if rows and rows[-1]["date"].date() == point.when.date():
                rows[-1] = {**row, "instrument": f"{rows[-1]['instrument']}, "
                                                  f"{point.instrument_id}"}
            else:
                rows.append(row)
        columns = ["date", "session", "instrument", "importance", "confidence", "quadrant",
                   "stage", "readiness", "audit_c", "audit_c_positive"]
        return pd.DataFrame(rows, columns=columns)


def build_profile(instruments: Mapping[str, Instrument], records: Iterable[Record],
                  high_from: float = HIGH_FROM) -> MotivationProfile:
    """A profile from stored responses (any order; others than the profile's are ignored).

    Stored scores are used as stored (they carry the version that made them); bands, flags
    and derived measures are computed from the answers with the current definition.
    """
    chosen = sorted((r for r in records if r.instrument_id in PROFILE_INSTRUMENTS
                     and r.instrument_id in instruments),
                    key=lambda r: (r.date, r.submitted_at, r.response_id))
    computed: dict[int, dict[str, Any]] = {}
    for instrument_id in {r.instrument_id for r in chosen}:
        mine = [r for r in chosen if r.instrument_id == instrument_id]
        computed.update(zip((id(r) for r in mine),
                            _computed(instruments[instrument_id], mine), strict=True))
    points = []
    for record in chosen:
        values = computed[id(record)]
        for score_id, (value, band) in record.scores.items():
            number = _number(value)
            if number is not None:
                values[score_id] = number
            if band:
                values[f"{score_id}_band"] = band
        values |= derive(record.instrument_id, values, high_from)
        # When it was answered: the session's date when linked to one (history imported or
        # entered later keeps its place), else the moment it was submitted.
        when = record.submitted_at if record.session_date is None else dt.datetime.combine(
            record.session_date, dt.time(12), tzinfo=dt.UTC)
        points.append(ProfilePoint(when, record.session, record.instrument_id,
                                   record.language, values))
    return MotivationProfile(points)


__all__ = ["AUDIT_C", "HIGH_FROM", "PROFILE_INSTRUMENTS", "QUADRANTS", "QUADRANT_WORDS",
           "READINESS_RULER", "STAGES", "URICA", "Measure", "MotivationProfile",
           "ProfilePoint", "build_profile", "derive", "measures", "quadrant", "score_rows",
           "score_values", "stage"]
