"""The scoring engine: one vectorized code path for one response and for a million.

Order of work, all column-wise over every response at once: check each answer against its
scale; apply skip rules (``ask_if``) in dependency order; reverse-key; compute each score
with its method; round; then bands and cut-off flags (from the rounded score, or from the
unrounded one when the score says ``"round_when": "after-bands"``). A score that cannot be
computed is NaN with a reason, never 0.

A bad value (off its scale, not a number) rejects the whole table by default
(``bad_rows="reject"``); with ``bad_rows="blank"`` every row is scored, a bad row's scores
are blank and its errors are in :attr:`ScoreResult.row_errors`. An answer to an item its
skip rule did not ask, and an attribute value the definition does not list, never reject:
they are scored as the rules say and reported in :attr:`ScoreResult.row_warnings` (the
kiosk and the clinic's database refuse them: :func:`validate_response`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alliance_kit.engine import rules
from alliance_kit.engine.attributes import cutoff_flag, read_attributes
from alliance_kit.engine.responses import (
    MAX_REPORTED,
    InvalidResponses,
    ResponseError,
    ResponseWarning,
    answers_frame,
    by_row,
    read_answers,
    schema_problems,
)
from alliance_kit.types import Computed, ScoringInputs
from alliance_kit.version import __version__ as ENGINE_VERSION

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument, Item, Score

#: What ``score(..., bad_rows=...)`` does with a row that has a bad value.
BAD_ROWS = ("reject", "blank")
#: ``ResponseWarning.kind`` of an answer to an item its skip rule did not ask.
NOT_ASKED = "not-asked"
#: Why a bad row's scores are blank (``bad_rows="blank"``).
BAD_ROW_REASON = "not scored: the row has a bad value (see its errors)"


@dataclass
class ScoreResult:
    """Scores of many responses, with the versions that produced them."""

    instrument_id: str
    instrument_version: str
    engine_version: str
    #: One float column per score id (NaN where not computable), indexed like the input.
    scores: pd.DataFrame
    #: One categorical column per score that has bands: the band id, or missing.
    bands: pd.DataFrame
    #: One nullable boolean column ``<score>_<cutoff>`` per cut-off.
    flags: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    _computed: dict[str, Computed] = field(default_factory=dict, repr=False)
    _items: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _answers: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: With ``bad_rows="blank"``: every bad value, by row (0-based position) and item.
    row_errors: list[ResponseError] = field(default_factory=list)
    #: Answers the skip rules did not ask, and attribute values not listed, by row.
    row_warnings: list[ResponseWarning] = field(default_factory=list)
    _unanswered: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def item_values(self) -> Mapping[str, np.ndarray]:
        """Numeric answers by item id as given, after skip rules (not reverse-keyed)."""
        return self._answers

    @property
    def unanswered(self) -> Mapping[str, np.ndarray]:
        """By numeric item id: True where the item was asked (no skip rule skipped it) but
        has no valid answer (blank, or a bad value under ``bad_rows="blank"``)."""
        return self._unanswered

    @property
    def bad_rows(self) -> np.ndarray:
        """True for each row with a bad value (only ever set with ``bad_rows="blank"``)."""
        bad = np.zeros(len(self.scores), dtype=bool)
        bad[[e.row for e in self.row_errors]] = True
        return bad

    def errors_by_row(self) -> pd.Series:
        """Each row's bad values in words (``item '3': 7 is not allowed: give one of 0, 1,
        2, 3``), '; '-joined; None for a row without any."""
        return pd.Series(by_row(self.row_errors, len(self.scores)), index=self.scores.index,
                         dtype=object, name="error")

    def warnings_by_row(self) -> pd.Series:
        """Each row's warnings in words, '; '-joined; None for a row without any."""
        names = {w.column: w.column for w in self.row_warnings if w.kind != NOT_ASKED}
        return pd.Series(by_row(self.row_warnings, len(self.scores), names),
                         index=self.scores.index, dtype=object, name="warning")

    def answers(self) -> pd.DataFrame:
        """:attr:`item_values` as a table indexed like the input."""
        return pd.DataFrame(self._answers, index=self.scores.index)


    def keyed_items(self) -> pd.DataFrame:
        """Numeric item values as scored: skip rules applied and reverse items reversed."""
        return pd.DataFrame(self._items, index=self.scores.index)

    def reasons(self) -> pd.DataFrame:
        """Why each missing score is missing (None where the score was computed)."""
        columns = {}
        for score_id, computed in self._computed.items():
            messages = np.array([*computed.messages, None], dtype=object)
            columns[score_id] = messages[computed.reason_codes]
        return pd.DataFrame(columns, index=self.scores.index)

    def after(self, previous: pd.DataFrame) -> ScoreResult:
        """This result preceded by earlier scores (e.g. a client's stored history).

        ``previous`` has one column per score id. The earlier rows have no answers, bands
        or flags here: series alert rules (drop, reliable change) read only their scores.
        """
        n = len(previous)
        scores = pd.concat([previous.reindex(columns=self.scores.columns).astype(float),
                            self.scores.reset_index(drop=True)], ignore_index=True)
        pad = np.full(n, np.nan)
        flags = pd.DataFrame(
            {c: pd.array([pd.NA] * n + list(self.flags[c]), dtype="boolean")
             for c in self.flags.columns}, index=scores.index)
        bands = pd.DataFrame(
            {c: pd.Categorical([None] * n + list(self.bands[c]),
                               categories=self.bands[c].cat.categories)
             for c in self.bands.columns}, index=scores.index)
        computed = {
            k: Computed(scores[k].to_numpy(float),
                        np.r_[np.full(n, -1), c.reason_codes].astype(np.int32), c.messages)
            for k, c in self._computed.items()}
        return ScoreResult(
            self.instrument_id, self.instrument_version, self.engine_version, scores, bands,
            flags, list(self.warnings), computed,
            {k: np.r_[pad, v] for k, v in self._items.items()},
            {k: np.r_[pad, v] for k, v in self._answers.items()},
            _unanswered={k: np.r_[np.zeros(n, dtype=bool), v]
                         for k, v in self._unanswered.items()},
        )

    def to_frame(
        self, *, bands: bool = True, flags: bool = False, reasons: bool = False,
        errors: bool = False, warnings: bool = False,
    ) -> pd.DataFrame:
        """Scores side by side: ``<score>``, then ``<score>_band`` where bands exist;
        optionally the flags, ``<score>_reason``, ``error`` (:meth:`errors_by_row`) and
        ``warning`` (:meth:`warnings_by_row`)."""
        parts = []
        for score_id in self.scores.columns:
            parts.append(self.scores[[score_id]])
            if bands and score_id in self.bands.columns:
                parts.append(self.bands[[score_id]].rename(columns={score_id: f"{score_id}_band"}))
        if flags:
            parts.append(self.flags)
        if reasons:
            parts.append(self.reasons().add_suffix("_reason"))
        if errors:
            parts.append(self.errors_by_row().to_frame())
        if warnings:
            parts.append(self.warnings_by_row().to_frame())
        return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=self.scores.index)


def score(instrument: Instrument, data: pd.DataFrame | Mapping[str, object], *,
          bad_rows: str = "reject") -> ScoreResult:
    """Score every response in ``data`` (one row per response, one column per item id).

    Blank cells are missing answers. Other columns are ignored, except respondent
    attributes named by cut-offs (e.g. ``sex``). A bad value (off its scale, not a number)
    raises :class:`InvalidResponses` naming each one's row and item before anything is
    computed; with ``bad_rows="blank"`` nothing is raised: the row's scores are blank and
    its errors are in :attr:`ScoreResult.row_errors`. Answers to items a skip rule did not
    ask, and attribute values the definition does not list, are scored as the rules say
    and reported in :attr:`ScoreResult.row_warnings`.
    """
    if bad_rows not in BAD_ROWS:
        raise ValueError(f"bad_rows={bad_rows!r}: use one of {', '.join(BAD_ROWS)}")
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame([data])
    blank = bad_rows == "blank"
    values, errors, total, warnings = read_answers(instrument, data,
                                                   limit=None if blank else MAX_REPORTED)
    if total and not blank:
        errors.sort(key=lambda e: (e.row, e.column))
        raise InvalidResponses(errors[:MAX_REPORTED], total)
    attributes, notes = read_attributes(instrument, data)
    n = len(data)
    items: dict[str, np.ndarray] = {}
    raw_items: dict[str, np.ndarray] = {}
    unanswered: dict[str, np.ndarray] = {}
    scores: dict[str, np.ndarray] = {}
    banded: dict[str, np.ndarray] = {}
    computed: dict[str, Computed] = {}
    for kind, ident in instrument.order:
        if kind == "item":
            item = instrument.item(ident)
            raw = values[ident]
            if not item.scale_type.numeric:
                raw_items[ident] = raw
                continue
            asked = np.ones(n, dtype=bool)
            if item.ask_if is not None:
                met, known = rules.condition(item.ask_if, raw_items, scores)
                asked = ~(known & ~met)
                fill = np.nan if item.when_not_asked is None else float(item.when_not_asked)
                notes += _not_asked(item, ~asked & ~np.isnan(raw), raw, fill)
                raw = np.where(asked, raw, fill)
            unanswered[ident] = asked & np.isnan(raw)
            raw_items[ident] = raw
            if item.reverse:
                low, high = item.bounds
                raw = (low + high) - raw
            items[ident] = raw
        else:
            spec = instrument.score(ident)
            result = spec.scorer.compute(spec.spec, ScoringInputs(items, scores, n))
            banded[ident] = result.values
            if spec.round is not None:
                result.values = _round_half_up(result.values, spec.round)
                if spec.round_when != "after-bands":
                    banded[ident] = result.values
            scores[ident] = result.values
            computed[ident] = result
    if errors:  # only with bad_rows="blank": the bad rows' scores are blank
        bad = np.zeros(n, dtype=bool)
        bad[[e.row for e in errors]] = True
        for ident, result in computed.items():
            result.values = scores[ident] = np.where(bad, np.nan, result.values)
            result.reason_codes = np.where(bad, len(result.messages),
                                           result.reason_codes).astype(np.int32)
            result.messages = [*result.messages, BAD_ROW_REASON]
            banded[ident] = np.where(bad, np.nan, banded[ident])
    index = data.index
    return ScoreResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        engine_version=ENGINE_VERSION,
        scores=pd.DataFrame({s.id: scores[s.id] for s in instrument.scores}, index=index),
        bands=pd.DataFrame(
            {s.id: _bands(s, banded[s.id]) for s in instrument.scores if s.bands}, index=index
        ),
        flags=pd.DataFrame(
            {
                f"{s.id}_{c['id']}": cutoff_flag(c, banded[s.id], attributes)
                for s in instrument.scores
                for c in s.cutoffs
            },
            index=index,
        ),
        warnings=warnings,
        _computed={s.id: computed[s.id] for s in instrument.scores},
        _items=items,
        _answers={k: v for k, v in raw_items.items() if v.dtype != object},
        row_errors=sorted(errors, key=lambda e: (e.row, e.column)),
        row_warnings=sorted(notes, key=lambda w: (w.row, w.column)),
        _unanswered=unanswered,
    )


def _not_asked(item: Item, answered: np.ndarray, raw: np.ndarray,
               fill: float) -> list[ResponseWarning]:
    """A warning per answer to ``item`` where its skip rule did not ask it."""
    rows = np.flatnonzero(answered)
    if rows.size == 0:
        return []
    when = rules.describe(item.ask_if)
    done = "ignored" if np.isnan(fill) else f"scored as {fill:g}, as the rule says"
    strict = f"answered, but the item is only asked when {when}: leave it blank"
    return [ResponseWarning(int(row), item.id, f"answered ({raw[row]:g}), but only asked "
                            f"when {when}: the answer was {done}", NOT_ASKED, strict)
            for row in rows]


def _round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    factor = 10.0**decimals
    # The small nudge keeps 2.675 (stored as 2.67499...) rounding up, as people expect.
    return np.floor(values * factor + 0.5 + 1e-9) / factor


def _bands(score: Score, values: np.ndarray) -> pd.Categorical:
    """The band id of each value; where bands share a boundary, the higher band wins.

    With ``"round_when": "after-bands"`` the values are unrounded, and a value between two
    whole-step bands (a prorated 4.5 between 0-4 and 5-9) belongs to the lower one: each
    band reaches up to the next band's minimum.
    """
    ordered = sorted(score.bands, key=lambda b: (b["min"], b["max"]))
    mins = np.array([b["min"] for b in ordered], dtype=float)
    maxs = np.array([b["max"] for b in ordered], dtype=float)
    position = np.searchsorted(mins, values, side="right") - 1
    inside = (position >= 0) & ~np.isnan(values)
    clipped = np.clip(position, 0, len(ordered) - 1)
    if score.round is not None and score.round_when == "after-bands":
        inside &= (clipped < len(ordered) - 1) | (values <= maxs[-1] + 1e-9)
    else:
        inside &= values <= maxs[clipped] + 1e-9
    codes = np.where(inside, clipped, -1)
    return pd.Categorical.from_codes(codes, categories=[b["id"] for b in ordered])


def validate_response(instrument: Instrument, answers: Mapping[str, Any], *,
                      complete: bool = True) -> list[ResponseError]:
    """Every problem with one response; an empty list means it may be stored and scored.

    The rules of the kiosk and the clinic's database, stricter than scoring a table: the
    response schema first (each answer on its scale, required items, skip rules on items),
    then the engine's own checks (skip rules that read a score, attribute values), where
    an answer to an item not asked and an attribute value not listed are errors.
    ``complete=False`` lets required items be blank (a paper form entered by staff).
    """
    errors, _ = schema_problems(instrument, answers, complete=complete)
    if errors:
        return errors
    try:
        result = score(instrument, answers_frame(answers))
    except InvalidResponses as exc:
        return exc.errors
    return refused(result)


def refused(result: ScoreResult) -> list[ResponseError]:
    """The warnings of ``result`` that the kiosk and the clinic's database refuse, as errors."""
    return [warning.error() for warning in result.row_warnings]
