"""What the database must not hold about itself: the audit key and the chain head.

- The **audit key** signs every audit entry and every response's payload hash
  (HMAC-SHA-256), so someone who can write to the database but does not have the key
  cannot change an entry or an answer and recompute a hash that passes
  ``alliance-kit audit verify`` and ``db check``.
- The **chain head** (the newest audit entry's number and hash) is written to a file after
  every commit that adds entries, so deleting the newest entries — a cut tail, which
  leaves a perfectly valid shorter chain — is noticed by comparing the log with it.

Where they come from (the first that applies; see docs/deployment.md, "The audit key"):

- key: ``ALLIANCE_KIT_AUDIT_KEY`` (at least 64 hex digits), else the file named by
  ``ALLIANCE_KIT_AUDIT_KEY_FILE`` (or ``audit_key_file`` in the ``ALLIANCE_KIT_CONFIG``
  file), else, for SQLite only, ``<database file>.audit-key`` next to the database, made
  (mode 0600) the first time an entry is written. PostgreSQL has no "next to": every app
  server must be given the same key, so it must be configured.
- head: ``ALLIANCE_KIT_AUDIT_HEAD_FILE`` (or ``audit_head_file``), else, for SQLite,
  ``<database file>.audit-head``. For PostgreSQL without one, a cut tail cannot be told
  from a short log, and ``audit verify`` says so.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import secrets
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from alliance_kit.store.errors import AuditKeyError

KEY_ENV = "ALLIANCE_KIT_AUDIT_KEY"
KEY_FILE_ENV = "ALLIANCE_KIT_AUDIT_KEY_FILE"
HEAD_FILE_ENV = "ALLIANCE_KIT_AUDIT_HEAD_FILE"
CONFIG_ENV = "ALLIANCE_KIT_CONFIG"
KEY_SUFFIX = ".audit-key"
HEAD_SUFFIX = ".audit-head"
#: Shortest key accepted: 32 bytes (64 hex digits), the HMAC-SHA-256 block's half.
MIN_KEY_BYTES = 32
#: Where a session carries its store's secrets (``Session.info``).
INFO_KEY = "alliance_kit.secrets"
#: Set by ``audit.append`` on its session: (seq, hash) of the newest entry it added, for the
#: store to record as the chain head once the transaction commits.
PENDING_HEAD = "alliance_kit.pending_head"
#: Bytes of the head file: one JSON record padded with spaces (rewritten in place).
HEAD_SIZE = 256

log = logging.getLogger(__name__)


def config_setting(name: str) -> str | None:
    """A value from the ``ALLIANCE_KIT_CONFIG`` TOML file, if there is one and it has it."""
    config = os.environ.get(CONFIG_ENV)
    if not config:
        return None
    try:
        with open(config, "rb") as handle:
            value = tomllib.load(handle).get(name)
    except (OSError, tomllib.TOMLDecodeError):
        return None  # database_url() already reports an unreadable configuration
    return None if value is None else str(value)


def parse_key(text: str, where: str) -> bytes:
    """A key written as hex digits (whitespace ignored), at least 32 bytes."""
    digits = "".join(text.split())
    try:
        key = bytes.fromhex(digits)
    except ValueError:
        raise AuditKeyError(f"{where}: the audit key must be written as hex digits") from None
    if len(key) < MIN_KEY_BYTES:
        raise AuditKeyError(f"{where}: the audit key is too short: {len(key)} bytes, at least "
                        f"{MIN_KEY_BYTES} (64 hex digits) are needed")
    return key


def new_key_file(path: Path) -> Path:
    """Write a new random key to ``path`` (mode 0600); never overwrites an existing file.

    The file appears whole or not at all (written aside, then linked into place), so a
    server reading it at that moment never sees it half-written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(MIN_KEY_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(aside, path)  # FileExistsError if there is one already
    finally:
        os.unlink(aside)
    return path


@dataclass(frozen=True)
class Head:
    """The newest audit entry a server saw committed: its number and hash."""

    seq: int
    hash: str
    at: str = ""

    @classmethod
    def read(cls, path: Path) -> Head:
        """The head recorded in a head file or a backup manifest (``{"audit_head": ...}``)."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        data = data.get("audit_head", data) if isinstance(data, dict) else data
        if not isinstance(data, dict) or not isinstance(data.get("seq"), int) \
                or not isinstance(data.get("hash"), str):
            raise ValueError(f"{path}: not a chain head (needs seq and hash)")
        return cls(data["seq"], data["hash"], str(data.get("at", "")))

    def as_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at}


@dataclass
class Secrets:
    """Where one database's audit key and chain head live, and the key once read."""

    #: The key itself when it comes from the environment.
    key_value: str | None = None
    key_file: Path | None = None
    #: Whether a missing key file may be made (only the SQLite default next to the file).
    may_create: bool = False
    head_file: Path | None = None
    dialect: str = "sqlite"
    _key: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def for_url(cls, url: URL) -> Secrets:
        """The secrets' places for a database URL, from the environment and the config."""
        dialect = url.get_backend_name()
        database = Path(url.database) if dialect == "sqlite" and url.database else None
        key_value = os.environ.get(KEY_ENV) or None
        key_file = os.environ.get(KEY_FILE_ENV) or config_setting("audit_key_file")
        head_file = os.environ.get(HEAD_FILE_ENV) or config_setting("audit_head_file")
        may_create = False
        if key_file is None and database is not None:
            key_file, may_create = str(database) + KEY_SUFFIX, True
        if head_file is None and database is not None:
            head_file = str(database) + HEAD_SUFFIX
        return cls(key_value, Path(key_file) if key_file else None, may_create,
                   Path(head_file) if head_file else None, dialect)

    @property
    def where(self) -> str:
        """Where the key comes from, in words."""
        if self.key_value is not None:
            return KEY_ENV
        return str(self.key_file) if self.key_file else f"not configured: set {KEY_FILE_ENV}"

    def key(self) -> bytes | None:
        """The key if it exists already (never makes one); None when there is none yet."""
        if self._key is not None:
            return self._key
        if self.key_value is not None:
            self._key = parse_key(self.key_value, KEY_ENV)
        elif self.key_file is not None and self.key_file.exists():
            try:
                text = self.key_file.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise AuditKeyError(f"{self.key_file}: cannot read the audit key: {exc}") from None
            self._key = parse_key(text, str(self.key_file))
        return self._key

    def require_key(self) -> bytes:
        """The key for writing: made next to a SQLite database the first time, else an error."""
        key = self.key()
        if key is not None:
            return key
        with self._lock:
            if self._key is None and self.may_create and self.key_file is not None:
                try:
                    new_key_file(self.key_file)
                except FileExistsError:
                    pass  # another process made it a moment ago: use theirs
                except OSError as exc:
                    raise AuditKeyError(f"{self.key_file}: cannot make the audit key: "
                                        f"{exc.strerror}. Nothing was saved") from None
                return self.key() or self._missing()
        return self._missing()

    def _missing(self) -> bytes:
        if self.key_file is not None and not self.may_create:
            raise AuditKeyError(f"{self.key_file}: there is no audit key file here. Make one "
                                "with `alliance-kit audit new-key FILE` and give the same file "
                                "to every app server (see docs/deployment.md). Nothing was "
                                "saved")
        raise AuditKeyError(f"no audit key is configured for this {self.dialect} database: set "
                            f"{KEY_FILE_ENV} to a file made with `alliance-kit audit new-key "
                            f"FILE` (or {KEY_ENV}), the same on every app server (see "
                            "docs/deployment.md). Nothing was saved")

    # ---- the chain head ------------------------------------------------------------------

    def read_head(self) -> Head | None:
        """The recorded head, or None when there is no head file (yet)."""
        if self.head_file is None or not self.head_file.exists():
            return None
        return Head.read(self.head_file)

    def record_head(self, seq: int, digest: str) -> None:
        """Record a newer head (an older one never replaces a newer: servers race).

        The file is rewritten in place, as one fixed-size write under a lock on the file
        itself: a rename per commit (a new file, a directory update) costs ten times more,
        and this runs after every write transaction.
        """
        if self.head_file is None:
            return
        path = self.head_file
        try:
            if not path.parent.is_dir():
                path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                current = os.pread(descriptor, HEAD_SIZE, 0)
                try:
                    if current.strip() and json.loads(current)["seq"] >= seq:
                        return
                except (ValueError, KeyError, TypeError):
                    pass  # unreadable: replace it
                head = Head(seq, digest, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
                record = json.dumps(head.as_dict()).encode("ascii").ljust(HEAD_SIZE - 1) + b"\n"
                os.pwrite(descriptor, record, 0)
            finally:
                os.close(descriptor)  # closing releases the lock
        except OSError as exc:
            # The entry is committed; failing now would make the caller think it was not.
            log.warning("%s: cannot record the audit chain head: %s", path, exc)


def of_session(session) -> Secrets:
    """The secrets of the store a session came from (or worked out from its database)."""
    found = session.info.get(INFO_KEY)
    if isinstance(found, Secrets):
        return found
    return Secrets.for_url(session.get_bind().url)


__all__ = ["HEAD_FILE_ENV", "INFO_KEY", "KEY_ENV", "KEY_FILE_ENV", "PENDING_HEAD", "AuditKeyError",
           "Head", "Secrets", "config_setting", "new_key_file", "of_session", "parse_key"]
