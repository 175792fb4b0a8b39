"""Faults of the disk and the file: damaged SQLite files, damaged or missing WAL side files,
a full disk and a read-only database.

For each kind of damage, done to a copy of a database with data:

- ``open_store`` refuses with a plain ``StoreError`` (the file is left byte for byte as it
  was, and nothing is created next to it); or
- ``maintenance.check`` reports a problem (and the open and the check leave the file's
  bytes as they were); or, only where SQLite legitimately recovers (a deleted ``-shm``,
  garbage after the last page), every row is still there;
- ``maintenance.check`` never raises and never says OK when data was lost;
- ``Services.submit_response`` never returns success for a row that cannot be read back.

A full disk is real (a small tmpfs where it can be mounted, else SQLite's
``max_page_count`` on every connection) or injected (``OSError(ENOSPC)``, a driver's "disk
full") on both engines: the submission raises, nothing of it is kept, earlier ones stay.
See also tests/storage/test_engine.py (empty/random/text files, a read-only file made
immutable with chattr, a failed write on both engines) and test_crash.py (SIGKILL).
"""

from __future__ import annotations

import errno
import random
import shutil
import sqlite3
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import DBAPIError, OperationalError

from alliance_kit.clinic.access import Actor
from alliance_kit.clinic.services import Services
from alliance_kit.store import StoreError, maintenance, migrate, open_store
from alliance_kit.store.models import AuditEntry, Response, Score

SYSTEM = Actor.system()
PAGE = 4096
CLIENTS = 60
#: Responses written after the last checkpoint, present only in the -wal file.
WAL_WRITES = 5


def phq(value: int = 1) -> dict:
    return {str(i): value for i in range(1, 10)}


def srs() -> dict:
    return {"1": 9, "2": 9, "3": 9, "4": 9}


def side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def side_files(path: Path) -> list[Path]:
    return [p for p in (side(path, "-wal"), side(path, "-shm"), side(path, "-journal"))
            if p.exists()]


def rows(store) -> list[tuple]:
    """Every response (id, key, answers), in id order."""
    with store.read() as session:
        return [tuple(r) for r in session.execute(
            select(Response.id, Response.idempotency_key, Response.answers)
            .order_by(Response.id))]


def counts(store) -> tuple[int, int, int]:
    with store.read() as session:
        return tuple(session.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Response, Score, AuditEntry))


# ---- the database to damage, and where its pages are ---------------------------------


@dataclass(frozen=True)
class Layout:
    """Page numbers (1-based) of the good file's b-trees, found by walking them."""

    interior: dict[str, list[int]]
    leaves: dict[str, list[int]]
    pages: int


@dataclass(frozen=True)
class Original:
    data: bytes
    layout: Layout
    rows: list[tuple]


def _page_header(number: int) -> int:
    return (number - 1) * PAGE + (100 if number == 1 else 0)


def _walk(data: bytes, root: int, interior: list[int], leaves: list[int]) -> None:
    start = _page_header(root)
    kind = data[start]
    if kind in (0x02, 0x05):  # interior index / table page
        interior.append(root)
        cells = struct.unpack(">H", data[start + 3:start + 5])[0]
        children = [struct.unpack(">I", data[start + 8:start + 12])[0]]
        for i in range(cells):
            pointer = struct.unpack(">H", data[start + 12 + 2 * i:start + 14 + 2 * i])[0]
            at = (root - 1) * PAGE + pointer
            children.append(struct.unpack(">I", data[at:at + 4])[0])
        for child in children:
            _walk(data, child, interior, leaves)
    elif kind in (0x0A, 0x0D):
        leaves.append(root)
    else:  # pragma: no cover - the good file is good
        raise AssertionError(f"page {root} has b-tree type {kind:#x}")


def layout_of(path: Path) -> Layout:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == PAGE
        roots = dict(connection.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE rootpage > 0"))
    roots["sqlite_schema"] = 1
    data = path.read_bytes()
    interior: dict[str, list[int]] = {}
    leaves: dict[str, list[int]] = {}
    for name, root in roots.items():
        _walk(data, root, interior.setdefault(name, []), leaves.setdefault(name, []))
    return Layout(interior, leaves, len(data) // PAGE)


@pytest.fixture(scope="module")
def original(tmp_path_factory, kit) -> Original:
    """A checkpointed SQLite database with 60 clients, each with a PHQ-9 response."""
    path = tmp_path_factory.mktemp("original") / "clinic.db"
    store = open_store(f"sqlite:///{path}", create=True)
    migrate.upgrade(store)
    services = Services(store, kit)
    user = services.add_user(SYSTEM, "ana", "therapist")
    for i in range(CLIENTS):
        client = services.add_client(SYSTEM, f"C{i}", therapist_ids=[user])
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers=phq(i % 3), idempotency_key=f"k{i}")
    saved = rows(store)
    store.close()
    assert side_files(path) == []
    layout = layout_of(path)
    # The damage below needs these: interior pages in the data tables, several leaves.
    assert layout.interior["responses"] and layout.interior["audit_log"]
    assert len(layout.leaves["responses"]) >= 3 and len(layout.leaves["sqlite_schema"]) >= 2
    return Original(path.read_bytes(), layout, saved)


# ---- kinds of damage to the main file -------------------------------------------------


def flip(data: bytes, offset: int, length: int = 1) -> bytes:
    out = bytearray(data)
    for i in range(offset, offset + length):
        out[i] ^= 0xFF
    return bytes(out)


def put(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def page(number: int) -> slice:
    return slice((number - 1) * PAGE, number * PAGE)


def with_page(data: bytes, number: int, content: bytes) -> bytes:
    assert len(content) == PAGE
    return data[:(number - 1) * PAGE] + content + data[number * PAGE:]


def in_page(data: bytes, numbers: list[int], needle: bytes) -> int:
    """The file offset of ``needle`` in the first of these pages that holds it."""
    for number in numbers:
        at = data[page(number)].find(needle)
        if at >= 0:
            return (number - 1) * PAGE + at
    raise AssertionError(f"{needle!r} not found in pages {numbers}")


def first_child_pointer(data: bytes, number: int) -> int:
    """The file offset of the left-child pointer of an interior page's first cell."""
    start = _page_header(number)
    pointer = struct.unpack(">H", data[start + 12:start + 14])[0]
    return (number - 1) * PAGE + pointer


Damage = Callable[[bytes, Layout], bytes]


def _seeded(n: int) -> bytes:
    return random.Random(n).randbytes(PAGE)


CORRUPTIONS: dict[str, Damage] = {
    # the 100-byte file header
    "header magic overwritten": lambda d, L: put(d, 0, b"SQLite format 4\x00"),
    "page size not a power of two": lambda d, L: put(d, 16, b"\x03\x00"),
    "page size changed to 1024": lambda d, L: put(d, 16, b"\x04\x00"),
    "page count field corrupted": lambda d, L: put(d, 28, b"\x00\x00\x00\x05"),
    "text encoding field corrupted": lambda d, L: put(d, 56, b"\x00\x00\x00\x07"),
    "reserved bytes per page changed": lambda d, L: put(d, 20, b"\x40"),
    "right header then all zeros": lambda d, L: d[:16] + bytes(len(d) - 16),
    "whole file header then all zeros": lambda d, L: d[:100] + bytes(len(d) - 100),
    # truncations
    "truncated to 0 bytes": lambda d, L: b"",
    "truncated to 100 bytes": lambda d, L: d[:100],
    "truncated to half": lambda d, L: d[:len(d) // 2],
    "truncated one page short": lambda d, L: d[:-PAGE],
    "truncated mid-page": lambda d, L: d[:-PAGE - 1234],
    # the first page (root of the schema table)
    "page 1 b-tree header flipped": lambda d, L: flip(d, 100, 12),
    "page 1 zeroed after the file header": lambda d, L: d[:100] + bytes(PAGE - 100) + d[PAGE:],
    "page 1 child pointer flipped": lambda d, L: flip(d, first_child_pointer(d, 1), 4),
    # the schema table
    "schema table SQL flipped": lambda d, L: flip(
        d, in_page(d, L.leaves["sqlite_schema"], b"CREATE TABLE responses") + 7, 5),
    # b-tree interior pages
    "responses interior page child pointer flipped": lambda d, L: flip(
        d, first_child_pointer(d, L.interior["responses"][0]), 4),
    "responses interior page zeroed": lambda d, L: with_page(
        d, L.interior["responses"][0], bytes(PAGE)),
    "audit_log interior page garbage": lambda d, L: with_page(
        d, L.interior["audit_log"][0], _seeded(1)),
    # data (leaf) pages
    "responses data page header flipped": lambda d, L: flip(
        d, _page_header(L.leaves["responses"][1]) + 3, 2),
    "responses data page zeroed": lambda d, L: with_page(
        d, L.leaves["responses"][1], bytes(PAGE)),
    "responses data page random bytes": lambda d, L: with_page(
        d, L.leaves["responses"][1], _seeded(2)),
    "two responses data pages swapped": lambda d, L: with_page(with_page(
        d, L.leaves["responses"][0], d[page(L.leaves["responses"][1])]),
        L.leaves["responses"][1], d[page(L.leaves["responses"][0])]),
    "audit data page overwritten by a responses page": lambda d, L: with_page(
        d, L.leaves["audit_log"][1], d[page(L.leaves["responses"][1])]),
    "audit entry text changed in its data page": lambda d, L: put(
        d, in_page(d, L.leaves["audit_log"], b'"instrument": "phq-9"') + 2, b"J"),
    "audit entry text made invalid UTF-8": lambda d, L: put(
        d, in_page(d, L.leaves["audit_log"], b'"instrument": "phq-9"') + 2, b"\xff"),
    "an answer changed in its data page": lambda d, L: put(
        d, in_page(d, L.leaves["responses"], b'"1": 1, "2": 1') + 5, b"3"),
    # an empty, valid database where the clinic's was
    "replaced by an empty SQLite database": lambda d, L: _empty_database(),
}

#: Damage SQLite rightly ignores: the data must be intact.
RECOVERABLE: dict[str, Damage] = {
    "garbage appended after the last page": lambda d, L: d + random.Random(3).randbytes(5000),
    "whole garbage pages appended": lambda d, L: d + random.Random(4).randbytes(3 * PAGE),
}


def _empty_database() -> bytes:
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE t (x)")  # an empty database has no pages at all
        connection.execute("DROP TABLE t")
        # Bytes 18-19 say WAL, as in every file open_store made (opening a file in the
        # old rollback mode switches it to WAL: a legitimate change to its header).
        return put(connection.serialize(), 18, b"\x02\x02")
    finally:
        connection.close()


def assert_plain(message: str, path: Path) -> None:
    assert "Traceback" not in message and "sqlalche.me" not in message, message
    assert str(path) in message, message
    assert any(word in message for word in ("damaged", "cannot", "no database")), message


def attempt_submission(url: str, kit, key: str = "after-damage") -> None:
    """``submit_response`` on the damaged file: an exception, or a row that can be read
    back (by the same store and by a new one) with the answers sent."""
    try:
        store = open_store(url)
    except StoreError:
        return
    try:
        services = Services(store, kit)
        try:
            saved = services.submit_response(SYSTEM, client_id=1, instrument_id="phq-9",
                                             answers=phq(2), idempotency_key=key)
        except Exception:  # noqa: BLE001 - any failure is fine; a false "saved" is not
            return
        with store.read() as session:
            stored = session.get(Response, saved.response_id)
            assert stored is not None and stored.answers == phq(2)
    finally:
        store.close()
    reopened = open_store(url)  # a StoreError here means "saved" was a lie
    try:
        assert (saved.response_id, key, phq(2)) in rows(reopened)
    finally:
        reopened.close()


def damaged_copy(tmp_path: Path, original: Original, damage: Damage) -> tuple[Path, bytes]:
    path = tmp_path / "damaged.db"
    content = damage(original.data, original.layout)
    path.write_bytes(content)
    return path, content


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_damaged_file_is_refused_or_reported_never_ok(tmp_path, kit, original, kind):
    path, content = damaged_copy(tmp_path, original, CORRUPTIONS[kind])
    assert content != original.data
    url = f"sqlite:///{path}"
    try:
        store = open_store(url)
    except StoreError as exc:
        assert_plain(str(exc), path)
        assert path.read_bytes() == content, "a refused file was changed"
        assert side_files(path) == []
        return
    try:
        report = maintenance.check(store)  # must report, never raise
    finally:
        store.close()
    assert not report.ok, f"{kind}: check says OK: {report.checked}"
    assert all(problem.strip() for problem in report.problems)
    assert path.read_bytes() == content, "opening and checking changed the file"
    attempt_submission(url, kit)


@pytest.mark.parametrize("kind", sorted(RECOVERABLE))
def test_harmless_damage_keeps_every_row(tmp_path, kit, original, kind):
    path, content = damaged_copy(tmp_path, original, RECOVERABLE[kind])
    url = f"sqlite:///{path}"
    store = open_store(url)
    try:
        report = maintenance.check(store)
        if report.ok:
            assert rows(store) == original.rows
    finally:
        store.close()
    assert path.read_bytes() == content
    attempt_submission(url, kit)


def test_the_damage_kinds_are_at_least_twenty_and_all_differ(original):
    made = [damage(original.data, original.layout) for damage in CORRUPTIONS.values()]
    assert len(CORRUPTIONS) + len(NOT_A_FILE) + len(WAL_DAMAGE) >= 20
    assert len(set(made)) == len(made)
    assert original.data not in made


# ---- something other than a file where the database should be ------------------------


def _directory(path: Path) -> None:
    path.mkdir()


def _dangling_symlink(path: Path) -> None:
    path.symlink_to(path.with_name("gone") / "clinic.db")


NOT_A_FILE = {"a directory": _directory, "a symlink to nowhere": _dangling_symlink}


@pytest.mark.parametrize("kind", sorted(NOT_A_FILE))
def test_no_file_where_the_database_should_be_is_refused_and_nothing_made(tmp_path, kind):
    path = tmp_path / "clinic.db"
    NOT_A_FILE[kind](path)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{path}")
    assert_plain(str(info.value), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / "gone").exists()


# ---- the WAL: writes that live only in the -wal file ---------------------------------


@dataclass(frozen=True)
class WalSnapshot:
    files: dict[str, bytes]  # suffix ("", "-wal", "-shm") -> bytes
    rows: list[tuple]  # every response, including those only in the WAL


@pytest.fixture(scope="module")
def wal_snapshot(tmp_path_factory, kit, original) -> WalSnapshot:
    """The files of a database in use, as a crash or a kill leaves them: committed
    responses in the -wal file, not yet checkpointed into the main file."""
    path = tmp_path_factory.mktemp("wal") / "clinic.db"
    path.write_bytes(original.data)
    store = open_store(f"sqlite:///{path}")
    try:
        services = Services(store, kit)
        for i in range(WAL_WRITES):
            services.submit_response(SYSTEM, client_id=i + 1, instrument_id="srs",
                                     answers=srs(), idempotency_key=f"wal-{i}")
        committed = rows(store)
        # The open pool keeps the WAL: copy the three files as a power cut would leave them.
        files = {suffix: side(path, suffix).read_bytes() if suffix else path.read_bytes()
                 for suffix in ("", "-wal", "-shm")}
    finally:
        store.close()
    assert len(committed) == CLIENTS + WAL_WRITES
    assert files[""] == original.data, "the writes were checkpointed: not a WAL test"
    assert len(files["-wal"]) > 32 and files["-shm"]
    return WalSnapshot(files, committed)


def _wal_frame_size() -> int:
    return 24 + PAGE


def _drop(suffix: str):
    def damage(files: dict[str, bytes]) -> None:
        del files[suffix]
    return damage


def _flip_last_frame(files: dict[str, bytes]) -> None:
    wal = files["-wal"]
    files["-wal"] = flip(wal, len(wal) - _wal_frame_size() + 24 + 100, 8)


def _truncate_wal(files: dict[str, bytes]) -> None:
    files["-wal"] = files["-wal"][:-1000]


def _garbage_shm(files: dict[str, bytes]) -> None:
    files["-shm"] = random.Random(5).randbytes(len(files["-shm"]))


#: name -> (damage to the file set, can SQLite recover every committed row?)
WAL_DAMAGE: dict[str, tuple[Callable[[dict[str, bytes]], None], bool]] = {
    "-wal deleted with uncheckpointed writes": (_drop("-wal"), False),
    "-wal last frame corrupted": (_flip_last_frame, False),
    "-wal truncated mid-frame": (_truncate_wal, False),
    "-shm deleted": (_drop("-shm"), True),
    "-shm overwritten with garbage": (_garbage_shm, True),
}


@pytest.mark.parametrize("kind", sorted(WAL_DAMAGE))
def test_damaged_wal_files_lose_nothing_silently(tmp_path, kit, wal_snapshot, kind):
    """Where SQLite can rebuild (the -shm is only an index) every committed row must be
    there; where committed writes are gone with the -wal, opening or checking must say
    so: "database OK" with acknowledged responses missing is a silent lost write."""
    damage, recoverable = WAL_DAMAGE[kind]
    files = dict(wal_snapshot.files)
    damage(files)
    path = tmp_path / "clinic.db"
    for suffix, content in files.items():
        side(path, suffix).write_bytes(content) if suffix else path.write_bytes(content)
    url = f"sqlite:///{path}"
    try:
        store = open_store(url)
    except StoreError as exc:
        assert not recoverable, f"{kind}: SQLite recovers this, yet it was refused: {exc}"
        assert_plain(str(exc), path)
        assert path.read_bytes() == files[""]
        return
    try:
        report = maintenance.check(store)
        found = rows(store)
    finally:
        store.close()
    if recoverable:
        assert report.ok, report.problems
        assert found == wal_snapshot.rows
    else:
        lost = sorted({r[1] for r in wal_snapshot.rows} - {r[1] for r in found})
        assert not (report.ok and lost), (
            f"{kind}: check says OK but acknowledged responses {lost} are gone")
    attempt_submission(url, kit)


# ---- a full disk ---------------------------------------------------------------------


def _consistent(store) -> None:
    """Nothing in part: every response has its scores and its one submit entry."""
    with store.read() as session:
        responses = session.execute(select(Response.id)).scalars().all()
        scored = set(session.execute(select(Score.response_id)).scalars())
        submits = session.execute(
            select(AuditEntry.entity_id).where(AuditEntry.action == "submit")).scalars().all()
    assert scored == set(responses)
    assert sorted(submits) == sorted(str(r) for r in responses)


def _fill_until_full(store, kit) -> tuple[list[str], str, Exception]:
    services = Services(store, kit)
    acknowledged = []
    for i in range(2_000):
        key = f"full-{i}"
        try:
            services.submit_response(SYSTEM, client_id=1 + i % CLIENTS, instrument_id="phq-9",
                                     answers=phq(i % 4), idempotency_key=key,
                                     attributes={"note": "x" * 200})
        except Exception as exc:  # noqa: BLE001 - examined by the caller
            return acknowledged, key, exc
        acknowledged.append(key)
    raise AssertionError("the disk never filled up")


def _mount_tmpfs(folder: Path, size_kib: int) -> bool:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs",
                           str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.mark.parametrize("how", ["tmpfs", "max_page_count"])
def test_a_full_disk_fails_the_submission_and_keeps_nothing_of_it(tmp_path, kit, original,
                                                                   how):
    """A real full disk: a tmpfs a little bigger than the database (where this machine
    lets the test mount one; else the same limit set with SQLite's max_page_count), or
    the database capped at its current size plus a few pages on every connection."""
    folder = tmp_path / "disk"
    mounted = how == "tmpfs" and _mount_tmpfs(folder, len(original.data) // 1024 + 120)
    if not mounted:
        folder.mkdir(exist_ok=True)
    path = folder / "clinic.db"
    path.write_bytes(original.data)
    try:
        store = open_store(f"sqlite:///{path}")
        if not mounted:
            limit = len(original.data) // PAGE + 30

            @event.listens_for(store.engine, "connect")
            def _cap(dbapi_connection, _record) -> None:
                dbapi_connection.execute(f"PRAGMA max_page_count = {limit}")

            store.engine.dispose()  # the connection open_store checked out has no cap

        try:
            acknowledged, failed, error = _fill_until_full(store, kit)
            assert isinstance(error, (DBAPIError, OSError)), repr(error)
            assert "full" in str(error) or getattr(error, "errno", None) == errno.ENOSPC
        finally:
            store.close()
        if mounted:  # room again, to read what is there
            subprocess.run(["mount", "-o", "remount,size=4m", str(folder)], check=True)
        store = open_store(f"sqlite:///{path}")
        try:
            keys = [r[1] for r in rows(store)]
            assert failed not in keys
            assert set(acknowledged) <= set(keys)
            assert keys == [r[1] for r in original.rows] + acknowledged
            _consistent(store)
            assert maintenance.check(store).ok
        finally:
            store.close()
    finally:
        if mounted:
            subprocess.run(["umount", str(folder)], check=True)


def _disk_full(dialect: str, where: str):
    if where == "os":
        return OSError(errno.ENOSPC, "No space left on device")
    if dialect == "sqlite":
        return OperationalError("INSERT INTO audit_log ...", {},
                                sqlite3.OperationalError("database or disk is full"))
    return OperationalError("INSERT INTO audit_log ...", {}, psycopg.errors.DiskFull(
        "could not extend file: No space left on device"))


@pytest.mark.parametrize("where", ["os", "driver", "commit"])
def test_an_injected_disk_full_error_keeps_nothing_and_reports_no_success(
        services, store, monkeypatch, where):
    """Both engines: ENOSPC or the driver's disk-full error in the middle of a submission
    (after the response and scores are flushed), or at commit: it raises, nothing stays."""
    user = services.add_user(SYSTEM, "ana", "therapist")
    client = services.add_client(SYSTEM, "C1", therapist_ids=[user])
    services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                             answers=phq(), idempotency_key="before")
    before = counts(store)
    error = _disk_full(store.dialect, "os" if where == "commit" else where)

    def broken(*args, **kwargs):
        raise error

    if where == "commit":
        monkeypatch.setattr("sqlalchemy.orm.Session.commit", broken)
    else:
        monkeypatch.setattr("alliance_kit.store.audit.append", broken)
    with pytest.raises(type(error)):
        services.submit_response(SYSTEM, client_id=client, instrument_id="phq-9",
                                 answers=phq(2), idempotency_key="during")
    monkeypatch.undo()
    assert counts(store) == before
    assert [r[1] for r in rows(store)] == ["before"]
    _consistent(store)


# ---- a database that cannot be written -----------------------------------------------


def test_a_read_only_folder_is_a_clear_error_and_the_file_is_unchanged(tmp_path, original):
    """The folder made immutable (chattr +i; root ignores permissions): SQLite cannot
    make its -wal file, so opening fails with a message naming the database. Where chattr
    cannot be used, the folder's write permission is taken away instead."""
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "clinic.db"
    path.write_bytes(original.data)
    immutable = shutil.which("chattr") is not None and subprocess.run(
        ["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    if not immutable:
        folder.chmod(0o555)
    try:
        with pytest.raises(StoreError) as info:
            open_store(f"sqlite:///{path}")
        message = str(info.value)
        assert "cannot open the database" in message and str(path) in message
        assert "Traceback" not in message
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)
    assert path.read_bytes() == original.data
    assert side_files(path) == []
