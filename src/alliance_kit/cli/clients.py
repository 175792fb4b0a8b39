"""Client commands of the CLI: clients recode (fix a code ``db check`` reports)."""

from __future__ import annotations

import click

from alliance_kit.cli.context import database_option, services_of

#: ``alliance_kit.store.names.CODE_RULE``, written out so that listing the commands does not
#: import the store and SQLAlchemy (a test keeps them equal).
CODE_RULE = ("1 to 32 characters: letters A-Z or a-z, digits, '-' and '_', starting with a "
             "letter or digit")


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
    from alliance_kit.clinic.access import Actor

    services = services_of(ctx, database_url)
    try:
        code = services.recode_client(Actor.system("cli:clients"), client_id, new_code)
    except (ValueError, PermissionError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"client {client_id} is now {code}")


recode.help = (recode.help or "").replace("{rule}", CODE_RULE)
