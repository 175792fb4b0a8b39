"""docs/security.md backs every claim with a named test: each one it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECURITY = ROOT / "docs" / "security.md"


def named_tests() -> list[tuple[str, str]]:
    """(file, function) for every `tests/x.py::name` and `::name` (same file as the one
    named before it on the line) in the page's tables; parameters in [...] are left out."""
    found = []
    for line in SECURITY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| "):
            continue
        current = None
        for path, name in re.findall(r"`(tests/[\w/]+\.py)?::(\w+)(?:\[[^`]*\])?`", line):
            current = path or current
            assert current, f"'::{name}' with no file before it: {line[:80]}"
            found.append((current, name))
    return found


def test_every_test_security_md_names_exists():
    tests = named_tests()
    assert len(tests) > 80
    missing = [f"{path}::{name}" for path, name in tests
               if not (ROOT / path).is_file()
               or not re.search(rf"^\s*def {name}\(", (ROOT / path).read_text("utf-8"), re.M)]
    assert missing == []


def test_every_row_names_a_test_or_says_it_is_operational():
    rows = [line for line in SECURITY.read_text(encoding="utf-8").splitlines()
            if line.startswith("| ") and not line.startswith(("| Mitigation", "|---"))]
    bare = [row[:80] for row in rows if "::" not in row and "operational" not in row]
    assert rows and bare == []
