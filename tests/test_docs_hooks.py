"""docs/plugin-hooks.md cannot drift: every hook is there with its real signature, has a
``test_hook_<name>`` test, and its example works as a plugin."""

from __future__ import annotations

import ast
import inspect
import re
import types
from collections.abc import Mapping
from pathlib import Path

import click
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import alliance_kit
from alliance_kit import build_kit, hookspecs
from alliance_kit.engine import jsonschemas
from alliance_kit.engine.alerts import evaluate_alerts
from alliance_kit.types import (
    AlertType,
    AttendanceRule,
    Exporter,
    Page,
    ScaleType,
    Scorer,
    Widget,
)

DOC = ROOT / "docs" / "plugin-hooks.md"
HOOKS = sorted(name for name, value in vars(hookspecs).items()
               if inspect.isfunction(value) and hasattr(value, "alliance_kit_spec"))
#: What each entry a hook returns must be.
RETURNS = {
    "register_instruments": (Mapping, str, Path),
    "register_wording_packs": (Mapping, str, Path),
    "register_scale_types": ScaleType,
    "register_scorers": Scorer,
    "register_alert_types": AlertType,
    "register_attendance_rules": AttendanceRule,
    "register_exporters": Exporter,
    "register_pages": Page,
    "register_widgets": Widget,
    "register_guidance": (Mapping, str, Path),
}


def sections() -> dict[str, tuple[str, str]]:
    """(documented signature, section text) by hook name, from the ``## `hook(...)` `` headings."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^## `(\w+)(\(.*\))`$", text, flags=re.M)
    found: dict[str, tuple[str, str]] = {}
    for name, signature, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        assert name not in found, f"{DOC.name}: {name} is documented twice"
        found[name] = (signature, body)
    return found


def example(name: str) -> str:
    body = sections()[name][1]
    blocks = re.findall(r"^```python\n(.*?)^```$", body, re.S | re.M)
    assert len(blocks) == 1, f"{DOC.name}: the {name} section needs exactly one python example"
    return blocks[0]


def defined_tests() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    return names


def test_hooks_are_found():
    assert "register_instruments" in HOOKS and "register_pages" in HOOKS


def test_every_hook_is_documented_and_nothing_else():
    documented = set(sections())
    assert sorted(set(HOOKS) - documented) == [], f"add these hooks to {DOC.name}"
    assert sorted(documented - set(HOOKS)) == [], f"{DOC.name} documents hooks that do not exist"


@pytest.mark.parametrize("name", HOOKS)
def test_documented_signature_is_the_real_one(name):
    real = f"{name}{inspect.signature(getattr(hookspecs, name))}"
    documented = name + sections()[name][0]
    assert documented == real, f"{DOC.name}: the heading should be ## `{real}`"


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_test(name):
    assert f"test_hook_{name}" in defined_tests(), f"write a test named test_hook_{name}"


@pytest.mark.parametrize("name", HOOKS)
def test_every_section_says_when_and_what(name):
    body = sections()[name][1]
    assert "**Called:**" in body and "**Returns:**" in body
    options = getattr(hookspecs, name).alliance_kit_spec
    if options.get("firstresult"):
        assert "first" in body, f"{name} stops at the first result: say so"
    if options.get("historic"):
        assert "historic" in body or "late" in body, f"{name} is historic: say so"


def load_example(name: str) -> types.ModuleType:
    module = types.ModuleType(f"docs_example_{name}")
    exec(compile(example(name), f"{DOC.name}:{name}", "exec"), module.__dict__)  # noqa: S102
    return module


@pytest.mark.parametrize("name", HOOKS)
def test_example_works_as_a_plugin(name, no_plugin_env):
    module = load_example(name)
    kit = build_kit(extra=[module], entry_points=False, local=False, disabled=())
    assert [str(p) for p in kit.problems] == []
    info = next(i for i in kit.plugin_info if i.name == module.__name__)
    assert name in info.hooks
    if name == "register_commands":
        group = click.Group("demo")
        kit.plugins.register_commands(group)
        assert group.commands, "the example adds no command"
        return
    if name == "notify":
        check_notify_example(kit, module)
        return
    hook = getattr(kit.plugins, name)
    called = hook(kit) if name == "register_pages" else hook()
    results = [entries for plugin, entries in called if plugin.name == module.__name__]
    assert results and results[0], "the example returns nothing"
    for entry in results[0]:
        assert isinstance(entry, RETURNS[name])
        if isinstance(entry, ScaleType | Scorer | AlertType):
            jsonschemas.validator(entry.schema)  # a valid JSON Schema


def check_notify_example(kit, module, tmp: Path | None = None) -> None:
    """The notify example delivers its own channel, and leaves the built-in ones alone."""
    import datetime as dt
    import tempfile

    from alliance_kit.types import Notice

    notice = Notice("alliance-kit-1", "An alert", "An alert needs attention.",
                    "https://app.example/caseload", "safety", "North",
                    dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    assert module.CHANNELS and module.CHANNELS[0] in kit.plugins.channels()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pager.jsonl"
        plugin, done = kit.plugins.notify(notice, module.CHANNELS[0], {"path": str(path)})
        assert plugin.name == module.__name__ and done
        assert "alliance-kit-1" in path.read_text("utf-8")
    assert kit.plugins.notify(notice, "no-such-channel", {}) is None


def test_example_instruments_and_packs_are_usable(no_plugin_env):
    kit = build_kit(extra=[load_example("register_instruments"),
                           load_example("register_wording_packs")],
                    entry_points=False, local=False, disabled=())
    assert kit.score("clinic-mood", {"low": 1}).keyed_items()["low"].tolist() == [1]
    assert kit.can_administer("clinic-licensed", "en") == (True, "")
    wording = kit.wording("clinic-licensed", "en")
    assert wording.item("1") == "The first question, as licensed"
    assert wording.option("agree", 2) == "Yes"


def test_example_scorer_and_alert_compute(no_plugin_env):
    definition = dict(load_example("register_instruments").CLINIC_MOOD)
    definition["items"] = [*definition["items"],
                           {"id": "tired", "text": {"en": "Felt tired?"}, "scale": "often"}]
    definition["scores"] = [{"id": "worst", "method": "highest", "items": ["low", "tired"]}]
    definition["alerts"] = [{"id": "some", "type": "between", "score": "worst", "low": 1,
                             "high": 1, "severity": "info"}]
    kit = build_kit(extra=[load_example("register_scorers"), load_example("register_alert_types")],
                    entry_points=False, local=False, disabled=())
    instrument = alliance_kit.load_definition(definition, kit.types)
    frame = pd.DataFrame({"low": [0, 1, np.nan], "tired": [0, 0, np.nan]})
    result = alliance_kit.score(instrument, frame)
    assert result.scores["worst"].tolist()[:2] == [0, 1]
    assert np.isnan(result.scores["worst"].iloc[2])
    assert result.reasons().loc[2, "worst"] == "no item answered"
    assert evaluate_alerts(instrument, result, frame)["row"].tolist() == [1]
