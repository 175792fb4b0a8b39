"""A quick command line: --version loads no plugin, --help only the plugins that add commands,
and neither imports pandas, SQLAlchemy, Streamlit or the store (bench/bench_cli_startup.py
times them). A real run still builds one kit, without importing a plugin twice."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner
from conftest import ROOT

from alliance_kit import plugins
from alliance_kit.cli import cli

HEAVY = ("pandas", "numpy", "pyarrow", "sqlalchemy", "streamlit", "jsonschema",
         "alliance_kit.store", "alliance_kit.clinic", "alliance_kit.engine.definitions",
         "alliance_kit.kit", "alliance_kit.interop.redcap")
PROBE = textwrap.dedent("""
    import json, sys
    from alliance_kit.cli import main
    args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
    sys.argv = ["alliance-kit", *args]
    try:
        main()
    except SystemExit:
        pass
    print(json.dumps(sorted(m for m in heavy if m in sys.modules)), file=sys.stderr)
""")


def imported_by(args: list[str], tmp_path) -> tuple[str, list[str]]:
    """Run the command in a fresh interpreter; its output and which heavy modules it loaded."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"),
           "ALLIANCE_KIT_PLUGINS_DIR": str(tmp_path / "no-plugins")}
    env.pop("ALLIANCE_KIT_DISABLE_PLUGINS", None)
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120,
                          check=True)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["score", "--help"]])
def test_version_and_help_import_nothing_heavy(tmp_path, args):
    output, heavy = imported_by(args, tmp_path)
    assert heavy == [], f"alliance-kit {' '.join(args)} imported {heavy}"
    assert output.strip()


def test_help_still_lists_every_command(tmp_path):
    output, _ = imported_by(["--help"], tmp_path)
    for name in ("score", "psychometrics", "schema", "validate", "wording", "db", "users"):
        assert f"  {name} " in output, name


def test_every_builtin_that_adds_commands_is_a_command_plugin():
    for module_name in plugins.DEFAULT_PLUGINS:
        module = importlib.import_module(module_name)
        if hasattr(module, "register_commands"):
            assert module_name in plugins.COMMAND_PLUGINS, (
                f"{module_name} adds commands: list it in plugins.COMMAND_PLUGINS, or "
                "`alliance-kit --help` will not show them")


def test_literal_copies_made_for_a_quick_start_match_their_source():
    from alliance_kit import default_pages
    from alliance_kit.cli import authoring, clients, users
    from alliance_kit.clinic import access
    from alliance_kit.interop import redcap
    from alliance_kit.store import names
    from alliance_kit.ui.kiosk import widgets

    assert users.STAFF_ROLES == access.STAFF_ROLES
    assert clients.CODE_RULE == names.CODE_RULE
    assert authoring.REDCAP_WORDINGS == redcap.WORDINGS
    assert {w.scale_type: w.render.__name__ for w in widgets.BUILTIN} == \
        default_pages.BUILTIN_WIDGETS
    assert [getattr(widgets, name) for name in default_pages.BUILTIN_WIDGETS.values()] == \
        [w.render for w in widgets.BUILTIN]


def test_a_real_run_builds_one_kit_without_importing_a_plugin_twice(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    counter = tmp_path / "imports.txt"
    (folder / "counted.py").write_text(textwrap.dedent(f"""
        from pathlib import Path
        import click
        from alliance_kit import hookimpl

        with open({str(counter)!r}, "a") as log:
            log.write("imported\\n")

        @hookimpl
        def register_commands(cli):
            @cli.command("hello")
            def hello():
                "Say hello."
                click.echo("hello")

        @hookimpl
        def register_instruments():
            return [Path(__file__).with_name("counted-scale.json")]
    """))
    from conftest import make_minimal

    (folder / "counted-scale.json").write_text(json.dumps({**make_minimal(), "id": "counted"}))
    monkeypatch.setenv("ALLIANCE_KIT_PLUGINS_DIR", str(folder))
    monkeypatch.delenv("ALLIANCE_KIT_DISABLE_PLUGINS", raising=False)
    monkeypatch.setattr(plugins.importlib.metadata, "entry_points", lambda group: [],
                        raising=False)
    result = CliRunner().invoke(cli, ["instruments", "list"])  # obj=None: a real run
    assert result.exit_code == 0, result.output
    assert "counted\t" in result.output and "phq-9\t" in result.output
    assert counter.read_text() == "imported\n"
    hello = CliRunner().invoke(cli, ["hello"])
    assert hello.output == "hello\n"


def test_with_all_builtins_keeps_the_documented_order(tmp_path):
    (tmp_path / "late.json").write_text("{}")
    few = plugins.load_plugins(tmp_path, disabled=(), entry_points=False,
                               builtins=plugins.COMMAND_PLUGINS)
    every = plugins.with_all_builtins(few)
    names = [info.name for info in every.info]
    assert names[:len(plugins.DEFAULT_PLUGINS)] == [
        m.rsplit(".", 1)[1] for m in plugins.DEFAULT_PLUGINS]
    assert names[-1] == "late.json"
    assert every.external[0][0] is few.external[0][0]  # the same object, not reloaded
