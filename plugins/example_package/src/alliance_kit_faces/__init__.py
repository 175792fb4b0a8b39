"""alliance-kit-faces: an example plugin package (a faces scale, an instrument, an exporter).

The hook implementations are in :mod:`alliance_kit_faces.plugin`, the module the entry point
names; importing this package does not import Streamlit (only :mod:`.widget` does).
"""

from alliance_kit_faces.exporter import write_jsonl
from alliance_kit_faces.scale import FACES, FacesScale

__version__ = "0.1.0"

__all__ = ["FACES", "FacesScale", "__version__", "write_jsonl"]
