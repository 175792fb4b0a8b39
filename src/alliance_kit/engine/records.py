"""A stored response as plain data: what exports, FHIR bundles and reports are made from.

The clinic's services read records out of the database (:func:`alliance_kit.clinic.exports.fetch`);
everything downstream (tables, bundles, PDF reports) works on these plain values only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Record:
    """One current response as exported: who (code or pseudonym), when, answers, scores."""

    response_id: int
    #: How the response is named in the file: its id, or a pseudonym when de-identified.
    ref: str
    client_id: int
    client: str
    instrument_id: str
    instrument_version: str
    session: int | None
    submitted_at: dt.datetime
    language: str
    answers: Mapping[str, Any]
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: Stored current scores: score id -> (value, band).
    scores: Mapping[str, tuple[float | None, str | None]] = field(default_factory=dict)
    #: The date of the therapy session it was given in (None when not linked to one).
    session_date: dt.date | None = None

    @property
    def date(self) -> dt.date:
        """When it was answered, for charts: the session's date, else the submission's."""
        return self.session_date or self.submitted_at.date()
