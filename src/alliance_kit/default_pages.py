"""Registers the app's built-in pages: login and the instrument browser."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import ANONYMOUS, STAFF, Page


@hookimpl
def register_pages(kit):
    from alliance_kit.ui import browser, login

    return [
        Page("Log in", login.render, "login", ":material/login:", "Account",
             roles=frozenset({ANONYMOUS}), default=True),
        Page("Instruments", browser.render, "instruments", ":material/checklist:",
             "Instruments", roles=STAFF),
    ]
