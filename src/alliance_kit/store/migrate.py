"""Schema migrations with Alembic, run from code (``alliance-kit db upgrade``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from alliance_kit.store.engine import Store


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "alliance_kit.store:migrations")
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest schema revision this version of alliance_kit knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(store: Store) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema up to ``revision``; return (before, after)."""
    before = current(store)
    with foreign_keys_off(store) as connection, connection.begin():
        command.upgrade(_config(connection), revision)
    return before, current(store)


@contextmanager
def foreign_keys_off(store: Store) -> Iterator[Connection]:
    """A connection for migrating. On SQLite, foreign keys are off while it runs and checked
    after: changing a column rebuilds its table (Alembic's batch mode), and dropping the old
    copy of a table that other rows refer to would otherwise fail. SQLite only honours the
    setting outside a transaction, so it is set before the migration's transaction begins."""
    with store.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            yield connection
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.rollback()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")
        finally:
            if sqlite:
                connection.rollback()
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
