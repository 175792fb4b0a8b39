"""Registers the built-in commands of ``alliance-kit``, through the same hook as any plugin.

The command modules are imported when the command line asks for its commands, never when
the app builds its kit.
"""

from __future__ import annotations

from alliance_kit.hookspecs import hookimpl


@hookimpl
def register_commands(cli):
    from alliance_kit.cli import (
        authoring,
        clients,
        instruments,
        notify,
        psychometrics,
        schema,
        scoring,
        store,
        users,
    )

    for command in (
        instruments.instruments, instruments.validate, instruments.plugins,
        scoring.score_command, psychometrics.psychometrics_command,
        store.db, store.backup, store.rescore, store.audit_group, store.demo,
        store.import_command,
        users.users, users.kiosk_group,
        authoring.new, authoring.import_redcap, authoring.fhir_questionnaire_command,
        authoring.import_fhir_questionnaire,
        schema.schema_command,
        clients.clients, notify.notify_group,
    ):
        cli.add_command(command)
