"""Account commands of the CLI: users add | disable | enable | set-role | reset-password |
idle-minutes, and the kiosk's PIN and idle time."""

from __future__ import annotations

import click

from alliance_kit.cli.context import database_option, open_or_fail

#: ``alliance_kit.clinic.access.STAFF_ROLES`` (a test keeps them equal), written out so that
#: listing the commands does not import the clinic and SQLAlchemy.
STAFF_ROLES = ("therapist", "supervisor", "admin")


def _actor():
    from alliance_kit.clinic.access import Actor

    return Actor.system("cli:users")


def _password(prompt: str) -> str:
    return click.prompt(prompt, hide_input=True, confirmation_prompt=True)


def _run(action) -> None:
    try:
        action()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def users() -> None:
    """Staff accounts (passwords are asked for, never given on the command line)."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option("--name", "display_name", default="", help="The name shown in the app.")
@click.option("--team", "team_id", type=int, help="Team id (for supervisors and their team).")
@database_option
def add(username: str, role: str, display_name: str, team_id: int | None,
        database_url: str | None) -> None:
    """Add a staff account; asks for its password twice."""
    from alliance_kit.clinic import accounts

    store = open_or_fail(database_url)
    password = _password(f"Password for {username}")
    _run(lambda: accounts.add_user(store, _actor(), username, role, password,
                                   display_name=display_name, team_id=team_id))
    click.echo(f"added {role} {username}")


@users.command()
@click.argument("username")
@database_option
def disable(username: str, database_url: str | None) -> None:
    """Disable an account: it can no longer log in (its history stays)."""
    from alliance_kit.clinic import accounts

    _run(lambda: accounts.set_active(open_or_fail(database_url), _actor(), username, False))
    click.echo(f"disabled {username}")


@users.command()
@click.argument("username")
@database_option
def enable(username: str, database_url: str | None) -> None:
    """Enable a disabled account again."""
    from alliance_kit.clinic import accounts

    _run(lambda: accounts.set_active(open_or_fail(database_url), _actor(), username, True))
    click.echo(f"enabled {username}")


@users.command("set-role")
@click.argument("username")
@click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
@click.option("--team", "team_id", type=int, help="Team id (none: no team).")
@database_option
def set_role(username: str, role: str, team_id: int | None, database_url: str | None) -> None:
    """Give an account another role or team; its open sessions end at once."""
    from alliance_kit.clinic import accounts

    _run(lambda: accounts.set_role(open_or_fail(database_url), _actor(), username, role,
                                   team_id))
    click.echo(f"{username} is now {role}" + (f" in team {team_id}" if team_id else ""))


@users.command("reset-password")
@click.argument("username")
@database_option
def reset_password(username: str, database_url: str | None) -> None:
    """Set a new password (asked for twice) and lift any lockout."""
    from alliance_kit.clinic import accounts

    store = open_or_fail(database_url)
    password = _password(f"New password for {username}")
    _run(lambda: accounts.set_password(store, _actor(), username, password))
    click.echo(f"password reset for {username}")


@users.command("idle-minutes")
@click.argument("minutes", type=float)
@database_option
def staff_idle_minutes(minutes: float, database_url: str | None) -> None:
    """Log a staff screen out after MINUTES without activity (1 to 60; default 15)."""
    from alliance_kit.clinic import staff_sessions

    _run(lambda: staff_sessions.set_idle_minutes(open_or_fail(database_url), _actor(),
                                                      minutes))
    click.echo(f"staff screens log out after {minutes:g} minutes idle")


@click.group("kiosk")
def kiosk_group() -> None:
    """Kiosk tablets: the staff PIN that unlocks them and their idle time."""


@kiosk_group.command("set-pin")
@database_option
def set_pin(database_url: str | None) -> None:
    """Set the staff PIN (digits, asked for twice) that unlocks a kiosk tablet."""
    from alliance_kit.clinic import kiosk

    store = open_or_fail(database_url)
    pin = _password("Kiosk PIN")
    _run(lambda: kiosk.set_pin(store, _actor(), pin))
    click.echo("kiosk PIN set")


@kiosk_group.command("idle-minutes")
@click.argument("minutes", type=float)
@database_option
def idle_minutes(minutes: float, database_url: str | None) -> None:
    """Lock a tablet (discarding half-filled answers) after MINUTES without a tap."""
    from alliance_kit.clinic import kiosk

    _run(lambda: kiosk.set_idle_minutes(open_or_fail(database_url), _actor(), minutes))
    click.echo(f"kiosk tablets lock after {minutes:g} minutes idle")
