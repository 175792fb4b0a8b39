"""The plugin manager: built-in plugins, installed packages and the local ``plugins/`` folder.

Discovery, in order (a later plugin's instrument overrides an earlier one's, with a warning):

1. the built-in ``default_*`` modules (``DEFAULT_PLUGINS``);
2. installed packages' entry points in the ``alliance_kit`` group;
3. loose ``.py`` files and packages in the plugins folder (``ALLIANCE_KIT_PLUGINS_DIR``,
   else ``./plugins``), and JSON files there: a definition or wording pack ``.json`` file,
   or a folder of them, is a plugin on its own (:class:`JsonFiles`), no Python needed.

``ALLIANCE_KIT_DISABLE_PLUGINS`` is a comma-separated list of plugin names not to load.
A plugin that fails to import, or implements a hook that does not exist, is reported as a
problem and left out; everything else still loads.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pluggy

from alliance_kit import hookspecs
from alliance_kit.problems import Problem
from alliance_kit.version import __version__

if TYPE_CHECKING:
    import click

    from alliance_kit.kit import Kit
    from alliance_kit.types import (
        AlertType,
        AttendanceRule,
        Exporter,
        Notice,
        Page,
        ScaleType,
        Scorer,
        Widget,
    )

DEFAULT_PLUGINS = (
    "alliance_kit.default_scales",
    "alliance_kit.default_scorers",
    "alliance_kit.default_alerts",
    "alliance_kit.default_exporters",
    "alliance_kit.default_instruments",
    "alliance_kit.default_wording",
    "alliance_kit.default_pages",
    "alliance_kit.default_commands",
    "alliance_kit.default_guidance",
    "alliance_kit.default_attendance",
    "alliance_kit.default_notify",
)
#: The built-in plugins that add commands: all the command line loads to list its commands
#: (``alliance-kit --help``), with every installed and local plugin. A test keeps it complete.
COMMAND_PLUGINS = (
    "alliance_kit.default_wording",
    "alliance_kit.default_commands",
    "alliance_kit.default_guidance",
    "alliance_kit.default_attendance",
)
ENTRY_POINT_GROUP = "alliance_kit"
DISABLE_ENV = "ALLIANCE_KIT_DISABLE_PLUGINS"
PLUGINS_DIR_ENV = "ALLIANCE_KIT_PLUGINS_DIR"


class DeliveryFailed(RuntimeError):
    """A ``notify`` implementation failed to deliver a notice (the message says which)."""


@dataclass
class PluginInfo:
    """What ``alliance-kit plugins`` shows about one plugin."""

    name: str
    source: str
    version: str | None
    hooks: list[str] = field(default_factory=list)
    location: str | None = None

    @property
    def builtin(self) -> bool:
        return self.source == "built-in"


@dataclass
class Plugins:
    """A loaded plugin manager, what it holds, and what could not be loaded.

    One typed method per hook (as tox's ``Plugin`` facade): core code calls these, never a
    hook by its name. Each returns ``(plugin, what it returned)`` pairs in registration
    order, **oldest plugin first**: the built-ins, then entry points, then the plugins
    folder. Where a later entry replaces an earlier one (an instrument id, a widget's scale
    type, a command name), the later plugin wins. A plugin that returns None is left out; a
    plugin that raises becomes a problem naming it, and the others still run.
    """

    manager: pluggy.PluginManager
    info: list[PluginInfo]
    problems: list[Problem]
    #: The plugins from entry points, the plugins folder and ``extra``, with their info, in
    #: load order: :func:`with_all_builtins` registers them again without importing them twice.
    external: list[tuple[object, PluginInfo]] = field(default_factory=list)
    #: The plugin names left out when these were loaded.
    disabled: frozenset[str] = frozenset()

    def register_instruments(self) -> list[tuple[PluginInfo, list[Any]]]:
        """Definitions: paths to JSON files or folders, or parsed dicts."""
        return self._call(self.manager.hook.register_instruments)

    def register_wording_packs(self) -> list[tuple[PluginInfo, list[Any]]]:
        """Wording packs: paths to pack files or folders, or parsed dicts."""
        return self._call(self.manager.hook.register_wording_packs)

    def register_scale_types(self) -> list[tuple[PluginInfo, list[ScaleType]]]:
        return self._call(self.manager.hook.register_scale_types)

    def register_scorers(self) -> list[tuple[PluginInfo, list[Scorer]]]:
        return self._call(self.manager.hook.register_scorers)

    def register_alert_types(self) -> list[tuple[PluginInfo, list[AlertType]]]:
        return self._call(self.manager.hook.register_alert_types)

    def register_attendance_rules(self) -> list[tuple[PluginInfo, list[AttendanceRule]]]:
        return self._call(self.manager.hook.register_attendance_rules)

    def register_exporters(self) -> list[tuple[PluginInfo, list[Exporter]]]:
        return self._call(self.manager.hook.register_exporters)

    def register_widgets(self) -> list[tuple[PluginInfo, list[Widget]]]:
        return self._call(self.manager.hook.register_widgets)

    def register_guidance(self) -> list[tuple[PluginInfo, list[Any]]]:
        """Guidance packs: paths to pack files or folders, or parsed dicts."""
        return self._call(self.manager.hook.register_guidance)

    def register_pages(self, kit: Kit) -> list[tuple[PluginInfo, list[Page]]]:
        return self._call(self.manager.hook.register_pages, kit=kit)

    def register_commands(self, cli: click.Group) -> None:
        """Let every plugin add its commands to ``cli``."""
        self._call(self.manager.hook.register_commands, cli=cli)

    def notify(self, notice: Notice, channel: str, config: dict[str, Any]
               ) -> tuple[PluginInfo, str] | None:
        """Deliver a notice on one channel: the newest plugin that delivers ``channel`` does
        it. Returns (that plugin, what it did), or None when no plugin delivers the channel.
        A plugin's exception is raised as :class:`DeliveryFailed` naming the plugin."""
        by_name = {info.name: info for info in self.info}
        for impl in reversed(self.manager.hook.notify.get_hookimpls()):
            info = by_name.get(impl.plugin_name) or PluginInfo(impl.plugin_name, "registered", None)
            arguments = {"notice": notice, "channel": channel, "config": config}
            try:
                result = impl.function(*(arguments[name] for name in impl.argnames))
            except Exception as exc:
                raise DeliveryFailed(f"plugin {info.name}: {type(exc).__name__}: {exc}") from exc
            if result is not None:
                return info, str(result)
        return None

    def channels(self) -> tuple[str, ...]:
        """Channel names some plugin says it delivers (its ``CHANNELS``; built-in: e-mail and
        webhook)."""
        found: list[str] = []
        for impl in self.manager.hook.notify.get_hookimpls():
            found += [c for c in getattr(impl.plugin, "CHANNELS", ()) if c not in found]
        return tuple(found)

    def _call(self, hook: pluggy.HookCaller, **kwargs: Any) -> list[tuple[PluginInfo, Any]]:
        """Call one hook plugin by plugin, oldest first; a failing plugin becomes a problem."""
        by_name = {info.name: info for info in self.info}
        results = []
        for impl in hook.get_hookimpls():
            info = by_name.get(impl.plugin_name) or PluginInfo(impl.plugin_name, "registered", None)
            try:
                result = impl.function(*(kwargs[name] for name in impl.argnames))
            except Exception as exc:  # a plugin's bug must not stop the others
                self.problems.append(Problem(f"plugin {info.name}", "$", f"hook {hook.name} "
                                             f"failed: {type(exc).__name__}: {exc}"))
                continue
            if result is not None:
                results.append((info, result))
        return results


def disabled_from_env() -> set[str]:
    return {name.strip() for name in os.environ.get(DISABLE_ENV, "").split(",") if name.strip()}


def plugins_dir_from_env() -> Path:
    return Path(os.environ.get(PLUGINS_DIR_ENV, "plugins"))


def load_plugins(
    plugins_dir: Path | None = None,
    disabled: Iterable[str] | None = None,
    *,
    entry_points: bool = True,
    local: bool = True,
    extra: Iterable[object] = (),
    builtins: Iterable[str] = DEFAULT_PLUGINS,
) -> Plugins:
    """Build the plugin manager from every source; ``extra`` objects register last (tests).

    ``builtins`` are the built-in modules to register (the command line lists its commands
    with :data:`COMMAND_PLUGINS` only, then :func:`with_all_builtins` adds the rest).
    """
    import importlib.metadata

    disabled = frozenset(disabled_from_env() if disabled is None else disabled)
    plugins = _with_builtins(builtins, disabled)
    if entry_points:
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry.name in disabled:
                continue
            version = entry.dist.version if entry.dist else None
            try:
                plugin = entry.load()
            except Exception as exc:
                plugins.problems.append(Problem(f"plugin {entry.name}", "$", f"cannot be loaded "
                                                f"from {entry.value}: {type(exc).__name__}: {exc}"))
                continue
            _register(plugins, plugin, entry.name, "entry point", version, entry.value)
    folder = plugins_dir_from_env() if plugins_dir is None else Path(plugins_dir)
    for name, path in _folder_plugins(folder) if local else []:
        if name in disabled:
            continue
        if path.suffix == ".json" or path.is_dir():
            _register(plugins, JsonFiles.of(path), name, "plugins folder", None, str(path))
            continue
        try:
            module = _import_file(name, path)
        except Exception as exc:
            plugins.problems.append(Problem(str(path), "$", f"plugin {name} cannot be loaded: "
                                            f"{type(exc).__name__}: {exc}"))
            continue
        _register(plugins, module, name, "plugins folder", getattr(module, "__version__", None),
                  str(path))
    for index, plugin in enumerate(extra):
        name = getattr(plugin, "__name__", None) or f"{type(plugin).__name__}-{index}"
        _register(plugins, plugin, name, "registered", getattr(plugin, "__version__", None))
    return plugins


def with_all_builtins(plugins: Plugins) -> Plugins:
    """The same plugins on a new manager with every built-in first (:data:`DEFAULT_PLUGINS`):
    the order of :func:`load_plugins`, without importing a plugin module a second time."""
    complete = _with_builtins(DEFAULT_PLUGINS, plugins.disabled)
    complete.problems.extend(plugins.problems)
    for plugin, info in plugins.external:
        _register(complete, plugin, info.name, info.source, info.version, info.location)
    return complete


def _with_builtins(builtins: Iterable[str], disabled: frozenset[str]) -> Plugins:
    manager = pluggy.PluginManager("alliance_kit")
    manager.add_hookspecs(hookspecs)
    plugins = Plugins(manager, [], [], disabled=disabled)
    for module_name in builtins:
        short = module_name.rsplit(".", 1)[1]
        if short not in disabled:
            _register(plugins, importlib.import_module(module_name), short, "built-in",
                      __version__)
    return plugins


def _register(plugins: Plugins, plugin: object, name: str, source: str, version: str | None,
              location: str | None = None) -> None:
    manager = plugins.manager
    try:
        manager.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as exc:
        plugins.problems.append(Problem(f"plugin {name}", "$", f"not loaded: {exc}"))
        return
    unknown = [caller.name for caller in manager.get_hookcallers(plugin) or []
               if not caller.has_spec()]
    if unknown:
        manager.unregister(plugin)
        known = ", ".join(sorted(n for n, spec in vars(hookspecs).items()
                                 if hasattr(spec, "alliance_kit_spec")))
        plugins.problems.append(Problem(f"plugin {name}", "$", f"not loaded: it implements "
                                        f"unknown hook(s) {', '.join(unknown)} (known: {known})"))
        return
    hooks = sorted(caller.name for caller in manager.get_hookcallers(plugin) or [])
    info = PluginInfo(name, source, version, hooks, location)
    plugins.info.append(info)
    if source != "built-in":
        plugins.external.append((plugin, info))


def _folder_plugins(folder: Path) -> list[tuple[str, Path]]:
    """(name, path) of each plugin in the folder: ``.py`` files and packages by their name,
    ``.json`` files and folders of them by file or folder name (``mood-check.json``)."""
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("_", ".")):
            continue
        if path.suffix == ".py":
            found.append((path.stem, path))
        elif path.is_dir() and (path / "__init__.py").is_file():
            found.append((path.name, path / "__init__.py"))
        elif (path.suffix == ".json" and path.is_file()) or (
                path.is_dir() and any(path.glob("*.json"))):
            found.append((path.name, path))
    return found


class JsonFiles:
    """A plugin made of JSON files alone: definitions and wording packs in the plugins folder.

    Each file is sorted by what it holds: a wording pack (its ``$schema``, or ``instrument``
    and ``language`` keys) or else a definition, which the kit checks and reports as usual.
    A file also registered by a Python plugin in the same folder is loaded once.
    """

    def __init__(self, instruments: list[Path], wording_packs: list[Path]):
        self.paths = {"instruments": instruments, "wording_packs": wording_packs}
        if instruments:
            self.register_instruments = hookspecs.hookimpl(lambda: list(instruments))
        if wording_packs:
            self.register_wording_packs = hookspecs.hookimpl(lambda: list(wording_packs))

    @classmethod
    def of(cls, path: Path) -> JsonFiles:
        """The plugin for one ``.json`` file or a folder of them (sorted by name)."""
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        kinds: dict[str, list[Path]] = {"instruments": [], "wording_packs": []}
        for file in files:
            kinds[json_kind(file)].append(file)
        return cls(kinds["instruments"], kinds["wording_packs"])


#: ``$schema`` file names and the hook whose entries such a file is.
JSON_KINDS = {"instrument.schema.json": "instruments",
              "wording-pack.schema.json": "wording_packs"}
#: Larger files are left for the definition loader, which refuses them with a reason.
_SNIFF_LIMIT = 2 * 1024 * 1024


def json_kind(path: Path) -> str:
    """"instruments" or "wording_packs": what a JSON file in the plugins folder holds.

    By its ``$schema`` when it names a bundled schema, else a pack has ``instrument`` and
    ``language`` keys. Anything unreadable is a definition: loading it says what is wrong.
    """
    try:
        if path.stat().st_size > _SNIFF_LIMIT:
            return "instruments"
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return "instruments"
    if not isinstance(data, dict):
        return "instruments"
    schema = str(data.get("$schema", "")).rsplit("/", 1)[-1]
    if schema in JSON_KINDS:
        return JSON_KINDS[schema]
    return "wording_packs" if {"instrument", "language"} <= set(data) else "instruments"


def _import_file(name: str, path: Path) -> ModuleType:
    module_name = f"alliance_kit_plugins.{name}"
    locations = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(module_name, path,
                                                  submodule_search_locations=locations)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module
