"""The client kiosk, library side: hand-overs, one-time codes, due instruments, the staff PIN.

No Streamlit here: the kiosk pages (``alliance_kit.ui.kiosk``) keep a :class:`KioskState`
in the browser session and call these functions, which check access in
:mod:`alliance_kit.clinic.access`, write through the store in one transaction and leave an audit
entry for every hand-over, code made, code used (or refused) and unlock (or failed one).

- A *hand-over* is a staff member giving the tablet to one client for one session: the
  kiosk may then submit that client's due instruments and nothing else
  (:meth:`Actor.kiosk`).
- A *one-time code* (8 digits) does the same from a tablet nobody is logged into: it
  works once and expires (default 30 minutes); only its hash is stored.
- Leaving the kiosk needs the staff PIN (an argon2id hash in the ``settings`` table, 6
  digits or more) or a staff login; wrong PINs are counted on the server per tablet and
  over all tablets, with waits that grow (see :mod:`~alliance_kit.clinic.kiosk.pin`).
"""

from __future__ import annotations

from alliance_kit.clinic.kiosk import screen
from alliance_kit.clinic.kiosk.answers import (
    asked_items,
    collect_answers,
    problems_by_item,
    progress,
    submit,
)
from alliance_kit.clinic.kiosk.codes import CodeRefused, IssuedCode, create_code, redeem_code
from alliance_kit.clinic.kiosk.handover import (
    TIMINGS,
    KioskError,
    SessionChoice,
    blocked_instruments,
    client_sessions,
    clients_for,
    due_instruments,
    is_due,
    start_handover,
)
from alliance_kit.clinic.kiosk.pin import (
    PinOutcome,
    check_pin,
    idle_seconds,
    pin_is_set,
    pin_needs_reset,
    record_unlock,
    set_idle_minutes,
    set_pin,
    tablet_wait,
)
from alliance_kit.clinic.kiosk.plan import (
    NEW_SESSION,
    HandoverPlan,
    cannot_give,
    plan_handover,
)
from alliance_kit.clinic.kiosk.screen import (
    default_language,
    safety_lines,
    set_default_language,
    set_safety_texts,
)
from alliance_kit.clinic.kiosk.state import (
    Handover,
    KioskState,
    answer_key,
    clear_answers,
    is_answer_key,
)

__all__ = [
    "TIMINGS", "CodeRefused", "Handover", "IssuedCode", "KioskError", "KioskState",
    "PinOutcome", "SessionChoice", "answer_key", "asked_items", "blocked_instruments",
    "check_pin", "clear_answers", "client_sessions", "clients_for", "collect_answers",
    "create_code", "due_instruments", "idle_seconds", "is_answer_key", "is_due", "pin_is_set",
    "pin_needs_reset", "tablet_wait",
    "problems_by_item", "progress", "record_unlock", "redeem_code", "set_idle_minutes",
    "set_pin", "start_handover", "submit",
]
# The hand-over page's defaults.
__all__ += ["NEW_SESSION", "HandoverPlan", "cannot_give", "plan_handover"]
# What a clinic sets for its kiosk screens.
__all__ += ["default_language", "safety_lines", "screen", "set_default_language",
            "set_safety_texts"]
