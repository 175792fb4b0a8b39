"""Opening the database: SQLite by default, PostgreSQL by URL; write transactions with retry.

One setting chooses: ``ALLIANCE_KIT_DATABASE_URL`` (or ``database_url`` in the file named by
``ALLIANCE_KIT_CONFIG``), else ``sqlite:///alliance_kit.db`` in the working folder.

SQLite runs in WAL mode with ``synchronous=FULL``, foreign keys on and a busy timeout;
write transactions start with ``BEGIN IMMEDIATE`` so two writers never deadlock midway.
A missing, unreadable or corrupted file is reported as such and never replaced by an
empty database: only ``create=True`` (``alliance-kit db upgrade``, ``demo``) makes one.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from alliance_kit.store.errors import StoreError
from alliance_kit.store.integrity import wal_problem
from alliance_kit.store.keys import INFO_KEY, PENDING_HEAD, Secrets

DATABASE_URL_ENV = "ALLIANCE_KIT_DATABASE_URL"
CONFIG_ENV = "ALLIANCE_KIT_CONFIG"
DEFAULT_URL = "sqlite:///alliance_kit.db"
SQLITE_HEADER = b"SQLite format 3\x00"
#: PostgreSQL error codes worth retrying: serialization failure and deadlock.
RETRY_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 8
#: Connections kept open, and extra ones allowed under load (many tablets at once).
POOL_SIZE = 10
POOL_OVERFLOW = 50

T = TypeVar("T")


def database_url() -> str:
    """The configured database URL: environment, then config file, then the default."""
    if os.environ.get(DATABASE_URL_ENV):
        return os.environ[DATABASE_URL_ENV]
    config = os.environ.get(CONFIG_ENV)
    if config:
        try:
            with open(config, "rb") as handle:
                data = tomllib.load(handle)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise StoreError(f"{config}: cannot read the configuration: {exc}") from None
        if "database_url" in data:
            return str(data["database_url"])
    return DEFAULT_URL


@dataclass
class Store:
    """An open database: the engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    #: Write transactions of this process take turns. SQLite has one writer at a time
    #: anyway, and queueing here beats busy-polling its file lock; on PostgreSQL every
    #: submission ends on the audit chain's lock, and a thread holding that lock must not
    #: wait behind dozens of runnable threads for the GIL (a lock convoy). Other processes
    #: (app servers) still write concurrently, serialized by the database.
    _writer_lock: AbstractContextManager = field(default_factory=threading.Lock, repr=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def secrets(self) -> Secrets:
        """Where this database's audit key and chain head live (see :mod:`.keys`)."""
        found = self.sessions.kw.get("info", {}).get(INFO_KEY)
        return found if isinstance(found, Secrets) else Secrets.for_url(self.engine.url)

    @property
    def sqlite_path(self) -> Path | None:
        database = self.engine.url.database
        return Path(database) if self.dialect == "sqlite" and database else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (a deferred transaction, rolled back at the end)."""
        with self.sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction and commit; retry on serialization
        failures and deadlocks (PostgreSQL) or a busy database (SQLite).

        ``work`` may run more than once, so it must do nothing outside the database.
        """
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with self._writer_lock, self.sessions() as session:
                try:
                    # BEGIN IMMEDIATE itself may find the database locked: retried too.
                    session.connection(execution_options={"alliance_kit_write": True})
                    result = work(session)
                    session.commit()
                    return result
                except DBAPIError as exc:
                    session.rollback()
                    if attempt == MAX_ATTEMPTS or not _retryable(exc):
                        raise
            time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


def open_store(url: str | None = None, *, create: bool = False) -> Store:
    """Open the database at ``url`` (default: :func:`database_url`).

    Without ``create``, a SQLite file must already exist and be a SQLite database.
    """
    url = url or database_url()
    parsed = _parsed(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(url, parsed.database, create)
    else:
        try:
            engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE,
                                   max_overflow=POOL_OVERFLOW, pool_timeout=60)
        except ImportError as exc:  # the URL names a driver that is not installed
            raise StoreError(f"cannot open the database: {_safe(url)}: its driver "
                             f"({exc.name or exc}) is not installed: for PostgreSQL write "
                             "postgresql+psycopg://user@host/database") from None
        except (ArgumentError, TypeError, ValueError) as exc:
            raise StoreError(f"cannot open the database: {_safe(url)}: {exc}") from None
    store = Store(engine, sessions_for(engine, Secrets.for_url(engine.url)))
    try:
        with engine.connect() as connection:
            # Reading the schema touches the file's first pages: a damaged file fails here.
            connection.execute(text("SELECT 1"))
            if engine.dialect.name == "sqlite":
                connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
    except UnicodeDecodeError as exc:  # SQLite's own message about a garbled schema
        engine.dispose()
        raise StoreError(f"{_safe(url)}: the database file may be damaged (its schema cannot "
                         f"be read: {exc.reason}). Nothing was changed; restore it from a "
                         "backup (see docs/deployment.md)") from None
    except DBAPIError as exc:
        engine.dispose()
        if "malformed" in str(exc.orig) or "not a database" in str(exc.orig):
            raise StoreError(f"{_safe(url)}: the database file may be damaged ({exc.orig}). "
                             "Nothing was changed; restore it from a backup "
                             "(see docs/deployment.md)") from None
        raise StoreError(f"{_safe(url)}: cannot open the database: {exc.orig}") from None
    return store


def sessions_for(engine: Engine, secrets: Secrets) -> sessionmaker[Session]:
    """The session factory of a store: its sessions know the store's secrets, and each
    commit that added audit entries records the new chain head outside the database."""
    factory = sessionmaker(engine, expire_on_commit=False, info={INFO_KEY: secrets})

    @event.listens_for(factory, "after_commit")
    def _record_head(session: Session) -> None:
        head = session.info.pop(PENDING_HEAD, None)
        if head is not None:
            secrets.record_head(*head)

    @event.listens_for(factory, "after_rollback")
    def _forget_head(session: Session) -> None:
        session.info.pop(PENDING_HEAD, None)

    return factory


def _sqlite_engine(url: str, database: str | None, create: bool) -> Engine:
    if not database or database == ":memory:":
        raise StoreError("an in-memory database would lose every answer: give a file path")
    path = Path(database)
    if not path.exists():
        if not create:
            raise StoreError(
                f"{path}: no database here. Create one with `alliance-kit db "
                "upgrade` (or `alliance-kit demo`), or check ALLIANCE_KIT_DATABASE_URL;"
                " an empty database is never made silently"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        _check_sqlite_file(path)
    engine = create_engine(url, connect_args={"timeout": 30}, pool_size=POOL_SIZE,
                           max_overflow=POOL_OVERFLOW, pool_timeout=60)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=FULL",
            "foreign_keys=ON",
            "busy_timeout=30000",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        immediate = connection.get_execution_options().get("alliance_kit_write")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _check_sqlite_file(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database: {exc.strerror}") from None
    if header != SQLITE_HEADER:
        size = path.stat().st_size
        what = "is empty" if size == 0 else "does not start like a SQLite database"
        raise StoreError(
            f"{path}: the file {what}: it may be damaged. Nothing was changed; "
            "restore it from a backup (see docs/deployment.md)"
        )
    problem = wal_problem(path)
    if problem:
        raise StoreError(f"{path}: {problem}: the database may be damaged and saved answers "
                         "lost. Nothing was changed; restore from a backup (see "
                         "docs/deployment.md)")


#: The database URLs alliance_kit is made for, by their SQLAlchemy backend name.
BACKENDS = ("sqlite", "postgresql")
EXAMPLES = "sqlite:///path/to/clinic.db or postgresql+psycopg://user@host/database"


def _parsed(url: str):
    """The URL parsed, or a StoreError saying what is wrong with it (never a traceback)."""
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name()
    except (ArgumentError, ValueError, TypeError):
        raise StoreError(f"cannot open the database: {_safe(url)}: this is not a database "
                         f"URL (write {EXAMPLES})") from None
    if backend == "postgres":
        raise StoreError(f"cannot open the database: {_safe(url)}: write postgresql+psycopg:// "
                         "instead of postgres:// (SQLAlchemy needs the full name)")
    if backend not in BACKENDS:
        raise StoreError(f"cannot open the database: {_safe(url)}: {backend} databases are not "
                         f"supported: use SQLite or PostgreSQL ({EXAMPLES})")
    return parsed


def _safe(url: str) -> str:
    """A URL without its password, for messages (even one that cannot be parsed)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        text = str(url)
        if "://" in text:
            return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)
        return re.sub(r":.*", ":***", text)  # not a URL: anything after a colon may be secret
