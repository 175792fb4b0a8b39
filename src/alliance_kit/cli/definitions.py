"""An instrument named on the command line: an installed id, or a definition file's path.

``alliance-kit score my-scale.json data.csv`` works without installing anything: the file
is checked with the types of this run's plugins, and every problem is shown (many places
that break one rule summarized in one line, each naming ``FILE: $.path``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument
    from alliance_kit.kit import Kit


def looks_like_a_file(value: str) -> bool:
    """Whether a command-line value means a definition file rather than an instrument id."""
    return value.lower().endswith(".json") or "/" in value or "\\" in value


def definition_or_fail(kit: Kit, value: str, *, files: bool = True) -> Instrument:
    """The installed instrument with id ``value``, or (with ``files``) the definition in the
    file ``value`` names; a usage error says which ids there are, or what is wrong."""
    if files and looks_like_a_file(value):
        return _from_file(kit, Path(value))
    try:
        return kit.instrument(value)
    except KeyError as exc:
        hint = " or give the path of a definition file (.json)" if files else ""
        raise click.BadParameter(exc.args[0] + hint, param_hint="ID") from None


def _from_file(kit: Kit, path: Path) -> Instrument:
    from alliance_kit.engine.sources import label
    from alliance_kit.kit import try_load_definition
    from alliance_kit.problems import summarized

    if not path.is_file():
        raise click.BadParameter(f"{path}: no such definition file", param_hint="ID")
    instrument, problems = try_load_definition(path, kit.types, label(path))
    if instrument is None:
        lines = "\n".join(str(p) for p in summarized(problems))
        raise click.ClickException(f"{path} is not a valid definition:\n{lines}")
    return instrument
