"""Registers local wording packs, and the ``alliance-kit wording`` commands to make and check them.

Packs come from ``instruments/wording/`` beside the bundled instruments (which holds only a
README: licensed wording is never committed) and from the clinic's own folder named by
``ALLIANCE_KIT_WORDING_DIR``. A plugin package may return its packs from the same hook.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from alliance_kit.default_instruments import bundled_folder
from alliance_kit.hookspecs import hookimpl

if TYPE_CHECKING:
    from alliance_kit.engine.definitions import Instrument

# The engine is imported inside the functions that use it: the command line lists this
# plugin's commands without loading it.

_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")


def wording_folders() -> list[Path]:
    """The bundled ``wording/`` folder (when there is one), then the clinic's folder if set."""
    from alliance_kit.engine.wording import WORDING_DIR_ENV

    folders = [bundled_folder() / "wording"]
    folders = [folder for folder in folders if folder.is_dir()]
    local = os.environ.get(WORDING_DIR_ENV, "").strip()
    if local:
        folders.append(Path(local))  # a missing folder is reported when the kit loads it
    return folders


@hookimpl
def register_wording_packs():
    return wording_folders()


@hookimpl
def register_commands(cli):
    cli.add_command(wording)


def pack_template(instrument: Instrument, language: str) -> dict[str, Any]:
    """A pack to fill in: every text the instrument needs, prefilled where the definition has it."""
    from packaging.version import InvalidVersion, Version

    from alliance_kit.engine import jsonschemas
    from alliance_kit.engine.wording import definition_texts

    texts = definition_texts(instrument, language)
    try:
        version = Version(instrument.version)
        fits = f">={version.major}.{version.minor}.{version.micro},<{version.major + 1}"
    except InvalidVersion:
        fits = f"=={instrument.version}"
    data: dict[str, Any] = {
        "$schema": jsonschemas.WORDING_PACK,
        "instrument": instrument.id,
        "version": fits,
        "language": language,
        "source": "",
        "title": texts.get(("title",), ""),
    }
    if ("stem",) in texts or instrument.wording == "structure-only":
        data["stem"] = texts.get(("stem",), "")
    data["items"] = {item.id: texts.get(("items", item.id), "") for item in instrument.items}
    scales: dict[str, Any] = {}
    for scale_id in dict.fromkeys(item.scale_id for item in instrument.items):
        scale = instrument.raw["scales"][scale_id]
        kind = scale["type"]
        if kind == "options":
            scales[scale_id] = {"options": {
                f"{o['value']:g}": texts.get(("options", scale_id, float(o["value"])), "")
                for o in scale["options"]}}
        elif kind == "visual-analogue":
            scales[scale_id] = {"anchors": {end: texts.get(("anchors", scale_id, end), "")
                                            for end in ("min", "max")}}
        elif kind == "yes-no":
            scales[scale_id] = {"labels": {answer: texts.get(("labels", scale_id, answer), "")
                                           for answer in ("yes", "no")}}
        elif kind == "numeric" and "unit" in scale:
            scales[scale_id] = {"unit": texts.get(("units", scale_id), "")}
    if scales:
        data["scales"] = scales
    return data


def _kit(ctx: click.Context):
    from alliance_kit.cli.context import kit_of

    return kit_of(ctx)


@click.group("wording")
def wording() -> None:
    """Wording packs: the text of a licensed (structure-only) instrument, in one language.

    A pack is a JSON file the clinic keeps in instruments/wording/ or in the folder
    ALLIANCE_KIT_WORDING_DIR names (never committed), or a plugin provides. Until a pack
    is installed, the kiosk will not give the instrument.
    """


@wording.command("template")
@click.argument("instrument_id", metavar="ID")
@click.option("--lang", "language", required=True, metavar="CODE",
              help="The pack's language, e.g. en, es, pt-BR.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the pack here (e.g. ID.CODE.json); standard output if omitted.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.pass_context
def template_command(ctx: click.Context, instrument_id: str, language: str,
                     output: Path | None, force: bool) -> None:
    """Write a wording pack for instrument ID to fill in.

    Every item id and every option value is there with an empty string to replace with
    the licensed text; an open or project instrument's own text in that language is filled
    in already. Fill in "source" with where the wording comes from and your licence, then
    run `alliance-kit wording check FILE`.
    """
    try:
        instrument = _kit(ctx).instrument(instrument_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="ID") from None
    if not _LANGUAGE.fullmatch(language):
        raise click.BadParameter(f"{language!r} is not a language code: use one like en, es "
                                 "or pt-BR", param_hint="--lang")
    text = json.dumps(pack_template(instrument, language), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        raise click.ClickException(f"{output} exists: choose another name, or add --force to "
                                   "overwrite it")
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}: fill in every empty string, then run "
               f"`alliance-kit wording check {output}`", err=True)


@wording.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def check_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check wording packs (or folders of them) against the installed instruments.

    One line per problem (FILE: $.json.path: what is wrong and what to do). Exits 0 when
    every pack is valid, 1 otherwise; warnings do not change the exit code.
    """
    from alliance_kit.engine.wording import collect_packs
    from alliance_kit.problems import summarized

    kit = _kit(ctx)
    files = [f for p in paths for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    _, problems = collect_packs([("command line", files)], kit.instruments)
    for problem in summarized(problems):  # many alike: one line with the count
        click.echo(str(problem))
    errors = sum(problem.severity == "error" for problem in problems)
    if errors:
        click.echo(f"{errors} problem(s) in {len(files)} file(s)", err=True)
        ctx.exit(1)
    click.echo(f"{len(files)} wording pack(s) valid", err=True)
