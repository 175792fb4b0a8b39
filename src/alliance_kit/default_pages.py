"""Registers the app's built-in pages."""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl
from alliance_kit.types import Page


@hookimpl
def register_pages(kit):
    from alliance_kit.ui import browser

    return [
        Page("Instruments", browser.render, "instruments", ":material/checklist:", "Instruments")
    ]
