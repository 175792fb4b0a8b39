"""The architecture as tests: the folders are the layers, and these rules keep them so.

Like datasette's meta-tests (every hook documented), these read the source, not behaviour:

- the public face (``__init__``, ``hookspecs``, ``plugins``, ``types``, ``kit``, ...) and
  the ``default_*`` built-ins are the only modules flat in the package; everything else
  lives in a layer: ``engine/``, ``clinic/``, ``interop/``, ``authoring/``, ``cli/``,
  ``store/``, ``ui/``;
- the engine imports neither the database, the clinic, the UI, the CLI, SQLAlchemy nor
  Streamlit; the store imports nothing above it; only ``ui/`` and ``app.py`` import Streamlit;
- there is no import circle, and no module reaches into another module's ``_private`` names;
- no module is longer than :data:`MAX_LINES`.

Imports under ``if TYPE_CHECKING:`` are for type checkers only and are not counted.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "src" / "alliance_kit"
MAX_LINES = 500
#: The public face: what plugin authors and API users import, at the top of the package.
PUBLIC_FACE = {"__init__", "version", "hookspecs", "plugins", "types", "kit", "problems",
               "i18n"}
LAYERS = ("engine", "clinic", "interop", "authoring", "cli", "store", "ui", "schemas", "locale")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))
           if "migrations" not in path.parts}


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, leaving out ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not _type_checking_only(child):
                stack.append(child)


def imports(path: Path, package: str) -> Iterator[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every runtime import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in runtime_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            for alias in node.names:
                yield module, alias.name, node.lineno


def package_of(name: str) -> str:
    return name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]


@functools.cache
def internal_edges() -> dict[str, set[str]]:
    """Module -> the alliance_kit modules it imports at run time."""
    edges: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for module, imported, _ in imports(path, package_of(name)):
            if not module.startswith("alliance_kit"):
                continue
            target = f"{module}.{imported}" if imported and f"{module}.{imported}" in MODULES \
                else module
            if target in MODULES and target != name:
                edges[name].add(target)
    return edges


@functools.cache
def external(name: str) -> set[str]:
    """The top-level packages outside alliance_kit that a module imports at run time."""
    return {module.split(".")[0] for module, _, _ in imports(MODULES[name], package_of(name))
            if not module.startswith("alliance_kit")}


def layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else "top"


# ---- the tests -------------------------------------------------------------------------------


def test_only_the_public_face_and_the_built_ins_are_flat_in_the_package():
    flat = sorted(path.stem for path in PACKAGE.glob("*.py"))
    odd = [name for name in flat if name not in PUBLIC_FACE and not name.startswith("default_")]
    assert not odd, f"modules flat in the package root that belong in a layer: {odd}"
    assert len(flat) <= 20, f"{len(flat)} modules flat in the package root: {flat}"
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(folders) <= set(LAYERS), f"unexpected folders: {set(folders) - set(LAYERS)}"


def test_there_is_no_import_circle():
    edges = internal_edges()
    circles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                circles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) == "engine"))
def test_the_engine_needs_no_database_clinic_ui_or_plugins(name):
    forbidden_layers = {"store", "clinic", "ui", "interop", "cli", "authoring"}
    forbidden_top = {"alliance_kit.kit", "alliance_kit.plugins"}
    found = sorted(target for target in internal_edges()[name]
                   if layer(target) in forbidden_layers or target in forbidden_top
                   or target.startswith("alliance_kit.default_"))
    assert not found, f"{name} (engine) imports {found}"
    assert not external(name) & {"sqlalchemy", "streamlit", "alembic", "psycopg"}, name


@pytest.mark.parametrize("name", sorted(n for n in MODULES if layer(n) == "store"))
def test_the_store_imports_nothing_above_it(name):
    above = sorted(t for t in internal_edges()[name] if layer(t) != "store"
                   and t != "alliance_kit.version")
    assert not above, f"{name} (store) imports {above}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES
                                        if layer(n) in ("clinic", "interop", "authoring")))
def test_services_and_interop_never_import_the_ui_or_the_cli(name):
    found = sorted(t for t in internal_edges()[name] if layer(t) in ("ui", "cli"))
    assert not found, f"{name} imports {found}"
    if layer(name) in ("interop", "authoring"):
        assert not [t for t in internal_edges()[name] if layer(t) in ("clinic", "store")], name


def test_only_the_ui_and_app_import_streamlit():
    outside = sorted(name for name in MODULES
                     if layer(name) != "ui" and "streamlit" in external(name))
    assert not outside, f"Streamlit imported outside ui/: {outside}"
    app = {module.split(".")[0] for module, _, _ in imports(ROOT / "app.py", "")}
    assert "streamlit" in app


def test_no_module_uses_another_modules_private_names():
    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules_bound: dict[str, str] = {}
        for module, imported, line in imports(path, package_of(name)):
            if not module.startswith("alliance_kit"):
                continue
            if imported and imported.startswith("_") and not imported.startswith("__"):
                found.append(f"{name}:{line} imports {module}.{imported}")
            if imported and f"{module}.{imported}" in MODULES:
                modules_bound[imported] = f"{module}.{imported}"
        for node in ast.walk(tree):
            if isinstance(node, ast.alias) and node.asname and node.name in modules_bound:
                modules_bound[node.asname] = modules_bound[node.name]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in modules_bound and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{name}:{node.lineno} uses "
                             f"{modules_bound[node.value.id]}.{node.attr}")
    assert not found, "private names used across modules (give them a public home):\n" + \
        "\n".join(found)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_longer_than_the_limit(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, (f"{name} has {lines} lines (limit {MAX_LINES}): split it "
                                "along the seams it has")


def test_the_rules_see_the_modules_they_guard():
    """The tests above would pass vacuously on an empty map: make sure they do not."""
    assert {layer(n) for n in MODULES} >= {"top", "engine", "clinic", "interop", "cli",
                                           "store", "ui"}
    edges = internal_edges()
    assert "alliance_kit.engine.scoring" in edges["alliance_kit.kit"]
    assert "alliance_kit.store.models" in edges["alliance_kit.clinic.services.submitting"]
