"""The hook implementations alliance_kit finds through the ``alliance_kit`` entry point."""

from __future__ import annotations

from pathlib import Path

from alliance_kit import hookimpl
from alliance_kit.types import Exporter, Widget
from alliance_kit_faces.exporter import write_jsonl
from alliance_kit_faces.scale import FacesScale
from alliance_kit_faces.widget import render_faces

INSTRUMENTS = Path(__file__).with_name("instruments")


@hookimpl
def register_scale_types():
    return [FacesScale()]


@hookimpl
def register_instruments():
    return [INSTRUMENTS]


@hookimpl
def register_exporters():
    return [Exporter("jsonl", (".jsonl",), write_jsonl, "JSON Lines: one object per row")]


@hookimpl
def register_widgets():
    return [Widget("faces-5", render_faces)]
