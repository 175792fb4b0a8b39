"""Registers the instruments bundled with alliance_kit (the top-level ``instruments/`` folder)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alliance_kit.hookspecs import hookimpl


def bundled_folder() -> Path:
    """Where the bundled definitions are: inside the wheel, or the source checkout's folder."""
    installed = Path(str(resources.files("alliance_kit") / "instruments"))
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parents[2] / "instruments"


@hookimpl
def register_instruments():
    return [bundled_folder()]
