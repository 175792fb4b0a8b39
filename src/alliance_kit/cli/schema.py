"""``alliance-kit schema``: the JSON Schema of a kind of file, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alliance_kit.cli.context import kit_of


@click.command("schema")
@click.argument("name", metavar="[KIND]", default="instrument")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the schema here; standard output if omitted.")
@click.pass_context
def schema_command(ctx: click.Context, name: str, output: Path | None) -> None:
    """Write the JSON Schema of a KIND of file, for an editor to check and complete it.

    KIND is instrument (the default), wording-pack, or another kind the package has a
    schema for (a unique start of the name is enough: wording). The schema is
    self-contained, and an instrument's scales, scores and alerts get the fields of their
    types, those of installed plugins included. docs/writing-instruments.md shows how to
    point VS Code at it.
    """
    from alliance_kit.engine.editor_schemas import editor_schema, resolve_name

    try:
        kind = resolve_name(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="KIND") from None
    types = kit_of(ctx).types if kind == "instrument" else None
    text = json.dumps(editor_schema(kind, types), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"{output}: not written: {exc.strerror or exc}") from None
    click.echo(f"wrote the {kind} schema to {output}", err=True)
