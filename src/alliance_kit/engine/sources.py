"""What plugins hand over as definitions or packs: files, folders of files, or parsed dicts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any


def expand(entries: Any, describe: Callable[[Mapping[str, Any]], str],
           suffix: str = ".json", seen: set[Path] | None = None) -> list[tuple[str, Any]]:
    """(label, path or dict) for each entry; a folder expands to its files, sorted.

    ``entries`` may be one path or dict, or an iterable of them; ``describe`` labels a dict.
    With ``seen``, a file already in it is left out and each file given is added: the same
    file registered by two plugins (a JSON file in the plugins folder that a ``.py`` plugin
    beside it also returns) is loaded once.
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
        if seen is not None:
            paths = [p for p in paths if _first_time(p, seen)]
        found.extend((label(p), p) for p in paths)
    return found


def _first_time(path: Path, seen: set[Path]) -> bool:
    try:
        key = path.resolve()
    except OSError:
        return True
    if key in seen:
        return False
    seen.add(key)
    return True


def label(path: Path) -> str:
    """A path as people should read it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
