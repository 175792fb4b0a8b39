"""Third-party plugins work end to end: the example package, pip-installed into a fresh venv.

The virtual environment is seeded from the environment that runs these tests, whichever
that is (a venv, a system Python, CI's fresh venv): a ``.pth`` file puts this interpreter's
site-packages after the new venv's own, so nothing is downloaded. alliance_kit (this
checkout) and the example package are then built and installed into it as wheels, offline
(``--no-index --no-build-isolation``: the build backend, hatchling, is a test dependency).
Editable installs of the running environment are ``.pth`` files that are not read from a
seeded folder, so the venv sees only the copies installed into it. Inside it we run the
package's own tests and the ``alliance-kit`` command the venv got, from a folder with no
``plugins/``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "plugins" / "example_package"
SAMPLE = PACKAGE / "tests" / "data" / "mood-faces.csv"
DEFINITION = PACKAGE / "src" / "alliance_kit_faces" / "instruments" / "mood-faces.json"
TIMEOUT = 300

pytestmark = pytest.mark.slow


class Venv:
    """A virtual environment and a way to run commands in it."""

    def __init__(self, folder: Path, workdir: Path):
        self.folder = folder
        self.bin = folder / ("Scripts" if os.name == "nt" else "bin")
        self.python = self.bin / "python"
        self.workdir = workdir
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("ALLIANCE_KIT_", "PYTHON", "VIRTUAL_ENV"))}
        self.env.update(PATH=f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
                        VIRTUAL_ENV=str(folder), PYTHONDONTWRITEBYTECODE="1")

    def run(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(a) for a in args], cwd=self.workdir, env=self.env,
                                capture_output=True, text=True, timeout=TIMEOUT)
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}:\n"
                        f"{result.stdout}\n{result.stderr}")
        return result

    def pip_install(self, path: Path) -> None:
        self.run(self.python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                 "--no-build-isolation", "--disable-pip-version-check", path)

    def alliance_kit(self, *args: str | Path, **options) -> subprocess.CompletedProcess:
        return self.run(self.bin / "alliance-kit", *args, **options)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Venv:
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail("hatchling (the build backend) is not installed, so packages cannot be "
                    "built offline: `python -m pip install hatchling`")
    folder = tmp_path_factory.mktemp("venv")
    # No pip of its own: the seeded pip installs into whichever environment runs it, and
    # skipping ensurepip saves seconds.
    venv.EnvBuilder(system_site_packages=False, with_pip=False).create(folder)
    environment = Venv(folder, tmp_path_factory.mktemp("work"))
    own = environment.run(environment.python, "-c",
                          "import sysconfig; print(sysconfig.get_path('purelib'))").stdout.strip()
    seeded = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (Path(own) / "_seeded_from_test_runner.pth").write_text("\n".join(seeded) + "\n", "utf-8")
    environment.pip_install(ROOT)
    environment.pip_install(PACKAGE)
    return environment


def test_the_venv_uses_its_own_installed_copies(env):
    found = env.run(env.python, "-c", "import alliance_kit, alliance_kit_faces, sys; "
                    "print(sys.prefix); print(alliance_kit.__file__); "
                    "print(alliance_kit_faces.__file__)").stdout.splitlines()
    assert Path(found[0]) == env.folder
    assert all(Path(path).is_relative_to(env.folder) for path in found[1:]), found
    assert Path(sys.prefix) != env.folder


def test_the_package_tests_pass_in_the_venv(env):
    result = env.run(env.python, "-m", "pytest", PACKAGE / "tests", "-q", "-p",
                     "no:cacheprovider", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_alliance_kit_plugins_lists_it_with_version_and_hooks(env):
    result = env.alliance_kit("plugins")
    assert ("faces\t0.1.0\tentry point\tregister_exporters, register_instruments, "
            "register_scale_types, register_widgets") in result.stdout.splitlines()
    assert result.stderr == ""  # no plugin problems


def test_alliance_kit_scores_the_plugin_instrument_with_its_exporter(env, tmp_path):
    output = tmp_path / "scored.jsonl"
    env.alliance_kit("score", "mood-faces", SAMPLE, "--flags", "-o", output)
    rows = [json.loads(line) for line in output.read_text("utf-8").splitlines()]
    assert [(row["client"], row["total"], row["total_band"], row["total_low-mood"])
            for row in rows] == [("c01", 5, "low", True), ("c01", 10, "middle", False),
                                 ("c02", 14, "high", False), ("c02", None, None, None)]


def test_without_the_plugin_its_scale_type_is_unknown(env):
    env.env["ALLIANCE_KIT_DISABLE_PLUGINS"] = "faces"
    try:
        refused = env.alliance_kit("validate", DEFINITION, check=False)
    finally:
        del env.env["ALLIANCE_KIT_DISABLE_PLUGINS"]
    assert refused.returncode == 1
    assert "$.scales.faces.type: unknown scale type 'faces-5'" in refused.stdout
