"""Filling in on the kiosk: which items are asked given the answers so far, the answers to
submit, problems by item, progress, and the idempotent save."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from alliance_kit.clinic.access import AccessDenied
from alliance_kit.clinic.kiosk.state import Handover
from alliance_kit.clinic.services import Services, Submitted
from alliance_kit.engine import rules
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.responses import ResponseError
from alliance_kit.engine.scoring import score, validate_response


def asked_items(instrument: Instrument, answers: Mapping[str, Any]) -> list[str]:
    """Ids of the items to show: all but those whose skip rule is known not to apply."""
    if not any(item.ask_if for item in instrument.items):
        return [item.id for item in instrument.items]
    # Conditions read answers and scores of the items always asked.
    numeric = {item.id: np.array([np.nan if item.ask_if else _number(answers.get(item.id))])
               for item in instrument.items if item.scale_type.numeric}
    try:
        result = score(instrument, pd.DataFrame([{k: v[0] for k, v in numeric.items()}]))
        scores = {c: result.scores[c].to_numpy(dtype=float) for c in result.scores.columns}
    except Exception:  # partial answers that cannot be scored yet: show everything
        scores = {}
    shown = []
    for item in instrument.items:
        if item.ask_if is not None:
            try:
                met, known = rules.condition(item.ask_if, numeric, scores)
            except KeyError:
                met, known = np.array([True]), np.array([False])
            if known[0] and not met[0]:
                continue
        shown.append(item.id)
    return shown


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return np.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return np.nan


def collect_answers(instrument: Instrument, values: Mapping[str, Any]) -> dict[str, Any]:
    """Answers to submit from the widgets' values (by item id): None for unanswered and for
    items skipped by their rule; text trimmed, blank text unanswered."""
    answers: dict[str, Any] = {}
    for item in instrument.items:
        value = values.get(item.id)
        if isinstance(value, str):
            value = value.strip() or None
        elif isinstance(value, float) and np.isnan(value):
            value = None
        answers[item.id] = value
    shown = set(asked_items(instrument, answers))
    return {k: (v if k in shown else None) for k, v in answers.items()}


def problems_by_item(instrument: Instrument,
                     answers: Mapping[str, Any]) -> dict[str, list[ResponseError]]:
    """validate_response's errors grouped by item id ('' for the response as a whole)."""
    grouped: dict[str, list[ResponseError]] = {}
    for error in validate_response(instrument, answers):
        grouped.setdefault(error.column, []).append(error)
    return grouped


def progress(instrument: Instrument, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(answered, to answer) among the items shown."""
    shown = asked_items(instrument, answers)
    done = sum(1 for item_id in shown if answers.get(item_id) not in (None, ""))
    return done, len(shown)


def submit(services: Services, handover: Handover, instrument_id: str,
           answers: Mapping[str, Any], *, language: str | None = None,
           started_at: dt.datetime | None = None) -> Submitted:
    """Save the client's answers to one instrument of the hand-over, idempotently.

    A double tap or a retry sends the same key and gets the stored response back; an
    instrument outside the hand-over is refused.
    """
    if instrument_id not in handover.instruments:
        raise AccessDenied(f"{instrument_id} is not part of this hand-over")
    return services.submit_response(
        handover.actor, client_id=handover.client_id, instrument_id=instrument_id,
        answers=answers, idempotency_key=handover.submission_key(instrument_id),
        language=language or handover.language, session_id=handover.session_id,
        source="kiosk", started_at=started_at)
