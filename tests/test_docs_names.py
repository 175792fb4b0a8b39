"""Every alliance_kit name the docs mention can be imported: the public API they teach is real.

Reads README.md, docs/*.md and the example plugins' files for ``from alliance_kit... import``
lines and dotted ``alliance_kit.x.y`` references, and resolves each one. A move of code that
forgets a documented path fails here, not in a reader's terminal.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from conftest import ROOT

import alliance_kit

SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
           *sorted((ROOT / "plugins").rglob("*.py"))]
FROM_IMPORT = re.compile(r"^\s*from (alliance_kit(?!\w)(?:\.\w+)*) import \(?([\w, \n]+?)\)?\s*$",
                         re.M)
DOTTED = re.compile(r"(?<![\w./-])(alliance_kit(?:\.[A-Za-z_]\w*)+)")
#: Dotted words in prose that are files, not Python names.
NOT_NAMES = {"alliance_kit.db"}


def mentioned() -> set[tuple[str, str]]:
    """(source file, dotted name) for every alliance_kit name the sources mention."""
    found: set[tuple[str, str]] = set()
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        for module, names in FROM_IMPORT.findall(text):
            for name in re.split(r"[,\s]+", names):
                if name and name != "as":
                    found.add((where, f"{module}.{name}"))
        for dotted in DOTTED.findall(text):
            if dotted not in NOT_NAMES and not dotted.endswith("_"):  # "default_*" in prose
                found.add((where, dotted.rstrip(".")))
    return found


def resolve(dotted: str) -> object:
    """Import the longest module prefix of ``dotted``, then follow attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            target = getattr(target, attribute)
        return target
    raise ModuleNotFoundError(dotted)


NAMES = sorted(mentioned())


def test_the_docs_mention_names_at_all():
    assert len(NAMES) > 20, NAMES


@pytest.mark.parametrize(("source", "dotted"), NAMES, ids=[f"{s}:{d}" for s, d in NAMES])
def test_every_documented_name_imports(source, dotted):
    try:
        resolve(dotted)
    except (ImportError, AttributeError) as exc:
        pytest.fail(f"{source} mentions {dotted}, which cannot be imported: {exc}")


def test_everything_in_all_is_importable_from_the_package():
    for name in alliance_kit.__all__:
        assert hasattr(alliance_kit, name), name


def test_the_names_plugin_authors_use_are_in_all():
    """The types a plugin returns, the marker and the text helper: one import line."""
    for name in ("hookimpl", "ScaleType", "Scorer", "AlertType", "Exporter", "Widget", "Page",
                 "build_kit", "score", "load_definition", "try_load_definition", "plain"):
        assert name in alliance_kit.__all__, name


def test_sources_exist():
    assert all(Path(p).is_file() for p in SOURCES)
