"""Attendance and return on the command line: ``attendance import|sweep|policy|export`` and
``retention`` (the clinic's return rate by alliance result)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click

from alliance_kit.cli.context import database_option, read_table_or_fail, services_of

FORMATS = ("table", "json", "csv")


@click.group("attendance")
def attendance_group() -> None:
    """Appointments and attendance: import history, raise time-based alerts, settings."""


@attendance_group.command("import")
@click.argument("path", metavar="FILE",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--client-column", required=True, metavar="C", help="Column of client codes.")
@click.option("--date-column", required=True, metavar="D",
              help="Column of appointment dates (YYYY-MM-DD).")
@click.option("--status-column", required=True, metavar="S", help=(
    "Column of statuses: attended, no-show, cancelled-by-client, cancelled-by-clinic, "
    "scheduled (future appointments only)."))
@click.option("--reason-column", metavar="R", help="Column of reasons (optional).")
@click.option("--time-column", metavar="T", help="Column of times of day, HH:MM (optional).")
@click.option("--dry-run", is_flag=True, help="Check everything, write nothing.")
@database_option
@click.pass_context
def import_attendance_command(ctx: click.Context, path: Path, client_column: str,
                              date_column: str, status_column: str, reason_column: str | None,
                              time_column: str | None, dry_run: bool,
                              database_url: str | None) -> None:
    """Import historical attendance from FILE (CSV or XLSX): one row per appointment.

    Clients are found by code and never created; every row is checked first, and if any
    is rejected nothing is imported and every problem is listed with its row (the header
    is row 1) and column (exit 1). Importing the same file again changes nothing.
    """
    from alliance_kit.clinic.access import Actor  # the clinic loads when a command runs
    from alliance_kit.clinic.attendance_import import import_attendance

    frame = read_table_or_fail(path)
    services = services_of(ctx, database_url)
    try:
        report = import_attendance(
            services, Actor.system("cli:attendance-import"), frame,
            client_column=client_column, date_column=date_column,
            status_column=status_column, reason_column=reason_column,
            time_column=time_column, source_name=path.name, dry_run=dry_run)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        services.store.close()
    for problem in report.rejected:
        click.echo(f"{path}: {problem}", err=True)
    if report.unknown_clients:
        click.echo(f"{path}: unknown client code(s): {', '.join(report.unknown_clients)}",
                   err=True)
    if not report.ok:
        raise click.ClickException(report.summary())
    for alert in report.alerts:
        click.echo(f"alert: {alert}")
    click.echo(report.summary())


@attendance_group.command("sweep")
@database_option
@click.pass_context
def sweep_command(ctx: click.Context, database_url: str | None) -> None:
    """Raise the time-based attendance alerts (not seen for N days) and close the ones that
    no longer apply, for every client. Safe to run often (e.g. daily from cron): a finding
    is stored once, and a run that finds nothing new writes nothing."""
    from alliance_kit.clinic.access import Actor  # the clinic loads when a command runs
    from alliance_kit.clinic.attendance_alerts import sweep

    services = services_of(ctx, database_url)
    try:
        done = sweep(services.store, services.kit, Actor.system("cli:attendance-sweep"))
    finally:
        services.store.close()
    codes = {}
    if done.raised:
        codes = _codes(ctx, database_url, {a["client_id"] for a in done.raised})
    for alert in done.raised:
        click.echo(f"alert: {codes.get(alert['client_id'], alert['client_id'])}: "
                   f"{alert['rule_id']} ({alert['severity']}): {alert['message']}")
    for problem in done.problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo(f"{len(done.raised)} alert(s) raised, {done.resolved} closed")


def _codes(ctx: click.Context, database_url: str | None, ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from alliance_kit.store.models import Client

    services = services_of(ctx, database_url)
    try:
        with services.store.read() as session:
            return dict(session.execute(select(Client.id, Client.code)
                                        .where(Client.id.in_(ids))).all())
    finally:
        services.store.close()


@attendance_group.command("policy")
@click.option("--return-days", type=int, metavar="N",
              help="Returned = attended a later session within N days of a session.")
@click.option("--dropout-days", type=int, metavar="N",
              help="Dropout = no attended session for N days, episode open, nothing booked.")
@click.option("--not-seen-days", type=int, metavar="N",
              help="The 'not seen' alert: no attended session for N days, nothing booked.")
@click.option("--streak", type=int, metavar="N", help="The 'no-show streak' alert: N in a row.")
@database_option
@click.pass_context
def policy_command(ctx: click.Context, database_url: str | None, **changes: int | None) -> None:
    """Show the clinic's return and dropout definitions; with options, change them."""
    from alliance_kit.clinic.access import Actor  # the clinic loads when a command runs
    from alliance_kit.clinic.attendance_data import policy, set_policy
    from alliance_kit.engine.attendance import AttendanceError, AttendancePolicy

    services = services_of(ctx, database_url)
    try:
        current = policy(services.store)
        chosen = {k: v for k, v in changes.items() if v is not None}
        if chosen:
            try:
                current = set_policy(services.store, Actor.system("cli:attendance-policy"),
                                     AttendancePolicy.from_mapping(
                                         {**current.as_dict(), **chosen}))
            except AttendanceError as exc:
                raise click.BadParameter(str(exc)) from None
    finally:
        services.store.close()
    for name, value in current.as_dict().items():
        click.echo(f"{name} = {value}")
    for line in current.words():
        click.echo(line)


@attendance_group.command("export")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--deidentified", is_flag=True,
              help="Pseudonyms for clients, dates shifted per client, no reasons.")
@database_option
@click.pass_context
def export_command(ctx: click.Context, path: Path, deidentified: bool,
                   database_url: str | None) -> None:
    """Write every client's appointments to FILE: .csv, .xlsx, any registered table format,
    or .fhir.json (FHIR R4 Appointment and EpisodeOfCare). An existing FILE is refused."""
    from alliance_kit.clinic.access import Actor  # the clinic loads when a command runs
    from alliance_kit.clinic.attendance_export import export
    from alliance_kit.clinic.exports import FHIR

    if path.exists():
        raise click.ClickException(f"{path} already exists: choose another name")
    services = services_of(ctx, database_url)
    if path.name.lower().endswith(FHIR.suffixes[0]):
        fmt = FHIR.name
    else:
        try:
            fmt = services.kit.exporter_for(path).name
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        made = export(services, Actor.system("cli:attendance-export"), fmt=fmt,
                      deidentified=deidentified)
    finally:
        services.store.close()
    path.write_bytes(made.data)
    click.echo(f"{made.responses} appointment(s) written to {path}")


@click.command("retention")
@database_option
@click.option("--days", type=click.IntRange(1, 365), metavar="N",
              help="Returned = attended again within N days (default: the clinic's setting, 30).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.pass_context
def retention_command(ctx: click.Context, database_url: str | None, days: int | None,
                      fmt: str) -> None:
    """The clinic's return rate by alliance result, with 95% Wilson intervals, and the odds
    ratio of return per alliance point (logistic regression, cluster-robust by client).

    Groups of fewer than 10 sessions show "too few" (null rate in JSON). These are
    associations in this clinic's data, not causes.
    """
    from alliance_kit.clinic.access import Actor  # the clinic loads when a command runs
    from alliance_kit.clinic.retention import ASSOCIATION, evidence

    services = services_of(ctx, database_url)
    try:
        found = evidence(services, Actor.system("cli:retention"), days=days)
    finally:
        services.store.close()
    if fmt == "json":
        click.echo(json.dumps(found.json(), indent=2))
        return
    if fmt == "csv":
        click.echo(_csv(found), nl=False)
        return
    for line in table_lines(found):
        click.echo(line)
    click.echo("")
    for line in [*found.definitions, *found.notes, ASSOCIATION]:
        click.echo(line)


def _number(value, pattern: str = "{:.2f}") -> str:
    return "" if value is None or value != value else pattern.format(value)


def _csv(found) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kind", "instrument", "score", "group", "sessions", "returned", "rate",
                     "ci_low", "ci_high", "odds_ratio", "n"])
    data = found.json()
    for row in data["groups"]:
        writer.writerow(["group", row["instrument"], row["score"], row["group"],
                         row["sessions"], row["returned"], _number(row["rate"], "{:.4f}"),
                         _number(row["ci_low"], "{:.4f}"), _number(row["ci_high"], "{:.4f}"),
                         "", ""])
    for row in data["models"]:
        writer.writerow(["model", row["instrument"], row["score"], "", "", "", "",
                         _number(row["ci_low"], "{:.4f}"), _number(row["ci_high"], "{:.4f}"),
                         _number(row["odds_ratio"], "{:.4f}"), row["n"]])
    return buffer.getvalue()


def table_lines(found) -> list[str]:
    """The groups and models as aligned text lines."""
    lines = [f"Return within {found.days} days, by alliance result at the session"]
    header = f"{'instrument':<18}{'group':<24}{'sessions':>9}{'returned':>9}  rate (95% CI)"
    lines += [header, "-" * len(header)]
    for row in found.json()["groups"]:
        rate = ("too few" if row["rate"] is None else
                f"{row['rate']:.0%} ({row['ci_low']:.0%}–{row['ci_high']:.0%})")
        lines.append(f"{row['instrument']:<18}{row['group']:<24}{row['sessions']:>9}"
                     f"{row['returned']:>9}  {rate}")
    lines += ["", "Odds of returning per alliance point (logistic regression, cluster-robust "
              "by client)"]
    for row in found.json()["models"]:
        ratio = ("no model" if row["odds_ratio"] is None else
                 f"{row['odds_ratio']:.2f} ({row['ci_low']:.2f}–{row['ci_high']:.2f})")
        lines.append(f"{row['instrument']:<18}{row['score']:<24}n={row['n']:<7}  {ratio}")
    return lines


__all__ = ["attendance_group", "retention_command", "table_lines"]
