"""Plugins: every hook, the three discovery routes, and how failures are reported."""

from __future__ import annotations

import ast
import inspect
import json
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, make_minimal

import alliance_kit
from alliance_kit import build_kit, hookimpl, hookspecs
from alliance_kit.engine.alerts import evaluate_alerts
from alliance_kit.plugins import Plugins
from alliance_kit.types import (
    AlertType,
    Computed,
    Exporter,
    Page,
    ScaleType,
    Scorer,
    Widget,
)

HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("register_"))
NO_FOLDER = ROOT / "tests" / "no-such-plugins-folder"


@pytest.fixture(autouse=True)
def _clean_env(no_plugin_env):
    """No plugin settings leak in from the environment."""


def plugin(name: str, **hooks: Any) -> types.ModuleType:
    """A plugin module named ``name`` with the given functions marked as hook implementations."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, hookimpl(function))
    return module


def kit_with(*extra: object, **options: Any) -> alliance_kit.Kit:
    options.setdefault("plugins_dir", NO_FOLDER)
    options.setdefault("entry_points", False)
    options.setdefault("disabled", ())
    return build_kit(extra=list(extra), **options)


def definition(ident: str, **changes: Any) -> dict[str, Any]:
    data = make_minimal()
    data["id"] = ident
    data.update(changes)
    return data


def problem_texts(kit: alliance_kit.Kit) -> list[str]:
    return [str(p) for p in kit.problems]


# --- extension types used by the plugins below -------------------------------------------


class StarsScale(ScaleType):
    """1 to ``count`` stars."""

    name = "stars"
    schema = {
        "type": "object",
        "required": ["type", "count"],
        "properties": {"type": {"const": "stars"}, "count": {"type": "integer", "minimum": 2},
                       "note": {"type": "string"}},
        "additionalProperties": False,
    }

    def allowed_values(self, scale):
        return np.arange(1, scale["count"] + 1, dtype=float)


class MaxScorer(Scorer):
    """The largest answered item value; missing when nothing was answered."""

    name = "max"
    schema = {
        "type": "object",
        "required": ["method", "items"],
        "properties": {"id": {}, "method": {"const": "max"}, "title": {}, "range": {},
                       "bands": {}, "cutoffs": {}, "items": {"type": "array", "minItems": 1}},
        "additionalProperties": False,
    }

    def item_inputs(self, score):
        return list(score["items"])

    def compute(self, score, inputs):
        values = np.column_stack([inputs.items[i] for i in score["items"]])
        answered = ~np.isnan(values)
        best = np.where(answered, values, -np.inf).max(axis=1)
        none = ~answered.any(axis=1)
        return Computed(np.where(none, np.nan, best), np.where(none, 0, -1).astype(np.int32),
                        ["no item answered"])

    def bounds(self, score, bounds):
        lows = [bounds.items[i][0] for i in score["items"]]
        highs = [bounds.items[i][1] for i in score["items"]]
        return max(lows), max(highs)

    def step(self, score, bounds):
        return 1.0


class BetweenAlert(AlertType):
    """Fires when a score lies between ``low`` and ``high`` inclusive."""

    name = "between"
    schema = {
        "type": "object",
        "required": ["type", "score", "low", "high"],
        "properties": {"id": {}, "severity": {}, "message": {}, "type": {"const": "between"},
                       "score": {"type": "string"}, "low": {"type": "number"},
                       "high": {"type": "number"}},
        "additionalProperties": False,
    }

    def score_inputs(self, alert):
        return [alert["score"]]

    def evaluate(self, alert, inputs):
        values = inputs.scores[alert["score"]].to_numpy(float)
        with np.errstate(invalid="ignore"):
            return (values >= alert["low"]) & (values <= alert["high"]), values


def stars_definition() -> dict[str, Any]:
    data = definition("starry")
    data["scales"] = {"stars": {"type": "stars", "count": 5}}
    for item in data["items"]:
        item["scale"] = "stars"
    data["scores"] = [{"id": "best", "method": "max", "items": ["a", "b", "c"],
                       "cutoffs": [{"id": "top", "op": ">=", "value": 5}]}]
    return data


# --- one test per hook (named test_hook_<name>, checked by the meta-test) -----------------


def test_hook_register_instruments(tmp_path):
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "from-folder.json").write_text(
        json.dumps(definition("from-folder")), encoding="utf-8")
    (folder / "not-json.txt").write_text("ignored", encoding="utf-8")
    single = tmp_path / "from-file.json"
    single.write_text(json.dumps(definition("from-file")), encoding="utf-8")
    demo = plugin("demo", register_instruments=lambda: [definition("from-dict"), single, folder])
    kit = kit_with(demo)
    assert {"from-dict", "from-file", "from-folder", "phq-9"} <= set(kit.instruments)
    assert kit.instrument("from-folder").source.endswith("from-folder.json")
    assert not [str(p) for p in kit.problems if "from-" in p.source]


def wai_pack(**changes: Any) -> dict[str, Any]:
    """A complete English wording pack for WAI-SR (placeholder texts, not the real wording)."""
    from alliance_kit.default_wording import pack_template

    template = pack_template(alliance_kit.load_definition(ROOT / "instruments" / "wai-sr.json"),
                             "en")

    def fill(value, key=""):
        if isinstance(value, dict):
            return {k: fill(v, k) for k, v in value.items()}
        return value or f"placeholder {key}"

    pack = {k: (fill(v, k) if k not in ("$schema", "instrument", "version", "language") else v)
            for k, v in template.items()}
    pack.update(changes)
    return pack


def test_hook_register_wording_packs():
    pack = wai_pack()
    demo = plugin("demo", register_wording_packs=lambda: [pack])
    kit = kit_with(demo)
    results = kit.plugins.register_wording_packs()
    assert ("demo", [pack]) in [(info.name, entries) for info, entries in results]
    assert "register_wording_packs" in next(i for i in kit.plugin_info if i.name == "demo").hooks
    assert not [str(p) for p in kit.problems if "wording pack" in p.source], problem_texts(kit)
    assert ("wai-sr", "en") in kit.wording_packs
    assert kit.wording("wai-sr", "en").item("7") == "placeholder 7"


def test_wording_pack_missing_an_item_is_reported():
    pack = wai_pack()
    del pack["items"]["12"]
    kit = kit_with(plugin("demo", register_wording_packs=lambda: [pack]))
    assert ("wai-sr", "en") not in kit.wording_packs
    assert any("'12'" in p.message for p in kit.errors), problem_texts(kit)


def test_hook_register_scale_types():
    demo = plugin("demo", register_scale_types=lambda: [StarsScale()],
                  register_scorers=lambda: [MaxScorer()],
                  register_instruments=lambda: [stars_definition()])
    kit = kit_with(demo)
    assert kit.types.scale_types["stars"].name == "stars"
    instrument = kit.instrument("starry")
    assert instrument.item("a").bounds == (1.0, 5.0)
    # a value outside 1..5 stars is rejected with the scale's own description
    with pytest.raises(alliance_kit.InvalidResponses) as info:
        kit.score("starry", {"a": 6, "b": 1, "c": 1})
    assert "one of 1, 2, 3, 4, 5" in info.value.errors[0].message


def test_hook_register_scale_types_schema_checks_the_scale():
    data = stars_definition()
    data["scales"]["stars"]["count"] = 1  # below the type's minimum of 2
    demo = plugin("demo", register_scale_types=lambda: [StarsScale()],
                  register_scorers=lambda: [MaxScorer()], register_instruments=lambda: [data])
    kit = kit_with(demo)
    assert "starry" not in kit.instruments
    assert any(p.path == "$.scales.stars.count" for p in kit.problems), problem_texts(kit)


def test_hook_register_scorers():
    demo = plugin("demo", register_scale_types=lambda: [StarsScale()],
                  register_scorers=lambda: [MaxScorer()],
                  register_instruments=lambda: [stars_definition()])
    kit = kit_with(demo)
    assert kit.instrument("starry").score("best").range == (1, 5)
    frame = pd.DataFrame({"a": [1, 2, np.nan], "b": [5, 3, np.nan], "c": [2, np.nan, np.nan]})
    result = kit.score("starry", frame)
    assert result.scores["best"].tolist()[:2] == [5, 3]
    assert np.isnan(result.scores["best"].iloc[2])
    assert result.reasons().loc[2, "best"] == "no item answered"
    assert result.flags["best_top"].tolist()[:2] == [True, False]


def test_unknown_method_without_the_scorer_plugin():
    kit = kit_with(plugin("demo", register_scale_types=lambda: [StarsScale()],
                          register_instruments=lambda: [stars_definition()]))
    assert "starry" not in kit.instruments
    message = next(p.message for p in kit.problems if p.path == "$.scores[0].method")
    assert "unknown score method 'max'" in message


def test_hook_register_alert_types():
    data = definition("alerting")
    data["alerts"] = [{"id": "middling", "type": "between", "score": "total", "low": 4,
                       "high": 6, "severity": "info"}]
    kit = kit_with(plugin("demo", register_alert_types=lambda: [BetweenAlert()],
                          register_instruments=lambda: [data]))
    instrument = kit.instrument("alerting")
    frame = pd.DataFrame({"a": [0, 2, 3], "b": [1, 2, 3], "c": [2, 1, 3]})  # 3, 5, 9
    result = kit.score("alerting", frame)
    alerts = evaluate_alerts(instrument, result=result, answers=frame)
    assert alerts["row"].tolist() == [1]
    assert alerts["alert"].tolist() == ["middling"] and alerts["type"].tolist() == ["between"]


def test_hook_register_exporters(tmp_path):
    written = []

    def write_tsv(frame, path):
        written.append(path)
        frame.to_csv(path, sep="\t", index=False)

    tsv = Exporter("tsv", (".tsv",), write_tsv, "tab-separated")
    kit = kit_with(plugin("demo", register_exporters=lambda: [tsv]))
    assert kit.exporter_for(Path("out.tsv")) is tsv
    assert kit.exporter_for(Path("OUT.TSV")) is tsv
    assert kit.exporter_for(Path("out.csv")).name == "csv"
    target = tmp_path / "out.tsv"
    kit.exporter_for(target).write(pd.DataFrame({"x": [1, 2]}), target)
    assert target.read_text().splitlines() == ["x", "1", "2"]
    with pytest.raises(ValueError, match=r"\.tsv"):
        kit.exporter_for(Path("out.doc"))


def test_later_exporter_for_a_suffix_wins():
    mine = Exporter("my-csv", (".csv",), lambda frame, path: None)
    kit = kit_with(plugin("demo", register_exporters=lambda: [mine]))
    assert kit.exporter_for(Path("a.csv")) is mine


def test_hook_register_commands():
    from alliance_kit.cli import cli

    def register_commands(cli):
        @cli.command()
        @click.option("--name", default="world")
        def hello(name):
            """Say hello."""
            click.echo(f"hello {name}")

    kit = kit_with(plugin("demo", register_commands=register_commands))
    assert "hello" in kit.commands()
    runner = CliRunner()
    outcome = runner.invoke(cli, ["hello", "--name", "kiosk"], obj=kit)
    assert outcome.exit_code == 0, outcome.output
    assert outcome.output == "hello kiosk\n"
    assert "hello" in runner.invoke(cli, ["--help"], obj=kit).output
    # Another kit's command line does not have it: nothing is added to a shared group.
    plain = kit_with()
    assert "hello" not in plain.commands()
    assert runner.invoke(cli, ["hello"], obj=plain).exit_code == 2
    assert "hello" not in cli.commands


def test_hook_register_pages():
    def render(kit):
        return None

    page = Page("Demo page", render, "demo", None, "Reports")
    kit = kit_with(plugin("demo", register_pages=lambda kit: [page]))
    pages = kit.pages()
    assert page in pages
    assert "Instruments" in [p.title for p in pages]  # the built-in page is still there
    assert pages.index(page) > [p.title for p in pages].index("Instruments")


def test_hook_register_widgets():
    def render(item, wording, key, *, label, on_change, translate):
        return None

    kit = kit_with(plugin("demo", register_widgets=lambda: [Widget("options", render)]))
    # The plugin's widget replaces the built-in one for that scale type; the others stay.
    assert kit.widgets["options"].render is render
    assert {"visual-analogue", "yes-no", "text", "numeric"} <= set(kit.widgets)


def test_hook_implementation_may_take_fewer_arguments():
    page = Page("No args", lambda kit: None, "no-args")
    kit = kit_with(plugin("demo", register_pages=lambda: [page]))
    assert page in kit.pages()


# --- meta ------------------------------------------------------------------------------


def test_hookspecs_are_the_known_ones():
    assert HOOKS == ["register_alert_types", "register_attendance_rules",
                     "register_commands", "register_exporters", "register_guidance",
                     "register_instruments", "register_pages", "register_scale_types",
                     "register_scorers", "register_widgets", "register_wording_packs"]


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_typed_method_with_its_arguments(name):
    """Core code calls hooks through ``Plugins`` methods (tox's facade), never by name."""
    method = getattr(Plugins, name, None)
    assert method is not None, f"Plugins has no method for the hook {name}"
    spec = list(inspect.signature(getattr(hookspecs, name)).parameters)
    mine = [p for p in inspect.signature(method).parameters if p != "self"]
    assert mine == spec, (name, mine, spec)


def test_hooks_are_never_called_by_name_outside_the_facade():
    offenders = []
    for path in (ROOT / "src" / "alliance_kit").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path.name != "plugins.py" and ("manager.hook." in text or ".call(\"register_" in text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_results_come_oldest_plugin_first():
    first = plugin("first", register_exporters=lambda: [Exporter("a", (".a",), print)])
    second = plugin("second", register_exporters=lambda: [Exporter("b", (".b",), print)])
    kit = kit_with(first, second)
    names = [info.name for info, _ in kit.plugins.register_exporters()]
    assert names.index("default_exporters") < names.index("first") < names.index("second")


@pytest.mark.parametrize("name", HOOKS)
def test_every_hook_has_a_docstring(name):
    doc = getattr(hookspecs, name).__doc__
    assert doc and len(doc.strip()) > 20


def test_every_hook_has_a_test():
    defined = set()
    for path in (ROOT / "tests").rglob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined |= {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    missing = [name for name in HOOKS if f"test_hook_{name}" not in defined]
    assert missing == []


# --- discovery: folder, entry points, extra ----------------------------------------------


def write_plugin_folder(folder: Path) -> None:
    """A loose .py plugin and a package plugin, each adding one instrument from a file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "loose-def.json").write_text(json.dumps(definition("loose")), encoding="utf-8")
    (folder / "loose_demo.py").write_text(textwrap.dedent("""
        from pathlib import Path
        from alliance_kit import hookimpl

        __version__ = "2.5"

        @hookimpl
        def register_instruments():
            return [Path(__file__).with_name("loose-def.json")]
    """), encoding="utf-8")
    package = folder / "pkg_demo"
    (package / "defs").mkdir(parents=True)
    (package / "defs" / "packaged.json").write_text(json.dumps(definition("packaged")),
                                                    encoding="utf-8")
    (package / "helpers.py").write_text(textwrap.dedent("""
        from pathlib import Path
        DEFS = Path(__file__).with_name("defs")
    """), encoding="utf-8")
    (package / "__init__.py").write_text(textwrap.dedent("""
        from alliance_kit import hookimpl
        from .helpers import DEFS

        @hookimpl
        def register_instruments():
            return [DEFS]
    """), encoding="utf-8")
    (folder / "_private.py").write_text("raise RuntimeError('must not be imported')\n")


def test_plugins_folder_loose_file_and_package(tmp_path):
    write_plugin_folder(tmp_path / "plugins")
    kit = kit_with(plugins_dir=tmp_path / "plugins")
    assert {"loose", "packaged", "phq-9"} <= set(kit.instruments)
    info = {i.name: i for i in kit.plugin_info}
    assert info["loose_demo"].source == "plugins folder"
    assert info["loose_demo"].version == "2.5"
    assert info["loose_demo"].location.endswith("loose_demo.py")
    assert info["pkg_demo"].hooks == ["register_instruments"]
    assert "_private" not in info
    assert not any("_private" in t for t in problem_texts(kit))


def test_plugins_folder_from_environment(tmp_path, monkeypatch):
    write_plugin_folder(tmp_path / "elsewhere")
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(tmp_path / "elsewhere"))
    kit = build_kit(entry_points=False, disabled=())
    assert "loose" in kit.instruments and "packaged" in kit.instruments


def test_plugin_whose_import_raises_is_reported(tmp_path):
    folder = tmp_path / "plugins"
    write_plugin_folder(folder)
    (folder / "broken.py").write_text("raise RuntimeError('boom at import')\n")
    (folder / "bad_syntax.py").write_text("def (:\n")
    kit = kit_with(plugins_dir=folder)
    texts = problem_texts(kit)
    assert any("plugin broken cannot be loaded" in t and "RuntimeError: boom at import" in t
               for t in texts), texts
    assert any("plugin bad_syntax cannot be loaded" in t and "SyntaxError" in t
               for t in texts), texts
    assert any(t.startswith(str(folder / "broken.py")) for t in texts)
    # everything else still loads
    assert {"loose", "packaged", "phq-9"} <= set(kit.instruments)
    assert "broken" not in [i.name for i in kit.plugin_info]


def test_misspelt_hook_is_reported_and_the_plugin_not_loaded():
    typo = plugin("typo", register_instrument=lambda: [definition("typo-inst")],
                  register_instruments=lambda: [definition("typo-other")])
    good = plugin("good", register_instruments=lambda: [definition("good-inst")])
    kit = kit_with(typo, good)
    message = next(p.message for p in kit.problems if p.source == "plugin typo")
    assert "unknown hook(s) register_instrument" in message
    assert "register_instruments" in message  # lists the known hooks
    assert "typo-inst" not in kit.instruments and "typo-other" not in kit.instruments
    assert "good-inst" in kit.instruments
    assert "typo" not in [i.name for i in kit.plugin_info]


def test_hook_with_wrong_argument_name_is_reported():
    bad = plugin("bad", register_pages=lambda kitt: [])
    kit = kit_with(bad)
    assert any(p.source == "plugin bad" and "not loaded" in p.message for p in kit.problems)


def test_hook_that_raises_is_reported_and_others_load():
    def explode():
        raise ValueError("no instruments today")

    failing = plugin("failing", register_instruments=explode)
    good = plugin("good", register_instruments=lambda: [definition("good-inst")])
    kit = kit_with(failing, good)
    problem = next(p for p in kit.problems if p.source == "plugin failing")
    assert "register_instruments failed" in problem.message
    assert "ValueError: no instruments today" in problem.message
    assert "good-inst" in kit.instruments and "phq-9" in kit.instruments


def test_page_hook_that_raises_is_reported():
    def explode(kit):
        raise RuntimeError("no pages")

    kit = kit_with(plugin("failing", register_pages=explode))
    titles = [p.title for p in kit.pages()]
    assert "Instruments" in titles
    assert any("register_pages failed" in str(p) for p in kit.plugins.problems)


def test_bad_definition_from_a_plugin_is_reported_others_load():
    bad = definition("bad-one", version="one")
    kit = kit_with(plugin("demo", register_instruments=lambda: [bad, definition("fine")]))
    assert "bad-one" not in kit.instruments and "fine" in kit.instruments
    assert any(p.source == "<bad-one>" and p.path == "$.version" for p in kit.errors)


def test_disabled_builtin_plugin():
    kit = kit_with(disabled=["default_pages"])
    assert "default_pages" not in [i.name for i in kit.plugin_info]
    # Its pages (login, instrument browser) are gone; other plugins' pages stay.
    assert not {"login", "instruments"} & {page.url_path for page in kit.pages()}
    assert "phq-9" in kit.instruments


def test_disabled_folder_plugin(tmp_path):
    write_plugin_folder(tmp_path / "plugins")
    # loose-def.json is a plugin of its own too (a JSON file in the folder): both go
    kit = kit_with(plugins_dir=tmp_path / "plugins", disabled=["loose_demo", "loose-def.json"])
    assert "loose" not in kit.instruments and "packaged" in kit.instruments
    kept = kit_with(plugins_dir=tmp_path / "plugins", disabled=["loose_demo"])
    assert "loose" in kept.instruments


def test_disabled_from_environment(tmp_path, monkeypatch):
    write_plugin_folder(tmp_path / "plugins")
    monkeypatch.setenv("ALLIANCE_KIT_DISABLE_PLUGINS", " default_pages , loose_demo")
    kit = build_kit(plugins_dir=tmp_path / "plugins", entry_points=False)
    names = [i.name for i in kit.plugin_info]
    assert "default_pages" not in names and "loose_demo" not in names
    assert "pkg_demo" in names
    assert not {"login", "instruments"} & {page.url_path for page in kit.pages()}


def test_explicit_disabled_overrides_environment(monkeypatch):
    monkeypatch.setenv("ALLIANCE_KIT_DISABLE_PLUGINS", "default_pages")
    kit = kit_with(disabled=())
    assert "default_pages" in [i.name for i in kit.plugin_info]


def test_disabling_the_scale_types_breaks_definitions_not_the_kit():
    kit = kit_with(disabled=["default_scales"])
    assert "phq-9" not in kit.instruments
    assert any("unknown scale type" in p.message for p in kit.errors)


def test_later_instrument_with_existing_id_replaces_with_a_warning():
    newer = make_minimal()
    newer.update(id="phq-9", version="9.9.9")
    kit = kit_with(plugin("override", register_instruments=lambda: [newer]))
    assert kit.instrument("phq-9").version == "9.9.9"
    warning = next(p for p in kit.problems if p.severity == "warning")
    assert warning.path == "$.id"
    assert "'phq-9'" in warning.message and "phq-9.json" in warning.message
    assert "override" in warning.message
    assert warning not in kit.errors
    assert str(warning).startswith("<phq-9>: $.id: warning: ")


def test_plugin_type_replacing_a_builtin_warns():
    class MyOptions(StarsScale):
        name = "options"

    kit = kit_with(plugin("demo", register_scale_types=lambda: [MyOptions()]))
    assert isinstance(kit.types.scale_types["options"], MyOptions)
    assert any(p.severity == "warning" and "'options' replaces the built-in one" in p.message
               for p in kit.problems)


def test_plugin_info_of_builtins_and_extra():
    kit = kit_with(plugin("demo", register_instruments=lambda: []))
    info = {i.name: i for i in kit.plugin_info}
    assert info["default_scales"].builtin and info["default_scales"].source == "built-in"
    assert info["default_scales"].version == alliance_kit.__version__
    assert info["demo"].source == "registered" and not info["demo"].builtin
    assert info["default_instruments"].hooks == ["register_instruments"]


def write_distribution(folder: Path, dist: str, version: str, entry_points: str) -> None:
    info = folder / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(entry_points, encoding="utf-8")


def test_entry_point_plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / "demo_plugin_mod.py").write_text(textwrap.dedent(f"""
        from alliance_kit import hookimpl

        DEFINITION = {json.dumps(definition("from-entry-point"))!r}

        @hookimpl
        def register_instruments():
            import json
            return [json.loads(DEFINITION)]
    """), encoding="utf-8")
    write_distribution(site, "demo-plugin", "0.1", "[alliance_kit]\ndemo = demo_plugin_mod\n")
    write_distribution(site, "broken-plugin", "0.2",
                       "[alliance_kit]\nbroken = no_such_module_xyz\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "demo_plugin_mod", raising=False)
    kit = build_kit(plugins_dir=NO_FOLDER, disabled=())
    info = {i.name: i for i in kit.plugin_info}
    assert info["demo"].source == "entry point"
    assert info["demo"].version == "0.1"
    assert info["demo"].hooks == ["register_instruments"]
    assert "from-entry-point" in kit.instruments
    # a distribution whose entry point cannot be imported is reported; the rest loads
    problem = next(p for p in kit.problems if p.source == "plugin broken")
    assert "no_such_module_xyz" in problem.message
    assert "phq-9" in kit.instruments
    # entry points can be switched off, and disabled by name
    assert "demo" not in [i.name for i in build_kit(plugins_dir=NO_FOLDER, disabled=(),
                                                    entry_points=False).plugin_info]
    assert "demo" not in [i.name for i in build_kit(plugins_dir=NO_FOLDER,
                                                    disabled=["demo"]).plugin_info]
