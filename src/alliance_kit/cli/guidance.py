"""``alliance-kit guidance list|check|match``: the installed guidance packs, checking a pack
file, and which prompts a set of scores brings up."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from alliance_kit.cli.context import instrument_of, kit_of

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="text: one line per entry; json: a list.")
LANGUAGE = click.option("--lang", "language", default="en", show_default=True, metavar="CODE",
                        help="The language of titles and texts (English when a pack lacks it).")


@click.group("guidance")
def guidance() -> None:
    """Guidance packs: prompts for the clinician, matched to a client's scores.

    The built-in pack (motivational interviewing, stages of change, brief feedback) is in
    instruments/guidance/; a clinic adds its own in the folder ALLIANCE_KIT_GUIDANCE_DIR
    names, and plugins through the register_guidance hook.
    """


@guidance.command("list")
@FORMAT
@LANGUAGE
@click.pass_context
def list_command(ctx: click.Context, fmt: str, language: str) -> None:
    """Every entry of every installed pack: pack, id, title, conditions, citation.

    A pack with problems is left out: `alliance-kit plugins` and `alliance-kit guidance
    check FILE` say why.
    """
    kit = kit_of(ctx)
    for problem in kit.guidance_problems:
        click.echo(str(problem), err=True)
    from alliance_kit.engine.guidance import all_entries  # the engine loads when used

    entries = [entry.as_dict(language) for entry in all_entries(kit.guidance.values())]
    if fmt == "json":
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
        return
    for entry in entries:
        click.echo(f"{entry['pack']}\t{entry['id']}\t{entry['title']}\t"
                   f"{' and '.join(entry['when'])}\t{entry['citation']}")


@guidance.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def check_command(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Check guidance pack files (or folders of them) against the installed instruments.

    One line per problem (FILE: $.json.path: what is wrong and what to do). Exits 0 when
    every pack is valid, 1 otherwise; warnings do not change the exit code.
    """
    from alliance_kit.engine.guidance import collect_guidance

    kit = kit_of(ctx)
    files = [f for p in paths for f in (sorted(p.glob("*.json")) if p.is_dir() else [p])]
    packs, problems = collect_guidance([("command line", files)], kit.instruments)
    for problem in problems:
        if "replaces it" not in problem.message:
            click.echo(str(problem))
    errors = sum(problem.severity == "error" for problem in problems)
    if errors:
        click.echo(f"{errors} problem(s) in {len(files)} file(s)", err=True)
        ctx.exit(1)
    entries = sum(len(pack.entries) for pack in packs.values())
    click.echo(f"{len(files)} guidance pack(s) valid, {entries} entries", err=True)


def parse_value(text: str) -> Any:
    """``2`` and ``2.5`` as numbers, ``true``/``false`` as yes/no, anything else as text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(text)
    except ValueError:
        return text.strip()


@guidance.command("match")
@click.argument("instrument_id", metavar="INSTRUMENT")
@click.argument("pairs", nargs=-1, required=True, metavar="NAME=VALUE...")
@FORMAT
@LANGUAGE
@click.pass_context
def match_command(ctx: click.Context, instrument_id: str, pairs: tuple[str, ...], fmt: str,
                  language: str) -> None:
    """The entries whose conditions hold for these values of INSTRUMENT.

    Each NAME is an item id (its answer: the instrument is scored, so its scores count
    too), a score id, a measure such as URICA's stage, or a respondent attribute such as
    AUDIT-C's sex. Example: `alliance-kit guidance match readiness-ruler importance=2
    confidence=8 --format json`. An entry whose conditions also need another instrument
    does not match.
    """
    from alliance_kit.engine.guidance import match
    from alliance_kit.engine.motivation import derive, measures, score_values
    from alliance_kit.engine.responses import InvalidResponses

    kit = kit_of(ctx)
    instrument = instrument_of(ctx, instrument_id)
    items = {item.id for item in instrument.items}
    known = measures(instrument)
    answers: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    given: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        name = name.strip()
        if not sep or not name or not raw.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE (e.g. importance=7)",
                                     param_hint="NAME=VALUE")
        if name in items:
            answers[name] = parse_value(raw)
        elif name in instrument.attributes:
            attributes[name] = raw.strip()
        elif name in known:
            given[name] = parse_value(raw)
        else:
            names = sorted(items | set(known) | set(instrument.attributes))
            raise click.BadParameter(f"{instrument.id} has no item, score, measure or "
                                     f"attribute {name!r} (it has: {', '.join(names)})",
                                     param_hint="NAME=VALUE")
    values: dict[str, Any] = {}
    if answers:
        try:
            values = score_values(instrument, answers, attributes)
        except InvalidResponses as exc:
            raise click.ClickException(f"{instrument.id}: {exc}") from None
    values |= given
    values |= derive(instrument.id, values)
    found = [entry.as_dict(language) for entry in match(kit.guidance.values(),
                                                        {instrument.id: values})]
    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no entry matches", err=True)
    for entry in found:
        click.echo(f"{entry['id']}\t{entry['title']}\t{entry['citation']}")


__all__ = ["guidance", "parse_value"]
