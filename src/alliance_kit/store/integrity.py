"""Integrity checks below the SQL level: submitted payloads and SQLite's write-ahead log."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WAL_MAGIC = (0x377F0682, 0x377F0683)


def payload_hash(*, client_id: int, instrument_id: str, version: str,
                 answers: Mapping[str, Any], attributes: Mapping[str, Any],
                 session_id: int | None, replaces_id: int | None,
                 key: bytes | None = None) -> str:
    """HMAC-SHA-256 (with the audit key) of a submission's canonical content: stored with
    the response, rechecked by ``db check`` so an answer changed after saving is found.
    Without a key: the plain SHA-256 that responses stored before keys existed carry."""
    body = json.dumps({"client": client_id, "instrument": instrument_id, "version": version,
                       "answers": answers, "attributes": attributes, "session": session_id,
                       "replaces": replaces_id},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if key is None:
        return hashlib.sha256(body).hexdigest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def wal_problem(database: Path, attempts: int = 3) -> str | None:
    """Why the write-ahead log cannot hold what its index says was committed, or None.

    SQLite silently drops WAL frames it cannot verify, which would lose acknowledged
    writes without a word; so before opening, the index (``-shm``) is compared with the
    log (``-wal``): present, long enough, same salts, every frame's checksum right. A
    writer may be appending right now, so a mismatch is looked at again before it counts.
    """
    problem = None
    for attempt in range(attempts):
        problem = _wal_problem_once(database)
        if problem is None:
            return None
        time.sleep(0.05 * (attempt + 1))
    return problem


def _wal_problem_once(database: Path) -> str | None:
    shm = database.with_name(database.name + "-shm")
    wal = database.with_name(database.name + "-wal")
    try:
        head = shm.read_bytes()[:96]
    except OSError:
        return None
    index = head[:48]
    order = "<" if sys.byteorder == "little" else ">"
    # SQLite keeps two copies of the index header with a checksum; if they disagree it
    # rebuilds the index from the log itself, so there is nothing to compare against.
    if len(head) < 96 or index != head[48:96] or _checksum(
            index[:40], sys.byteorder == "big", 0, 0) != struct.unpack(order + "II",
                                                                        index[40:48]):
        return None
    is_init, _, page_size, frames = struct.unpack(order + "BBHI", index[12:20])
    if not is_init or frames == 0:
        return None
    page_size = 65536 if page_size == 1 else page_size
    try:
        log = wal.read_bytes()
    except OSError:
        return "its write-ahead log (-wal file) is missing although committed writes are in it"
    if len(log) < 32 + frames * (24 + page_size):
        return "its write-ahead log (-wal file) is shorter than the committed writes it holds"
    magic, = struct.unpack(">I", log[:4])
    if magic not in WAL_MAGIC:
        return "its write-ahead log (-wal file) does not start like one"
    if log[16:24] != index[32:40]:  # the index keeps the log's salts byte for byte
        return "its write-ahead log (-wal file) does not belong to its index (-shm file)"
    big_endian = magic & 1
    s0, s1 = _checksum(log[:24], big_endian, 0, 0)
    if struct.unpack(">II", log[24:32]) != (s0, s1):
        return "its write-ahead log (-wal file) header is damaged"
    for frame in range(frames):
        start = 32 + frame * (24 + page_size)
        header = log[start:start + 24]
        s0, s1 = _checksum(header[:8] + log[start + 24:start + 24 + page_size], big_endian,
                           s0, s1)
        if struct.unpack(">II", header[16:24]) != (s0, s1):
            return f"its write-ahead log (-wal file) is damaged at frame {frame + 1}"
    return None


def _checksum(data: bytes, big_endian: int, s0: int, s1: int) -> tuple[int, int]:
    """SQLite's WAL checksum (a running pair of sums over 32-bit words)."""
    words = struct.unpack(("<" if not big_endian else ">") + f"{len(data) // 4}I", data)
    mask = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & mask
        s1 = (s1 + words[i + 1] + s0) & mask
    return s0, s1
