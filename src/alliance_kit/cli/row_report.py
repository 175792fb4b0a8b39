"""What ``score`` says about single rows: warnings and bad values on standard error, and
the columns it may add (``error``, ``warning``, ``alerts``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
import pandas as pd

from alliance_kit.cli.context import FIRST_DATA_ROW
from alliance_kit.engine.alerts import alert_ids
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.scoring import ScoreResult


@dataclass(frozen=True)
class _Added:
    """Names of the columns ``score`` adds beside the scores, by option."""

    error: str = "error"
    warning: str = "warning"
    alerts: str = "alerts"

    def added(self, *, errors: bool, warnings: bool, alerts: bool) -> set[str]:
        return ({self.error} if errors else set()) | ({self.warning} if warnings else set()) \
            | ({self.alerts} if alerts else set())


REPORT_COLUMNS = _Added()


def report_rows(result: ScoreResult, source: Path, most: int) -> None:
    """Each row's warnings, then (``--bad-rows blank``) its bad values, on standard error,
    rows numbered as a spreadsheet shows them; at most ``most`` lines each, then a count."""
    for kind, notes in (("warning", result.row_warnings), ("bad value", result.row_errors)):
        for note in notes[:most]:
            click.echo(f"{source}: row {note.row + FIRST_DATA_ROW}, column {note.column!r}: "
                       f"{kind}: {note.message}", err=True)
        if len(notes) > most:
            click.echo(f"... {len(notes) - most} more {kind}(s)", err=True)
    if result.row_errors:
        bad = int(result.bad_rows.sum())
        click.echo(f"{source}: {bad} of {len(result.scores)} row(s) had bad values: their "
                   "scores are blank and the 'error' column says why", err=True)
    if result.row_warnings:
        rows = len({w.row for w in result.row_warnings})
        click.echo(f"{source}: {rows} row(s) scored with warnings (--reasons adds a 'warning' "
                   "column)", err=True)


def add_alerts(scored: pd.DataFrame, instrument: Instrument, result: ScoreResult) -> pd.DataFrame:
    """``scored`` with an ``alerts`` column: the ids of each row's alerts, most urgent first."""
    ids = alert_ids(instrument, result)
    return scored.assign(**{REPORT_COLUMNS.alerts: ids.to_numpy()})
