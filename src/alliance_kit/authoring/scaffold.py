"""Starting points: a new instrument definition, and a new plugin package, that work as written.

``alliance-kit new instrument ID`` writes a valid definition, a sample table and a test that
validates and scores it; ``alliance-kit new plugin NAME`` writes an installable plugin package
with one hook implementation and its test. Nothing existing is ever overwritten.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from alliance_kit.version import __version__

ID_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9_.-]{0,62}[a-z0-9])?$")
PLUGIN_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}[a-z0-9]$")


class ScaffoldError(ValueError):
    """A starting point could not be written; the message says why and what to do."""


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write ``files`` (relative path to text) under ``folder``; refuse if any already exists."""
    targets = [folder / name for name in files]
    existing = [str(path) for path in targets if path.exists()]
    if existing:
        verb = "exists" if len(existing) == 1 else "exist"
        raise ScaffoldError(f"{', '.join(existing)} already {verb}: nothing was written "
                            "(move it away or choose another --dir)")
    for path, text in zip(targets, files.values(), strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return targets


def _title(ident: str) -> str:
    return re.sub(r"[-_.]+", " ", ident).strip().capitalize()


# --- a new instrument ------------------------------------------------------------------


def instrument_definition(instrument_id: str) -> dict:
    """A valid project definition to start from: one scale, two items, a total with bands
    and a cut-off, and notes that say what to change."""
    if not ID_PATTERN.match(instrument_id):
        raise ScaffoldError(f"{instrument_id!r} is not a valid instrument id: use lower-case "
                            "letters, digits, '-', '_' and '.', at most 64 characters "
                            "(e.g. 'clinic-mood')")
    title = _title(instrument_id)
    return {
        "$schema": "https://alliance-kit.dev/schemas/instrument.schema.json",
        "id": instrument_id,
        "version": "0.1.0",
        "title": {"en": title},
        "description": {"en": f"{title}: describe what it measures. Not a validated "
                              "instrument."},
        "citation": "Written by <your clinic or project>; not a validated instrument",
        "license": {"name": "CC-BY-4.0",
                    "note": "Replace with the licence you publish this definition under."},
        "wording": "project",
        "languages": ["en"],
        "timing": "any",
        "notes": [
            f"README: a starting point made by `alliance-kit new instrument {instrument_id}`. "
            "Replace the title, stem, items, scale and bands with your own, then run "
            f"`alliance-kit validate {instrument_id}.json` and "
            f"`python -m pytest test_{_module(instrument_id)}.py` after each change; "
            "docs/writing-instruments.md explains every field.",
            "Wording 'project' means you wrote this text yourself. Never paste a published "
            "measure's wording here: for one, use 'open' only when its wording is free to "
            "redistribute, otherwise 'structure-only' with a wording pack.",
            "The bands and the cut-off of 5 are placeholders: replace them with values you "
            "can justify, and say where they come from in a note.",
            "To use it, put the file in a plugin (see docs/writing-plugins.md) or, for the "
            "project, in instruments/ with golden tests.",
        ],
        "stem": {"en": "Over the past week, how often have you ..."},
        "scales": {
            "often": {
                "type": "options",
                "options": [
                    {"value": 0, "label": {"en": "Not at all"}},
                    {"value": 1, "label": {"en": "Some days"}},
                    {"value": 2, "label": {"en": "Most days"}},
                    {"value": 3, "label": {"en": "Every day"}},
                ],
            }
        },
        "items": [
            {"id": "q1", "text": {"en": "felt the way the first question asks about?"},
             "scale": "often"},
            {"id": "q2", "text": {"en": "felt the way the second question asks about?"},
             "scale": "often"},
        ],
        "scores": [
            {
                "id": "total",
                "title": {"en": "Total"},
                "kind": "total",
                "method": "sum",
                "items": ["q1", "q2"],
                "max_missing": 0,
                "range": [0, 6],
                "bands": [
                    {"id": "low", "min": 0, "max": 2, "label": {"en": "Low"}},
                    {"id": "middle", "min": 3, "max": 4, "label": {"en": "Middle"}},
                    {"id": "high", "min": 5, "max": 6, "label": {"en": "High"}},
                ],
                "cutoffs": [
                    {"id": "concern", "op": ">=", "value": 5,
                     "label": {"en": "Worth talking about"}},
                ],
            }
        ],
    }


_SAMPLE = """client,session,q1,q2
c01,1,0,1
c01,2,2,3
c02,1,3,3
c02,2,1,
"""

_INSTRUMENT_TEST = '''"""Tests for the {id} definition.

It is valid, and the sample scores as worked out by hand. Run them with
`python -m pytest {test_file}` and keep them passing as you edit the definition.
"""

import math
from pathlib import Path

import alliance_kit
import pandas as pd

HERE = Path(__file__).resolve().parent
DEFINITION = HERE / "{id}.json"
SAMPLE = HERE / "{id}.csv"


def test_the_definition_is_valid():
    # load_definition raises with every problem (FILE: $.path: message) if it is not.
    instrument = alliance_kit.load_definition(DEFINITION)
    assert instrument.id == "{id}"
    assert [item.id for item in instrument.items] == ["q1", "q2"]


def test_the_sample_scores_as_worked_by_hand():
    instrument = alliance_kit.load_definition(DEFINITION)
    frame = alliance_kit.score(instrument, pd.read_csv(SAMPLE)).to_frame(flags=True)
    # c01: 0 + 1 = 1 (low), 2 + 3 = 5 (high, at the cut-off); c02: 3 + 3 = 6 (high);
    # c02's second row has no answer to q2 and no missing item is allowed: blank.
    assert frame["total"].tolist()[:3] == [1, 5, 6]
    assert math.isnan(frame["total"].iloc[3])
    assert frame["total_band"].tolist()[:3] == ["low", "high", "high"]
    assert frame["total_concern"].tolist()[:3] == [False, True, True]
'''


def _module(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", name.lower())


def instrument_files(instrument_id: str) -> dict[str, str]:
    """The files of a new instrument: ``ID.json``, a sample ``ID.csv`` and ``test_ID.py``."""
    definition = instrument_definition(instrument_id)
    test_file = f"test_{_module(instrument_id)}.py"
    return {
        f"{instrument_id}.json": json.dumps(definition, indent=2, ensure_ascii=False) + "\n",
        f"{instrument_id}.csv": _SAMPLE,
        test_file: _INSTRUMENT_TEST.format(id=instrument_id, test_file=test_file),
    }


# --- a new plugin package --------------------------------------------------------------


_PYPROJECT = """[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "0.1.0"
description = "An alliance_kit plugin: a tab-separated (.tsv) exporter. Describe yours here."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["alliance-kit>={version}"]

# alliance_kit loads every entry point in its "alliance_kit" group; the name on the left is
# the plugin's name in `alliance-kit plugins` and ALLIANCE_KIT_DISABLE_PLUGINS.
[project.entry-points.alliance_kit]
{module} = "{module}"

[tool.hatch.build.targets.wheel]
packages = ["src/{module}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["src"]
"""

_README = """# {name}

An alliance_kit plugin made by `alliance-kit new plugin {name}`. It registers one
exporter, so `alliance-kit score ID answers.csv -o scored.tsv` writes tab-separated values.
Replace it with your own hooks: docs/plugin-hooks.md lists every hook with an example.

```console
$ python -m pytest              # the tests run from the source folder
$ pip install .                 # then alliance_kit finds it through its entry point
$ alliance-kit plugins
{module}\t0.1.0\tentry point\tregister_exporters
```
"""

_MODULE = '''"""{name}: an alliance_kit plugin (made by `alliance-kit new plugin`).

Each function marked ``@hookimpl`` implements one hook; docs/plugin-hooks.md lists them all.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from alliance_kit import hookimpl
from alliance_kit.types import Exporter

__version__ = "0.1.0"


def write_tsv(frame: pd.DataFrame, path: Path) -> None:
    """Write the scored table as tab-separated values (UTF-8)."""
    frame.to_csv(path, sep="\\t", index=False, lineterminator="\\n")


@hookimpl
def register_exporters():
    return [Exporter("tsv", (".tsv",), write_tsv, "tab-separated values")]
'''

_PLUGIN_TEST = '''"""Tests for the {module} plugin, through alliance_kit as a user would load it."""

import alliance_kit
import pandas as pd

import {module}


def kit():
    return alliance_kit.build_kit(extra=[{module}], entry_points=False, local=False,
                                  disabled=())


def test_the_plugin_loads():
    loaded = kit()
    assert not loaded.errors, [str(problem) for problem in loaded.errors]
    info = next(p for p in loaded.plugin_info if p.name == "{module}")
    assert info.hooks == ["register_exporters"]


def test_hook_register_exporters(tmp_path):
    target = tmp_path / "scored.tsv"
    exporter = kit().exporter_for(target)
    assert exporter.name == "tsv"
    exporter.write(pd.DataFrame({{"client": ["c01", "c02"], "total": [3, 7]}}), target)
    assert target.read_text(encoding="utf-8").splitlines() == [
        "client\\ttotal", "c01\\t3", "c02\\t7"]
'''


def plugin_files(name: str) -> dict[str, str]:
    """The files of a new plugin package ``NAME/``: pyproject, README, module and test."""
    if not PLUGIN_NAME_PATTERN.match(name):
        raise ScaffoldError(f"{name!r} is not a valid plugin name: use lower-case letters, "
                            "digits, '-' and '_', starting with a letter (e.g. "
                            "'clinic-exports')")
    module = _module(name)
    values = {"name": name, "module": module, "version": __version__}
    return {
        f"{name}/pyproject.toml": _PYPROJECT.format(**values),
        f"{name}/README.md": _README.format(**values),
        f"{name}/src/{module}/__init__.py": _MODULE.format(**values),
        f"{name}/tests/test_{module}.py": _PLUGIN_TEST.format(**values),
    }
