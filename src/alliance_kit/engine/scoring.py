"""The scoring engine: one vectorized code path for one response and for a million.

Order of work, all column-wise over every response at once: check each answer against its
scale; apply skip rules (``ask_if``) in dependency order; reverse-key; compute each score
with its method; round; then bands and cut-off flags. A score that cannot be computed is
NaN with a reason, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from alliance_kit.engine import rules
from alliance_kit.engine.responses import (
    MAX_REPORTED,
    InvalidResponses,
    ResponseError,
    answers_frame,
    read_answers,
    schema_errors,
)
from alliance_kit.types import Computed, ScoringInputs
from alliance_kit.version import __version__ as ENGINE_VERSION

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument, Score


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

    @property
    def item_values(self) -> Mapping[str, np.ndarray]:
        """Numeric answers by item id as given, after skip rules (not reverse-keyed)."""
        return self._answers

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
        )

    def to_frame(
        self, *, bands: bool = True, flags: bool = False, reasons: bool = False
    ) -> pd.DataFrame:
        """Scores side by side: ``<score>``, then ``<score>_band`` where bands exist."""
        parts = []
        for score_id in self.scores.columns:
            parts.append(self.scores[[score_id]])
            if bands and score_id in self.bands.columns:
                parts.append(self.bands[[score_id]].rename(columns={score_id: f"{score_id}_band"}))
        if flags:
            parts.append(self.flags)
        if reasons:
            parts.append(self.reasons().add_suffix("_reason"))
        return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=self.scores.index)


def score(instrument: Instrument, data: pd.DataFrame | Mapping[str, object]) -> ScoreResult:
    """Score every response in ``data`` (one row per response, one column per item id).

    Blank cells are missing answers. Other columns are ignored, except respondent
    attributes named by cut-offs (e.g. ``sex``). Raises :class:`InvalidResponses` naming
    each bad answer's row and item before anything is computed.
    """
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame([data])
    values, errors, total, warnings = read_answers(instrument, data)
    attributes, attribute_errors, attribute_total = _attributes(instrument, data)
    n = len(data)
    items: dict[str, np.ndarray] = {}
    raw_items: dict[str, np.ndarray] = {}
    scores: dict[str, np.ndarray] = {}
    computed: dict[str, Computed] = {}
    for kind, ident in instrument.order:
        if kind == "item":
            item = instrument.item(ident)
            raw = values[ident]
            if not item.scale_type.numeric:
                raw_items[ident] = raw
                continue
            if item.ask_if is not None:
                met, known = rules.condition(item.ask_if, raw_items, scores)
                skipped = known & ~met
                answered_anyway = skipped & ~np.isnan(raw)
                for row in np.flatnonzero(answered_anyway)[: max(0, 1000 - len(errors))]:
                    errors.append(
                        ResponseError(
                            int(row),
                            ident,
                            "answered, but the item is only "
                            f"asked when {rules.describe(item.ask_if)}: "
                            "leave it blank",
                        )
                    )
                total += int(answered_anyway.sum())
                fill = np.nan if item.when_not_asked is None else float(item.when_not_asked)
                raw = np.where(skipped, fill, raw)
            raw_items[ident] = raw
            if item.reverse:
                low, high = item.bounds
                raw = (low + high) - raw
            items[ident] = raw
        else:
            spec = instrument.score(ident)
            result = spec.scorer.compute(spec.spec, ScoringInputs(items, scores, n))
            if spec.round is not None:
                result.values = _round_half_up(result.values, spec.round)
            scores[ident] = result.values
            computed[ident] = result
    errors += attribute_errors
    total += attribute_total
    if total:
        errors.sort(key=lambda e: (e.row, e.column))
        raise InvalidResponses(errors[:MAX_REPORTED], total)
    index = data.index
    score_frame = pd.DataFrame({s.id: scores[s.id] for s in instrument.scores}, index=index)
    return ScoreResult(
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        engine_version=ENGINE_VERSION,
        scores=score_frame,
        bands=pd.DataFrame(
            {s.id: _bands(s, scores[s.id]) for s in instrument.scores if s.bands}, index=index
        ),
        flags=pd.DataFrame(
            {
                f"{s.id}_{c['id']}": _flag(c, scores[s.id], attributes)
                for s in instrument.scores
                for c in s.cutoffs
            },
            index=index,
        ),
        warnings=warnings,
        _computed={s.id: computed[s.id] for s in instrument.scores},
        _items=items,
        _answers={k: v for k, v in raw_items.items() if v.dtype != object},
    )


def _round_half_up(values: np.ndarray, decimals: int) -> np.ndarray:
    factor = 10.0**decimals
    # The small nudge keeps 2.675 (stored as 2.67499...) rounding up, as people expect.
    return np.floor(values * factor + 0.5 + 1e-9) / factor


def _bands(score: Score, values: np.ndarray) -> pd.Categorical:
    """The band id of each value; where bands share a boundary, the higher band wins."""
    ordered = sorted(score.bands, key=lambda b: (b["min"], b["max"]))
    mins = np.array([b["min"] for b in ordered], dtype=float)
    maxs = np.array([b["max"] for b in ordered], dtype=float)
    position = np.searchsorted(mins, values, side="right") - 1
    inside = (position >= 0) & ~np.isnan(values)
    clipped = np.clip(position, 0, len(ordered) - 1)
    inside &= values <= maxs[clipped] + 1e-9
    codes = np.where(inside, clipped, -1)
    return pd.Categorical.from_codes(codes, categories=[b["id"] for b in ordered])


def _attributes(
    instrument: Instrument, data: pd.DataFrame
) -> tuple[dict[str, np.ndarray], list[ResponseError], int]:
    """Respondent attributes (e.g. sex) from their columns, normalized to lower case.

    Returns the values, the errors described (at most MAX_REPORTED) and the error count.
    """
    found: dict[str, np.ndarray] = {}
    errors: list[ResponseError] = []
    total = 0
    for name, spec in instrument.attributes.items():
        if name not in data.columns:
            found[name] = np.full(len(data), None, dtype=object)
            continue
        # Matched without regard to case, then spelled as the definition declares it.
        declared = {value.lower(): value for value in spec["values"]}
        typed = data[name].astype("string").str.strip()
        text = typed.str.lower().map(declared, na_action="ignore")
        unknown = typed.notna() & (typed != "") & text.isna()
        rows = np.flatnonzero(unknown.to_numpy(bool))
        total += len(rows)
        for row in rows[: max(0, MAX_REPORTED - len(errors))]:
            errors.append(
                ResponseError(
                    int(row),
                    name,
                    f"{data[name].iloc[row]!r} is not a "
                    f"value of {name}: give one of {', '.join(spec['values'])}"
                    " or leave it blank",
                )
            )
        found[name] = text.astype(object).where(text.notna(), None).to_numpy(object)
    return found, errors, total


def _flag(cutoff: Mapping, values: np.ndarray, attributes: dict[str, np.ndarray]) -> pd.array:
    """Whether ``score op threshold`` holds; missing where the score or threshold is."""
    threshold = cutoff["value"]
    if isinstance(threshold, Mapping):
        by = attributes[threshold["attribute"]]
        default = threshold.get("otherwise", np.nan)
        threshold = (
            pd.Series(by, dtype=object)
            .map(threshold["values"])
            .astype(float)
            .fillna(default)
            .to_numpy(float)
        )
    raised = rules.compare(values, cutoff["op"], threshold)
    known = ~np.isnan(values) & ~np.isnan(np.asarray(threshold, dtype=float))
    return pd.arrays.BooleanArray(raised, ~known)


def validate_response(instrument: Instrument, answers: Mapping[str, Any]) -> list[ResponseError]:
    """Every problem with one response; an empty list means it may be stored and scored.

    The response schema first (each answer on its scale, required items, skip rules on
    items), then the engine's own checks (skip rules that read a score, attribute values).
    """
    errors = schema_errors(instrument, answers)
    if errors:
        return errors
    try:
        score(instrument, answers_frame(answers))
    except InvalidResponses as exc:
        return exc.errors
    return []
