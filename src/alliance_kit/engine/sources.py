"""What plugins hand over as definitions or packs: files, folders of files, or parsed dicts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any


def expand(entries: Any, describe: Callable[[Mapping[str, Any]], str],
           suffix: str = ".json") -> list[tuple[str, Any]]:
    """(label, path or dict) for each entry; a folder expands to its files, sorted.

    ``entries`` may be one path or dict, or an iterable of them; ``describe`` labels a dict.
    """
    if isinstance(entries, str | Path | Mapping):
        entries = [entries]
    found: list[tuple[str, Any]] = []
    for entry in entries if isinstance(entries, Iterable) else [entries]:
        if isinstance(entry, Mapping):
            found.append((describe(entry), entry))
            continue
        if not isinstance(entry, str | os.PathLike):
            found.append((f"<{type(entry).__name__}>", entry))  # the loader says what is wrong
            continue
        path = Path(entry)
        paths = sorted(path.glob(f"*{suffix}")) if path.is_dir() else [path]
        found.extend((label(p), p) for p in paths)
    return found


def label(path: Path) -> str:
    """A path as people should read it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
