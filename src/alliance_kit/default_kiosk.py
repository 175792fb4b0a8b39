"""Registers the client kiosk pages: the questionnaire flow, the locked screen, code entry,
and the staff page that starts a hand-over."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import ANONYMOUS, KIOSK, STAFF, Page


@hookimpl
def register_pages(kit):
    from alliance_kit.ui.kiosk import code, handover, locked, questionnaire

    kiosk_only = frozenset({KIOSK})
    return [
        Page("Questions", questionnaire.render, "kiosk", ":material/edit_note:", "Kiosk",
             roles=kiosk_only, default=True),
        Page("Locked", locked.render, "kiosk-locked", ":material/lock:", "Kiosk",
             roles=kiosk_only),
        Page("Enter a code", code.render, "code", ":material/pin:", "Account",
             roles=frozenset({ANONYMOUS})),
        Page("Start hand-over", handover.render, "handover", ":material/tablet:", "Kiosk",
             roles=STAFF),
    ]


@hookimpl
def register_widgets():
    from alliance_kit.ui.kiosk.widgets import BUILTIN

    return BUILTIN
