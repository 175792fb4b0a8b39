"""Database-level guards: the audit log and responses refuse UPDATE and DELETE, and any
INSERT that would replace a row or not extend the audit chain.

Enforced by triggers, so not even a bug (or a person with a SQL prompt and the app's
credentials) can rewrite history through the application's connection. The INSERT guards
(migration 0004) close SQLite's ``INSERT OR REPLACE``, which deletes the old row and inserts
a new one without firing DELETE triggers: an insert must not reuse a response's id,
idempotency key or corrected response, and an audit entry must be numbered one after the
last entry and name the last entry's hash as its ``prev_hash``.
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


GENESIS = "0" * 64

INSERT_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_insert_extends_chain BEFORE INSERT ON audit_log "
    "BEGIN "
    "SELECT RAISE(ABORT, 'audit_log is append-only: an entry with this seq exists') "
    "WHERE EXISTS (SELECT 1 FROM audit_log WHERE seq = NEW.seq); "
    "SELECT RAISE(ABORT, 'audit_log is append-only: a new entry must follow the last one') "
    "WHERE NEW.seq IS NOT (SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log); "
    "SELECT RAISE(ABORT, 'audit_log is append-only: prev_hash must be the last entry''s hash') "
    "WHERE NEW.prev_hash IS NOT COALESCE("
    f"(SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1), '{GENESIS}'); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS responses_insert_is_new BEFORE INSERT ON responses "
    "BEGIN "
    "SELECT RAISE(ABORT, 'responses is append-only: a response with this id exists') "
    "WHERE EXISTS (SELECT 1 FROM responses WHERE id = NEW.id); "
    "SELECT RAISE(ABORT, 'responses is append-only: a response with this key exists') "
    "WHERE EXISTS (SELECT 1 FROM responses WHERE idempotency_key = NEW.idempotency_key); "
    "SELECT RAISE(ABORT, 'responses is append-only: that response was already corrected') "
    "WHERE NEW.replaces_id IS NOT NULL "
    "AND EXISTS (SELECT 1 FROM responses WHERE replaces_id = NEW.replaces_id); "
    "END",
]

INSERT_POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION alliance_kit_audit_extends_chain() RETURNS trigger AS $$
    DECLARE
        last_seq bigint;
        last_hash text;
    BEGIN
        SELECT seq, hash INTO last_seq, last_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
        IF NEW.seq IS DISTINCT FROM COALESCE(last_seq, 0) + 1 THEN
            RAISE EXCEPTION 'audit_log is append-only: a new entry must follow the last one'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        IF NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, '{GENESIS}') THEN
            RAISE EXCEPTION 'audit_log is append-only: prev_hash must be the last entry''s hash'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS audit_log_insert_extends_chain ON audit_log",
    "CREATE TRIGGER audit_log_insert_extends_chain BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION alliance_kit_audit_extends_chain()",
    """
    CREATE OR REPLACE FUNCTION alliance_kit_response_is_new() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM responses WHERE id = NEW.id)
           OR EXISTS (SELECT 1 FROM responses WHERE idempotency_key = NEW.idempotency_key)
           OR (NEW.replaces_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM responses WHERE replaces_id = NEW.replaces_id)) THEN
            RAISE EXCEPTION 'responses is append-only: this id or key exists, or was corrected'
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS responses_insert_is_new ON responses",
    "CREATE TRIGGER responses_insert_is_new BEFORE INSERT ON responses "
    "FOR EACH ROW EXECUTE FUNCTION alliance_kit_response_is_new()",
]

INSERT_DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_log_insert_extends_chain",
               "DROP TRIGGER IF EXISTS responses_insert_is_new"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_log_insert_extends_chain ON audit_log",
                   "DROP TRIGGER IF EXISTS responses_insert_is_new ON responses",
                   "DROP FUNCTION IF EXISTS alliance_kit_audit_extends_chain()",
                   "DROP FUNCTION IF EXISTS alliance_kit_response_is_new()"],
}


def insert_statements(dialect: str) -> list[str]:
    """The INSERT guards' DDL for a dialect (migration 0004)."""
    if dialect == "sqlite":
        return INSERT_SQLITE
    if dialect == "postgresql":
        return INSERT_POSTGRESQL
    raise ValueError(f"no insert guards for {dialect!r}: use SQLite or PostgreSQL")
