"""Every extension point of alliance_kit, as pluggy hook specifications.

A plugin is a module or object with functions named like these and marked with
``@alliance_kit.hookimpl``. The built-in features (``default_*.py``) register through
exactly these hooks, so a third-party plugin can do everything they do.

Conventions (as in pluggy, datasette and tox):

- ``register_*`` hooks return things to add to a registry: a list, or ``None`` for nothing.
  Results from all plugins are combined in registration order, **oldest plugin first**:
  the built-ins (``default_*``), then installed packages (entry points), then the plugins
  folder. Where two entries claim one name (an instrument id, a widget's scale type, a
  command), the later plugin's wins. Core code calls hooks only through the typed methods
  of :class:`alliance_kit.plugins.Plugins`, one per hook.
- An implementation may accept fewer arguments than its specification, so specifications
  can grow without breaking plugins.
- A hook that raises is reported as a problem naming the plugin; everything else still loads.
"""

from __future__ import annotations

import pluggy

hookspec = pluggy.HookspecMarker("alliance_kit")
hookimpl = pluggy.HookimplMarker("alliance_kit")


@hookspec
def register_instruments():
    """Called once when the kit is built. Return instrument definitions to load.

    Each entry is a path to a JSON file, a path to a folder of ``*.json`` files, or a
    definition already parsed into a ``dict``. Every definition is validated; a bad one is
    reported (``FILE: $.path: problem``) and skipped without stopping the others.
    """


@hookspec
def register_wording_packs():
    """Called once when the kit is built. Return wording packs for structure-only instruments.

    Each entry is a path to a pack JSON file, a folder of them, or a parsed ``dict`` with
    ``instrument``, ``version`` (a version range), ``language`` and the texts by item id.
    Packs are validated against their instrument: every item covered, no unknown ids.
    """


@hookspec
def register_scale_types():
    """Called once when the kit is built. Return response scale types to add.

    Each entry is a :class:`alliance_kit.types.ScaleType`: a ``name`` used as a scale's
    ``"type"`` in definitions, a JSON ``schema`` for the scale's own fields, and methods that
    give the allowed values, the bounds and a JSON Schema for one answer. Built-in types:
    ``options``, ``visual-analogue``, ``numeric``, ``text``, ``yes-no``.
    """


@hookspec
def register_scorers():
    """Called once when the kit is built. Return score methods to add.

    Each entry is a :class:`alliance_kit.types.Scorer`: a ``name`` used as a score's
    ``"method"``, a JSON ``schema`` for the score's fields, the ids it is built from, and a
    vectorized ``compute`` over all responses at once. Built-in methods: ``sum``, ``mean``,
    ``composite``.
    """


@hookspec
def register_alert_types():
    """Called once when the kit is built. Return alert rule types to add.

    Each entry is a :class:`alliance_kit.types.AlertType`: a ``name`` used as an alert's
    ``"type"``, a JSON ``schema`` for its fields, and an ``evaluate`` that returns, for every
    response, whether the alert fires. Built-in types: ``item``, ``score``, ``cutoff``,
    ``drop``, ``reliable-change``.
    """


@hookspec
def register_attendance_rules():
    """Called once when the kit is built. Return attendance alert rules to add.

    Each entry is a :class:`alliance_kit.types.AttendanceRule`: a ``name`` (the alert's rule
    id, switched off by an admin as ``attendance:<name>``), a ``severity``, a ``title`` and
    an ``evaluate(inputs)`` that returns what it finds for one client's open episode (their
    appointments and alliance results, the clinic's return and dropout settings, today).
    Rules run whenever attendance is recorded and at every sweep; a finding is stored once.
    Built-in: ``missed-after-low-alliance``, ``not-seen``, ``no-show-streak``; a later
    plugin's rule of the same name replaces an earlier one.
    """


@hookspec
def register_exporters():
    """Called once when the kit is built. Return table writers to add.

    Each entry is a :class:`alliance_kit.types.Exporter` with a ``name``, the file
    ``suffixes`` it writes (``.csv``) and a ``write(frame, path)`` function. The CLI picks
    the writer by the output file's suffix. Built-in: CSV, XLSX, Parquet.
    """


@hookspec
def register_commands(cli):
    """Called when the command line starts, with the root ``click.Group``.

    Add commands with ``@cli.command()``. Return nothing.
    """


@hookspec
def register_pages(kit):
    """Called when the app builds its navigation, with the built :class:`~alliance_kit.Kit`.

    Return a list of :class:`alliance_kit.types.Page` (a title, a ``render(kit)`` function, an
    icon and the section it belongs to). Pages hold no domain logic: they call the library.
    """


@hookspec
def register_widgets():
    """Called once when the kit is built. Return kiosk widgets for scale types.

    Each entry is a :class:`alliance_kit.types.Widget`: the ``scale_type`` it asks and a
    ``render(item, wording, key, *, label, on_change, translate)`` that draws the question
    with Streamlit widgets keyed ``key`` (the kiosk reads the answer there: a number, a
    text, or None while unanswered). ``label`` is the question as the kiosk words it, in
    plain text: escape it (``alliance_kit.ui.text.plain``) before any Markdown widget;
    ``translate`` is the respondent's gettext function. Built-in widgets:
    ``options``, ``yes-no``, ``visual-analogue``, ``text``, ``numeric``; a later plugin's
    widget for the same scale type replaces an earlier one.
    """


@hookspec
def register_guidance():
    """Called once when the kit is built, after every instrument has loaded. Return guidance
    packs: prompts for the clinician, each shown when conditions on a client's scores hold.

    Each entry is a path to a pack JSON file (``guidance-pack.schema.json``), a folder of
    them, or a parsed ``dict``. Packs are checked against the installed instruments; a bad
    one is reported (``FILE: $.path: problem``) and left out. A pack whose ``id`` is already
    registered replaces the earlier one (the built-in pack is ``alliance-kit-motivation``).
    """


@hookspec(firstresult=True)
def notify(notice, channel, config):
    """Called to deliver a notice that alerts need attention on one of a clinic's channels.

    ``notice`` is a :class:`alliance_kit.types.Notice` (it holds no client data);
    ``channel`` is the channel's name in the clinic's notification settings (``"email"``,
    ``"webhook"``, or one a plugin delivers, such as ``"sms"``) and ``config`` its options.
    Deliver it and return a short description of what was done (``"e-mailed 2
    recipients"``), or None when this plugin does not deliver ``channel``. Raise when the
    delivery fails: the failure is audited and the notice is tried again later.

    Runs after the transaction that raised the alerts, in the app's background sender or
    ``alliance-kit notify run``, **newest plugin first**, stopping at the first that returns
    a result, so a plugin can replace a built-in channel. Built-in channels: ``email``
    (SMTP) and ``webhook`` (an HTTPS POST of JSON).
    """
