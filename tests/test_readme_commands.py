"""The README's set-up and test commands are the ones CI runs, word for word.

A green CI must mean that a new user who types the README's commands gets a working app and a
passing suite: .ci/run runs exactly those commands in a fresh virtual environment.
"""

from __future__ import annotations

import re

from conftest import ROOT

README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"


def quickstart_commands() -> list[str]:
    """The command lines of the README's Quickstart code block."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"^```bash\n(.*?)^```$", section, re.S | re.M)
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def ci_lines() -> list[str]:
    return [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()]


def test_the_quickstart_has_a_setup_and_a_test_command():
    setup, test = quickstart_commands()
    assert setup.endswith("python -m streamlit run app.py"), setup
    assert "alliance-kit demo --if-missing" in setup
    assert test.endswith("python -m pytest"), test


def test_ci_runs_the_test_command_as_written():
    _, test = quickstart_commands()
    assert test in ci_lines(), f".ci/run does not run the README's test command: {test}"


def test_ci_runs_the_setup_command_except_starting_the_server():
    setup, _ = quickstart_commands()
    steps = [step.strip() for step in setup.split("&&")]
    assert steps[-1] == "python -m streamlit run app.py"
    lines = ci_lines()
    for step in steps[:-1]:
        assert any(step in line for line in lines), f".ci/run does not run {step!r}"


def test_ci_uses_a_fresh_virtual_environment_without_system_packages():
    lines = ci_lines()
    creates = [line for line in lines if re.match(r"python3? -m venv ", line)]
    assert creates and all("--system-site-packages" not in line for line in creates), creates
    venv = creates[0].split()[-1]
    activate = lines.index(f"source {venv}/bin/activate")
    first_pip = next(i for i, line in enumerate(lines) if line.startswith("python -m pip install"))
    assert lines.index(creates[0]) < activate < first_pip


def test_the_constraints_pin_every_package_the_install_needs():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    assert "alliance-kit" not in pins, "the project itself is installed from the clone"
    for needed in ("streamlit", "pandas", "hypothesis", "pytest", "sqlalchemy", "playwright"):
        assert needed in pins, f"constraints.txt does not pin {needed}"
