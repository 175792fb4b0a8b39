"""Client commands of the CLI: clients recode (fix a code ``db check`` reports)."""

from __future__ import annotations

import click

from alliance_kit.cli.context import database_option, services_of
from alliance_kit.clinic.access import Actor
from alliance_kit.store.names import CODE_RULE

ACTOR = Actor.system("cli:clients")


@click.group()
def clients() -> None:
    """Client records (clients are known by a pseudonymous code only)."""


@clients.command("recode")
@click.argument("client_id", type=int)
@click.argument("new_code")
@database_option
@click.pass_context
def recode(ctx: click.Context, client_id: int, new_code: str, database_url: str | None) -> None:
    """Give client CLIENT_ID the code NEW_CODE (audited with the old code).

    A code is {rule}. `alliance-kit db check` lists codes stored before this rule that
    break it, with their client ids.
    """
    services = services_of(ctx, database_url)
    try:
        code = services.recode_client(ACTOR, client_id, new_code)
    except (ValueError, PermissionError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"client {client_id} is now {code}")


recode.help = (recode.help or "").replace("{rule}", CODE_RULE)
