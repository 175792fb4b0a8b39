"""Storage: the tables, opening the database, migrations, the audit log, backups."""

from alliance_kit.store.engine import Store, StoreError, database_url, open_store

__all__ = ["Store", "StoreError", "database_url", "open_store"]
