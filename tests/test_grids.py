"""Every grid shows a dash where a value is missing, never "None" (Streamlit's default)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[1] / "src" / "alliance_kit" / "ui"


def grids() -> list[tuple[str, int, ast.Call]]:
    found = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr == "dataframe":
                found.append((str(path.relative_to(UI)), node.lineno, node))
    return found


def test_every_grid_shows_a_dash_for_a_missing_value():
    assert len(grids()) >= 8
    bare = [f"{path}:{line}" for path, line, call in grids()
            if not any(k.arg == "placeholder" and isinstance(k.value, ast.Name)
                       and k.value.id == "DASH" for k in call.keywords)]
    assert bare == [], "pass placeholder=DASH (alliance_kit.ui.text) to these st.dataframe"


def test_the_dash_is_a_dash():
    from alliance_kit.ui.text import DASH

    assert DASH == "—"
