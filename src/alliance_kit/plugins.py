"""The plugin manager: built-in plugins, installed packages and the local ``plugins/`` folder.

Discovery, in order (a later plugin's instrument overrides an earlier one's, with a warning):

1. the built-in ``default_*`` modules (``DEFAULT_PLUGINS``);
2. installed packages' entry points in the ``alliance_kit`` group;
3. loose ``.py`` files and packages in the plugins folder (``ALLIANCE_KIT_PLUGINS_DIR``,
   else ``./plugins``).

``ALLIANCE_KIT_DISABLE_PLUGINS`` is a comma-separated list of plugin names not to load.
A plugin that fails to import, or implements a hook that does not exist, is reported as a
problem and left out; everything else still loads.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
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
    from alliance_kit.types import AlertType, Exporter, Notice, Page, ScaleType, Scorer, Widget

DEFAULT_PLUGINS = (
    "alliance_kit.default_scales",
    "alliance_kit.default_scorers",
    "alliance_kit.default_alerts",
    "alliance_kit.default_exporters",
    "alliance_kit.default_instruments",
    "alliance_kit.default_wording",
    "alliance_kit.default_pages",
    "alliance_kit.default_commands",
    "alliance_kit.default_notify",
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

    def register_exporters(self) -> list[tuple[PluginInfo, list[Exporter]]]:
        return self._call(self.manager.hook.register_exporters)

    def register_widgets(self) -> list[tuple[PluginInfo, list[Widget]]]:
        return self._call(self.manager.hook.register_widgets)

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
) -> Plugins:
    """Build the plugin manager from every source; ``extra`` objects register last (tests)."""
    manager = pluggy.PluginManager("alliance_kit")
    manager.add_hookspecs(hookspecs)
    disabled = set(disabled_from_env() if disabled is None else disabled)
    plugins = Plugins(manager, [], [])
    for module_name in DEFAULT_PLUGINS:
        short = module_name.rsplit(".", 1)[1]
        if short not in disabled:
            _register(plugins, importlib.import_module(module_name), short, "built-in", __version__)
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
    plugins.info.append(PluginInfo(name, source, version, hooks, location))


def _folder_plugins(folder: Path) -> list[tuple[str, Path]]:
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
    return found


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
