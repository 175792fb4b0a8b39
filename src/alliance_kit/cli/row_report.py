"""What ``score`` says about single rows on standard error: warnings, and with
``--bad-rows blank`` the bad values whose rows were scored blank."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from alliance_kit.cli.context import FIRST_DATA_ROW

if TYPE_CHECKING:
    from alliance_kit.cli.tables import Widened
    from alliance_kit.engine.batch_scoring import StreamReport


def report_rows(report: StreamReport, source: Path, most: int,
                widened: Widened | None = None) -> None:
    """Each row's warnings, then its bad values, rows numbered as a spreadsheet shows
    them; at most ``most`` lines each, then a count of the rest."""
    for kind, notes, total in (("warning", report.row_warnings, report.row_warning_total),
                               ("bad value", report.row_errors, report.row_error_total)):
        for note in notes[:most]:
            row = widened.row_of(note.row, note.column) if widened else note.row
            click.echo(f"{source}: row {row + FIRST_DATA_ROW}, column {note.column!r}: "
                       f"{kind}: {note.message}", err=True)
        if total > most:
            click.echo(f"... {total - most} more {kind}(s)", err=True)
    if report.row_error_total:
        click.echo(f"{source}: {report.bad_row_count} of {report.rows} row(s) had bad values: "
                   "their scores are blank and the 'error' column says why", err=True)
    if report.warned_rows:
        click.echo(f"{source}: {report.warned_rows} row(s) scored with warnings (--reasons adds "
                   "a 'warning' column)", err=True)
