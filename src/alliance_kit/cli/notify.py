"""Notification commands of the CLI: notify show | set | test | run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from alliance_kit.cli.context import database_option, kit_of, open_or_fail

if TYPE_CHECKING:
    from alliance_kit.clinic.notify import Attempt

# The clinic (and SQLAlchemy) load when a command runs, not when the commands are listed.


def _actor():
    from alliance_kit.clinic.access import Actor

    return Actor.system("cli:notify")


def teams(store) -> dict[int, str]:
    from alliance_kit.clinic.admin import teams as clinic_teams

    return clinic_teams(store)


def _team_option(function):
    return click.option("--team", "team_id", type=int, default=None,
                        help="Team (clinic) id; leave out for staff without a team.")(function)


@click.group("notify")
def notify_group() -> None:
    """Alert notifications: where they go per clinic, and sending what is due."""


@notify_group.command("show")
@_team_option
@database_option
def show(team_id: int | None, database_url: str | None) -> None:
    """Print a clinic's notification settings (JSON) and its latest notices."""
    from alliance_kit.clinic import notify

    store = open_or_fail(database_url)
    _check_team(store, team_id)
    click.echo(json.dumps(notify.settings.logged(notify.get(store, team_id)), indent=2,
                          ensure_ascii=False))
    for row in notify.recent(store, _actor(), team_id, limit=10):
        when = f" next try {row.next_attempt_at:%Y-%m-%d %H:%M} UTC" if row.next_attempt_at \
            else ""
        error = f" ({row.last_error})" if row.last_error else ""
        click.echo(f"notice {row.id}: {row.channel}, {row.state} after {row.attempts} "
                   f"attempt(s){when}{error}")


@notify_group.command("set")
@click.argument("settings_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_team_option
@database_option
@click.pass_context
def set_command(ctx: click.Context, settings_file: Path, team_id: int | None,
                database_url: str | None) -> None:
    """Set a clinic's notification settings from a JSON file (what `notify show` prints).

    Passwords and secrets never go in the file: `password_env` and `secret_env` name the
    environment variables that hold them.
    """
    from alliance_kit.clinic import notify

    store = open_or_fail(database_url)
    _check_team(store, team_id)
    try:
        value = json.loads(settings_file.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{settings_file}: not a JSON file: {exc}") from None
    if not isinstance(value, dict):
        raise click.ClickException(f"{settings_file}: expected a JSON object")
    kit = kit_of(ctx)
    try:
        notify.put(store, _actor(), team_id, notify.settings.from_dict(value),
                   kit.plugins.channels())
    except ValueError as exc:
        raise click.ClickException(f"{settings_file}: {exc}") from None
    click.echo(f"saved the notification settings of {_team_words(store, team_id)}")


@notify_group.command("test")
@_team_option
@click.option("--channel", default=None, help="Only this channel (default: every one).")
@database_option
@click.pass_context
def test_command(ctx: click.Context, team_id: int | None, channel: str | None,
                 database_url: str | None) -> None:
    """Send a test notice on a clinic's channels now. Exits 1 if any delivery failed."""
    from alliance_kit.clinic import notify

    store = open_or_fail(database_url)
    _check_team(store, team_id)
    try:
        attempts = notify.send_test(store, kit_of(ctx).plugins, _actor(), team_id, channel)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    _report(attempts)


@notify_group.command("run")
@database_option
@click.pass_context
def run(ctx: click.Context, database_url: str | None) -> None:
    """Send every notice that is due (schedule it every minute when the app is not running).

    Exits 1 if any delivery failed (it is retried at the next run after its wait).
    """
    from alliance_kit.clinic import notify

    attempts = notify.deliver_due(open_or_fail(database_url), kit_of(ctx).plugins)
    if not attempts:
        click.echo("nothing to send")
    _report(attempts)


def _report(attempts: list[Attempt]) -> None:
    for attempt in attempts:
        if attempt.ok:
            click.echo(f"notice {attempt.notification_id} ({attempt.channel}): {attempt.detail}")
        else:
            then = "gave up" if attempt.gave_up else "will retry"
            click.echo(f"notice {attempt.notification_id} ({attempt.channel}) failed, {then}: "
                       f"{attempt.detail}", err=True)
    if any(not a.ok for a in attempts):
        raise click.exceptions.Exit(1)


def _check_team(store, team_id: int | None) -> None:
    if team_id is not None and team_id not in teams(store):
        known = ", ".join(f"{i} ({name})" for i, name in teams(store).items()) or "none"
        raise click.BadParameter(f"no team {team_id} (teams: {known})", param_hint="--team")


def _team_words(store, team_id: int | None) -> str:
    return "staff without a team" if team_id is None else f"team {teams(store)[team_id]}"

