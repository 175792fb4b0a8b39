"""`alliance-kit new instrument|plugin`: the starting points work as written, and never
overwrite anything."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import alliance_kit
from alliance_kit.cli import cli
from alliance_kit.kit import try_load_definition


@pytest.fixture(scope="module")
def kit():
    return alliance_kit.build_kit(entry_points=False, local=False, disabled=())


def run(kit, *args: str):
    return CliRunner().invoke(cli, list(args), obj=kit)


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run pytest as a user would, in ``folder``, with this interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLIANCE_KIT_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def test_new_instrument_writes_a_valid_definition_sample_and_test(kit, tmp_path):
    folder = tmp_path / "defs"
    result = run(kit, "new", "instrument", "clinic-mood", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "clinic-mood.csv", "clinic-mood.json", "test_clinic_mood.py"]
    definition = json.loads((folder / "clinic-mood.json").read_text(encoding="utf-8"))
    instrument, problems = try_load_definition(definition, kit.types)
    assert problems == []
    assert definition["wording"] == "project" and not instrument.validated
    assert len(definition["scales"]) == 1 and len(instrument.items) == 2
    (total,) = instrument.scores
    assert total.bands and total.cutoffs
    assert definition["notes"][0].startswith("README: a starting point made by ")
    assert run(kit, "validate", str(folder / "clinic-mood.json")).exit_code == 0


def test_the_generated_instrument_test_passes(kit, tmp_path):
    assert run(kit, "new", "instrument", "my.scale_2", "--dir", str(tmp_path)).exit_code == 0
    outcome = pytest_in(tmp_path, "test_my_scale_2.py")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "2 passed" in outcome.stdout


def test_the_generated_instrument_test_catches_a_broken_definition(kit, tmp_path):
    run(kit, "new", "instrument", "broken", "--dir", str(tmp_path))
    path = tmp_path / "broken.json"
    definition = json.loads(path.read_text(encoding="utf-8"))
    definition["scores"][0]["bands"][1]["min"] = 4  # leaves 3 in no band
    path.write_text(json.dumps(definition), encoding="utf-8")
    outcome = pytest_in(tmp_path, "test_broken.py")
    assert outcome.returncode == 1
    assert "$.scores[0].bands[1]" in outcome.stdout


def test_new_instrument_refuses_to_overwrite(kit, tmp_path):
    (tmp_path / "mine.csv").write_text("my data\n", encoding="utf-8")
    result = run(kit, "new", "instrument", "mine", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "mine.csv already exists: nothing was written" in result.output
    assert (tmp_path / "mine.csv").read_text(encoding="utf-8") == "my data\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.csv"]


@pytest.mark.parametrize("bad", ["Mood", "mood!", "mood check", "x" * 65])
def test_new_instrument_refuses_a_bad_id(kit, tmp_path, bad):
    result = run(kit, "new", "instrument", bad, "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a valid instrument id" in result.output
    assert list(tmp_path.iterdir()) == []


def test_new_plugin_writes_a_package_whose_test_passes(kit, tmp_path):
    result = run(kit, "new", "plugin", "clinic-exports", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    package = tmp_path / "clinic-exports"
    assert sorted(str(p.relative_to(package)) for p in package.rglob("*") if p.is_file()) == [
        "README.md", "pyproject.toml", "src/clinic_exports/__init__.py",
        "tests/test_clinic_exports.py"]
    project = tomllib.loads((package / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["name"] == "clinic-exports"
    assert project["project"]["entry-points"]["alliance_kit"] == {
        "clinic_exports": "clinic_exports"}
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == [
        "src/clinic_exports"]
    outcome = pytest_in(tmp_path, "clinic-exports")
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr
    assert "2 passed" in outcome.stdout


def test_the_generated_plugin_loads_and_implements_one_hook(tmp_path):
    CliRunner().invoke(cli, ["new", "plugin", "p2", "--dir", str(tmp_path)],
                       catch_exceptions=False)
    spec = importlib.util.spec_from_file_location("p2", tmp_path / "p2" / "src" / "p2" /
                                                  "__init__.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    kit = alliance_kit.build_kit(extra=[module], entry_points=False, local=False, disabled=())
    assert not kit.errors
    info = next(p for p in kit.plugin_info if p.name == module.__name__)
    assert info.hooks == ["register_exporters"] and info.version == "0.1.0"
    assert kit.exporter_for(Path("out.tsv")).name == "tsv"


def test_new_plugin_refuses_to_overwrite(kit, tmp_path):
    assert run(kit, "new", "plugin", "twice", "--dir", str(tmp_path)).exit_code == 0
    module = tmp_path / "twice" / "src" / "twice" / "__init__.py"
    module.write_text("# my work\n", encoding="utf-8")
    result = run(kit, "new", "plugin", "twice", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "already exist: nothing was written" in result.output
    assert module.read_text(encoding="utf-8") == "# my work\n"


@pytest.mark.parametrize("bad", ["Clinic", "1clinic", "clinic exports", "clinic-"])
def test_new_plugin_refuses_a_bad_name(kit, tmp_path, bad):
    result = run(kit, "new", "plugin", bad, "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "is not a valid plugin name" in result.output
