"""Authoring commands: ``alliance-kit new instrument|plugin`` and ``alliance-kit import-redcap``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from alliance_kit.authoring import scaffold
from alliance_kit.cli.context import kit_of

#: ``alliance_kit.interop.redcap.WORDINGS`` (a test keeps them equal), written out so that
#: listing the commands does not load the importer.
REDCAP_WORDINGS = ("project", "structure-only")


@click.group()
def new() -> None:
    """Start a new instrument definition or plugin package from a working template."""


def _write(folder: Path, files: dict[str, str]) -> list[Path]:
    try:
        return scaffold.write_files(folder, files)
    except scaffold.ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{folder}: cannot write: {exc.strerror or exc}") from None


@new.command("instrument")
@click.argument("instrument_id", metavar="ID")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where to write the files.")
def new_instrument(instrument_id: str, folder: Path) -> None:
    """Write ID.json, a sample ID.csv and test_ID.py to start a new instrument from.

    The definition is valid as written: a project measure with one scale, two items and a
    total with bands and a cut-off, and notes that say what to replace. The test validates
    it and scores the sample; run it with `python -m pytest test_ID.py`. Existing files
    are never overwritten.
    """
    try:
        files = scaffold.instrument_files(instrument_id)
    except scaffold.ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="ID") from None
    for path in _write(folder, files):
        click.echo(f"wrote {path}")
    test_file = next(name for name in files if name.startswith("test_"))
    click.echo(f"next: edit {instrument_id}.json, then `alliance-kit validate "
               f"{folder / (instrument_id + '.json')}` and `python -m pytest "
               f"{folder / test_file}`", err=True)


@new.command("plugin")
@click.argument("name")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Where to create the NAME folder.")
def new_plugin(name: str, folder: Path) -> None:
    """Write a plugin package NAME/ (pyproject with the entry point, module, test).

    The module implements one hook (an exporter for .tsv files) to replace with your own;
    docs/plugin-hooks.md lists every hook. Its tests pass as written: run
    `python -m pytest NAME`. `pip install NAME/` installs it where alliance-kit finds it.
    Existing files are never overwritten.
    """
    try:
        files = scaffold.plugin_files(name)
    except scaffold.ScaffoldError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from None
    for path in _write(folder, files):
        click.echo(f"wrote {path}")
    click.echo(f"next: `python -m pytest {folder / name}`, then `pip install {folder / name}/` "
               "and `alliance-kit plugins`", err=True)


@click.command("import-redcap")
@click.argument("dictionary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "instrument_id", required=True, help="The new instrument's id.")
@click.option("--form", help="The REDCap form (instrument) to import, when there are several.")
@click.option("--wording", type=click.Choice(list(REDCAP_WORDINGS)), default="project",
              show_default=True,
              help="project: keep REDCap's texts (review who owns them!); structure-only: "
                   "leave every text out, for a wording pack.")
@click.option("--lang", "language", default="en", show_default=True, metavar="CODE",
              help="The language of the texts.")
@click.option("--title", help="The instrument's title (default: from the form name).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft here; standard output if omitted.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def import_redcap(dictionary: Path, instrument_id: str, form: str | None, wording: str,
                  language: str, title: str | None, output: Path | None, force: bool) -> None:
    """Draft a definition from a REDCap data dictionary (CSV) for a person to review.

    Radio and dropdown fields become options scales, yesno/truefalse yes-no scales, text
    free text (or a number, when validated with a min and a max), sliders visual-analogue
    scales; a calc field that sums fields ([a]+[b]) becomes a score marked for review.
    Simple branching logic ([q1] = '1') becomes ask_if. HTML is stripped from labels.
    Everything that could not be translated is listed in the draft's notes and printed.
    The draft is checked like any definition: exit 1 if it has problems.
    """
    from alliance_kit.interop import redcap

    try:
        draft = redcap.import_dictionary(dictionary, instrument_id, form=form, wording=wording,
                                         language=language, title=title)
    except redcap.RedcapError as exc:
        raise click.ClickException(f"{dictionary}: {exc}") from None
    _write_draft(draft, output, force, instrument_id)


def _write_draft(draft, output: Path | None, force: bool, instrument_id: str) -> None:
    """Write an imported draft (or print it), show what to review, and check it."""
    text = json.dumps(draft.definition, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    elif output.exists() and not force:
        raise click.ClickException(f"{output} exists: choose another file or add --force")
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    from alliance_kit.kit import default_types, try_load_definition

    for line in draft.review:
        click.echo(f"review: {line}", err=True)
    _, problems = try_load_definition(draft.definition, default_types(),
                                      str(output or f"<{instrument_id}>"))
    for problem in problems:
        click.echo(str(problem), err=True)
    if any(p.severity == "error" for p in problems):
        raise click.ClickException("the draft does not validate: fix the problems above")
    click.echo("DRAFT: review the notes, the licence and the wording status before use "
               f"(then `alliance-kit validate {output or 'FILE'}`)", err=True)



@click.command("fhir-questionnaire")
@click.argument("instrument_id", metavar="ID")
@click.option("--lang", "language", default="en", show_default=True, metavar="CODE",
              help="The language of the texts (English where a text is missing in it).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the Questionnaire here; standard output if omitted.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.pass_context
def fhir_questionnaire_command(ctx: click.Context, instrument_id: str, language: str,
                               output: Path | None, force: bool) -> None:
    """Export an instrument as a FHIR R4 Questionnaire (JSON).

    Its url and version are those the FHIR export's QuestionnaireResponses point to. Options
    become choice items whose answers carry their value as ordinalValue; sliders and numbers
    decimal items with min and max; ask_if becomes enableWhen (or an SDC
    enableWhenExpression); a plain sum of items becomes a read-only item with an SDC
    calculatedExpression. What a Questionnaire cannot say (other scores, bands, cut-offs,
    alerts) is listed in its notes and printed. A structure-only instrument gets its texts
    from an installed wording pack, or none: a Questionnaire with licensed wording must not
    be shared beyond the licence.
    """
    from alliance_kit.interop.fhir.common import NOT_EXPRESSED
    from alliance_kit.interop.fhir.questionnaire import questionnaire

    kit = kit_of(ctx)
    try:
        instrument = kit.instrument(instrument_id)
    except KeyError as exc:
        raise click.BadParameter(exc.args[0], param_hint="ID") from None
    wording = kit.wording(instrument_id, language)
    resource = questionnaire(instrument, wording, language)
    text = json.dumps(resource, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
    elif output.exists() and not force:
        raise click.ClickException(f"{output} exists: choose another file or add --force")
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    for extension in resource.get("extension", []):
        if extension["url"] == NOT_EXPRESSED:
            click.echo(f"not expressed: {extension['valueString']}", err=True)
    if instrument.wording == "structure-only":
        if wording is None:
            click.echo(f"{instrument_id} is structure-only and no wording pack is installed: "
                       "the Questionnaire has no item text.", err=True)
        else:
            click.echo(f"LICENSED WORDING: the texts come from a wording pack "
                       f"({'; '.join(wording.sources) or 'source not given'}): do not share "
                       "this file beyond your licence.", err=True)


@click.command("import-fhir-questionnaire")
@click.argument("questionnaire_file", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "instrument_id", required=True, help="The new instrument's id.")
@click.option("--wording", type=click.Choice(["project", "structure-only"]),
              help="project: keep the Questionnaire's texts (review who owns them!); "
                   "structure-only: leave every text out, for a wording pack. Default: project, "
                   "or structure-only when no question has text.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft here; standard output if omitted.")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
def import_fhir_questionnaire(questionnaire_file: Path, instrument_id: str, wording: str | None,
                              output: Path | None, force: bool) -> None:
    """Draft a definition from a FHIR Questionnaire (JSON) for a person to review.

    Choice items whose answers have ordinal values (the ordinalValue extension) become
    options scales (identical ones shared); a choice item without them is a problem, as its
    values would be guesses. boolean becomes yes-no; decimal/integer with minValue and
    maxValue a number, or a visual-analogue line with a slider itemControl; string/text
    free text. Simple enableWhen becomes ask_if; a calculatedExpression that sums items
    becomes a score marked for review. Everything else is listed in the draft's notes and
    printed. The draft is checked like any definition: exit 1 if it has problems.
    """
    from alliance_kit.engine.definitions import read_json
    from alliance_kit.interop.fhir import questionnaire_import

    data, problems = read_json(questionnaire_file)
    if data is None or problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{questionnaire_file}: cannot read it")
    try:
        draft = questionnaire_import.import_questionnaire(
            data, instrument_id=instrument_id, wording=wording,
            source=questionnaire_file.name)
    except questionnaire_import.QuestionnaireError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(f"{questionnaire_file}: cannot draft a definition from it: "
                                   "fix the problems above") from None
    _write_draft(draft, output, force, instrument_id)

