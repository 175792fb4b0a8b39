"""The kit: everything the plugins registered, built once and then only read.

``build_kit()`` loads the plugins, collects their types, instruments and exporters, and
checks every definition. Nothing here is per user, so the app may share one kit across
sessions (``st.cache_resource``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import click
    import pandas as pd

    from alliance_kit.engine.scoring import ScoreResult

from alliance_kit.engine import definitions
from alliance_kit.engine.definitions import Instrument
from alliance_kit.engine.guidance import GuidancePack, collect_guidance
from alliance_kit.engine.sources import expand
from alliance_kit.engine.wording import (
    Wording,
    WordingPack,
    administer_check,
    collect_packs,
    languages_of,
    merge_wording,
)
from alliance_kit.plugins import PluginInfo, Plugins, load_plugins
from alliance_kit.problems import Problem
from alliance_kit.types import AttendanceRule, Exporter, Page, Types, Widget


@dataclass
class Kit:
    """The registry: instruments, types, exporters and plugins, and every problem found."""

    plugins: Plugins
    types: Types
    instruments: dict[str, Instrument] = field(default_factory=dict)
    exporters: list[Exporter] = field(default_factory=list)
    #: Kiosk widgets by scale type (``register_widgets``).
    widgets: dict[str, Widget] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: Valid wording packs by (instrument id, language): see :mod:`alliance_kit.engine.wording`.
    wording_packs: dict[tuple[str, str], WordingPack] = field(default_factory=dict)
    #: Valid guidance packs by id (``register_guidance``): see :mod:`alliance_kit.engine.guidance`.
    guidance: dict[str, GuidancePack] = field(default_factory=dict)
    #: What was wrong with guidance packs (also in ``problems``).
    guidance_problems: list[Problem] = field(default_factory=list)
    #: Attendance alert rules by name (``register_attendance_rules``).
    attendance_rules: dict[str, AttendanceRule] = field(default_factory=dict)
    _commands: dict[str, click.Command] | None = field(default=None, init=False, repr=False,
                                                       compare=False)

    def instrument(self, instrument_id: str) -> Instrument:
        """The instrument with this id; a KeyError lists the known ids."""
        try:
            return self.instruments[instrument_id]
        except KeyError:
            known = ", ".join(sorted(self.instruments)) or "none"
            raise KeyError(f"unknown instrument {instrument_id!r} (known: {known})") from None

    def wording(self, instrument_id: str, language: str = "en") -> Wording | None:
        """What the respondent reads: texts in ``language``, else English, else None."""
        return merge_wording(self.instrument(instrument_id), language, self.wording_packs)

    def can_administer(self, instrument_id: str, language: str = "en") -> tuple[bool, str]:
        """(True, "") when there is wording in ``language``; (True, note) when only English
        is; (False, why and where to install a pack) otherwise."""
        if instrument_id not in self.instruments:
            return False, self._unknown(instrument_id)
        return administer_check(self.instruments[instrument_id], language, self.wording_packs)

    def wording_languages(self, instrument_id: str) -> tuple[str, ...]:
        """Languages with wording for the instrument (its definition's and its packs'); ()
        means a structure-only instrument with no pack installed."""
        return languages_of(self.instrument(instrument_id), self.wording_packs)

    def missing_wording(self, instrument_id: str,
                        languages: Iterable[str] | None = None) -> list[str]:
        """Of ``languages`` (default: the app's, :func:`alliance_kit.i18n.languages`), those
        the instrument has no wording in."""
        from alliance_kit.i18n import languages as app_languages

        have = set(self.wording_languages(instrument_id))
        return [code for code in (app_languages() if languages is None else languages)
                if code not in have]

    def _unknown(self, instrument_id: str) -> str:
        known = ", ".join(sorted(self.instruments)) or "none"
        return f"unknown instrument {instrument_id!r} (known: {known})"

    def score(self, instrument_id: str, data: pd.DataFrame | Mapping[str, Any], *,
              bad_rows: str = "reject") -> ScoreResult:
        """Score responses to one instrument: see :func:`alliance_kit.score`."""
        from alliance_kit.engine.scoring import score  # pandas loads with the first score

        return score(self.instrument(instrument_id), data, bad_rows=bad_rows)

    def exporter_for(self, path: Path) -> Exporter:
        """The writer for a file's suffix; ValueError lists the suffixes there are."""
        suffix = path.suffix.lower()
        for exporter in reversed(self.exporters):
            if suffix in exporter.suffixes:
                return exporter
        known = ", ".join(sorted({s for e in self.exporters for s in e.suffixes}))
        raise ValueError(f"{path}: no writer for {suffix or 'files without a suffix'!r} "
                         f"(known: {known})")

    def pages(self) -> list[Page]:
        """App pages from every plugin, in registration order."""
        return [page for _, pages in self.plugins.register_pages(self) for page in pages]

    def commands(self) -> dict[str, click.Command]:
        """The command line's commands, by name: every plugin's ``register_commands`` (the
        built-in ones through :mod:`alliance_kit.default_commands`), collected once."""
        if self._commands is None:
            import click

            group = click.Group()
            self.plugins.register_commands(group)
            self._commands = dict(group.commands)
        return self._commands

    @property
    def plugin_info(self) -> list[PluginInfo]:
        return self.plugins.info

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def build_kit(
    plugins_dir: Path | None = None,
    disabled: Iterable[str] | None = None,
    *,
    entry_points: bool = True,
    local: bool = True,
    extra: Iterable[object] = (),
    plugins: Plugins | None = None,
) -> Kit:
    """Load every plugin and definition; bad ones become problems, the rest still load.

    ``plugins`` already loaded (by :func:`alliance_kit.plugins.load_plugins`) are used as
    they are, and the other arguments ignored.
    """
    if plugins is None:
        plugins = load_plugins(plugins_dir, disabled, entry_points=entry_points, local=local,
                               extra=extra)
    kit = Kit(plugins=plugins, types=_collect_types(plugins))
    for _, exporters in plugins.register_exporters():
        kit.exporters.extend(exporters)
    for _, widgets in plugins.register_widgets():
        kit.widgets.update((widget.scale_type, widget) for widget in widgets)
    for _, rules in plugins.register_attendance_rules():
        kit.attendance_rules.update((rule.name, rule) for rule in rules)
    origin: dict[str, str] = {}
    seen: set[Path] = set()  # a file two plugins give is one definition
    for info, entries in plugins.register_instruments():
        for source, definition in expand(entries, _describe_definition, seen=seen):
            instrument, problems = definitions.try_load_definition(definition, kit.types, source)
            kit.problems.extend(problems)
            if instrument is None:
                continue
            if instrument.id in kit.instruments:
                kit.problems.append(Problem(source, "$.id", f"instrument {instrument.id!r} is "
                                            f"also defined by {origin[instrument.id]}: this one "
                                            f"(from {info.name}) replaces it", "warning"))
            kit.instruments[instrument.id] = instrument
            origin[instrument.id] = source
    kit.wording_packs, problems = collect_packs(
        [(info.name, entries) for info, entries in plugins.register_wording_packs()],
        kit.instruments)
    kit.problems.extend(problems)
    kit.guidance, kit.guidance_problems = collect_guidance(
        [(info.name, entries) for info, entries in plugins.register_guidance()], kit.instruments)
    kit.problems.extend(kit.guidance_problems)
    kit.problems[:0] = plugins.problems
    return kit


def _collect_types(plugins: Plugins) -> Types:
    types = Types()
    for hook, registry in ((plugins.register_scale_types, types.scale_types),
                           (plugins.register_scorers, types.scorers),
                           (plugins.register_alert_types, types.alert_types)):
        for info, entries in hook():
            for entry in entries:
                if entry.name in registry and not info.builtin:
                    plugins.problems.append(Problem(f"plugin {info.name}", "$", f"{hook.__name__}: "
                                                    f"{entry.name!r} replaces the built-in one",
                                                    "warning"))
                registry[entry.name] = entry
    return types


def _describe_definition(definition: Mapping[str, Any]) -> str:
    return f"<{definition.get('id', 'definition')}>"


@functools.cache
def default_types() -> Types:
    """The built-in types only, for loading a definition without building a kit."""
    return _collect_types(load_plugins(disabled=(), entry_points=False, local=False))


def load_definition(definition: Path | str | Mapping[str, Any], types: Types | None = None,
                    source: str | None = None) -> Instrument:
    """Load and check one definition (a path or a parsed dict); raise
    :class:`~alliance_kit.problems.DefinitionError` if bad. ``types`` defaults to the
    built-in ones; pass ``kit.types`` to allow plugins' scale types, scorers and alerts."""
    return definitions.load_definition(definition, types or default_types(), source)


def try_load_definition(definition: Path | str | Mapping[str, Any], types: Types | None = None,
                        source: str | None = None) -> tuple[Instrument | None, list[Problem]]:
    """Load and check one definition; return the instrument (or None) and every problem.
    ``types`` as for :func:`load_definition`."""
    return definitions.try_load_definition(definition, types or default_types(), source)
