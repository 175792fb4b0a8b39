"""What a tablet's browser session keeps in kiosk state: the hand-over, the step, and the
keys its answer widgets use. Plain data: no database, no Streamlit. (Wrong staff PINs are
counted on the server, not here: see :mod:`alliance_kit.clinic.kiosk.pin`.)"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from alliance_kit.clinic.access import Actor
from alliance_kit.store.models import utcnow


@dataclass(frozen=True)
class Handover:
    """One client's turn on the tablet: what they may fill in, and for which session."""

    client_id: int
    session_id: int | None
    instruments: tuple[str, ...]
    started_by: str
    language: str = "en"
    #: Base of every idempotency key of this hand-over (one submission per instrument).
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def actor(self) -> Actor:
        return Actor.kiosk(self.client_id, self.started_by)

    def submission_key(self, instrument_id: str) -> str:
        """The idempotency key of this hand-over's response to one instrument (<= 64 chars)."""
        digest = hashlib.sha256(instrument_id.encode("utf-8")).hexdigest()[:24]
        return f"kiosk-{self.key}-{digest}"


@dataclass
class KioskState:
    """Everything a tablet's browser session holds while in kiosk state.

    ``handover`` is None while the tablet is locked. ``step`` is the position in
    ``handover.instruments``; ``thanks`` is set after the last submission until the
    thank-you screen has been seen. Answers are not kept here: they live in the widgets'
    keys (``kiosk:<instrument>:<item>``) and are cleared on submit, lock and idle.
    """

    handover: Handover | None = None
    step: int = 0
    language: str = "en"
    thanks: bool = False
    last_activity: float = field(default_factory=time.time)
    started_at: dt.datetime | None = None
    #: The instrument whose save failed last time (the answers stay on screen).
    save_failed: str | None = None
    #: Items with a problem after the last submit tap: "required" or "invalid".
    errors: dict[str, str] = field(default_factory=dict)
    #: Why the tablet locked ("idle"), for the locked screen.
    notice: str | None = None
    #: The answers of this hand-over raised a safety alert: the thank-you screen asks the
    #: client to tell staff now (never why, never a score).
    safety: bool = False

    @property
    def locked(self) -> bool:
        return self.handover is None and not self.thanks

    @property
    def current(self) -> str | None:
        """The instrument on screen, or None when locked or finished."""
        if self.handover is None or self.step >= len(self.handover.instruments):
            return None
        return self.handover.instruments[self.step]

    def begin(self, handover: Handover, now: float | None = None) -> None:
        self.handover, self.step, self.thanks, self.safety = handover, 0, False, False
        self.language = handover.language
        self.save_failed, self.errors, self.notice = None, {}, None
        self.started_at = utcnow()
        self.touch(now)

    def touch(self, now: float | None = None) -> None:
        self.last_activity = time.time() if now is None else now

    def idle_expired(self, idle_seconds: float, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return not self.locked and now - self.last_activity > idle_seconds

    def advance(self) -> None:
        """The current instrument was saved: go to the next, or to the thank-you screen."""
        self.step += 1
        self.save_failed, self.errors = None, {}
        self.started_at = utcnow()
        self.touch()
        if self.handover is not None and self.step >= len(self.handover.instruments):
            self.handover, self.thanks = None, True

    def lock(self) -> None:
        """Forget the client: the tablet shows the locked screen."""
        self.handover, self.step, self.thanks = None, 0, False
        self.save_failed, self.started_at, self.errors = None, None, {}
        self.safety = False


def answer_key(instrument_id: str, item_id: str) -> str:
    """The session-state key of one answer widget."""
    return f"kiosk:{instrument_id}:{item_id}"


def is_answer_key(key: object) -> bool:
    return isinstance(key, str) and key.startswith("kiosk:") and key.count(":") >= 2


def clear_answers(state: dict[str, Any] | Any) -> int:
    """Delete every answer widget's value from a session state; returns how many."""
    keys = [key for key in list(state.keys()) if is_answer_key(key)]
    for key in keys:
        del state[key]
    return len(keys)
