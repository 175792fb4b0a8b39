"""Schema migrations with Alembic, run from code (``alliance-kit db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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
    with store.engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    return before, current(store)
