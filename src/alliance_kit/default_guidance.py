"""Registers the built-in guidance pack, the clinic's own packs, the "Guidance and feedback"
page and the ``alliance-kit guidance`` commands.

Packs come from ``instruments/guidance/`` beside the bundled instruments (the project's
motivation and recovery prompts) and from the folder ``ALLIANCE_KIT_GUIDANCE_DIR`` names.
A plugin package may return its own packs from the same hook, or replace the built-in one
by registering a pack with its id.
"""

from __future__ import annotations

import os
from pathlib import Path

from alliance_kit.default_instruments import bundled_folder
from alliance_kit.hookspecs import hookimpl


def guidance_folders() -> list[Path]:
    """The bundled ``guidance/`` folder, then the clinic's folder if set."""
    from alliance_kit.engine.guidance import GUIDANCE_DIR_ENV  # the engine loads when used

    folders = [folder for folder in [bundled_folder() / "guidance"] if folder.is_dir()]
    local = os.environ.get(GUIDANCE_DIR_ENV, "").strip()
    if local:
        folders.append(Path(local))  # a missing folder is reported when the kit loads it
    return folders


@hookimpl
def register_guidance():
    return guidance_folders()


@hookimpl
def register_pages(kit):
    from alliance_kit.types import STAFF, Page
    from alliance_kit.ui import guidance_page

    return [Page("Guidance and feedback", guidance_page.render, "guidance",
                 ":material/tips_and_updates:", "Instruments", roles=STAFF)]


@hookimpl
def register_commands(cli):
    from alliance_kit.cli.guidance import guidance

    cli.add_command(guidance)
