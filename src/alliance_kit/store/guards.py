"""Database-level guards: the audit log and responses refuse UPDATE and DELETE.

Enforced by triggers, so not even a bug (or a person with a SQL prompt and the app's
credentials) can rewrite history through the application's connection.
"""

from __future__ import annotations

APPEND_ONLY = ("audit_log", "responses")

SQLITE = [
    statement
    for table in APPEND_ONLY
    for statement in (
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    )
]

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION alliance_kit_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$ LANGUAGE plpgsql
    """,
    *[
        statement
        for table in APPEND_ONLY
        for statement in (
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION alliance_kit_append_only()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION alliance_kit_append_only()",
        )
    ],
]


def statements(dialect: str) -> list[str]:
    """The guard DDL for a dialect ("sqlite" or "postgresql")."""
    if dialect == "sqlite":
        return SQLITE
    if dialect == "postgresql":
        return POSTGRESQL
    raise ValueError(f"no append-only guards for {dialect!r}: use SQLite or PostgreSQL")
