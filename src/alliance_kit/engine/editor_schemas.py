"""JSON Schemas for editors: one self-contained file per kind of JSON file authors write.

The package's schemas refer to each other by ``$id`` URLs that are names, not downloads
(``https://alliance-kit.dev/schemas/...``), and a definition's scales, scores and alerts are
checked against the schema of their registered type in a second step. An editor needs one
file that says it all, so :func:`editor_schema` bundles: every schema referred to is copied
into ``$defs`` with local references, and each scale, score and alert gets the fields of
its type (``if type is "options" then ...``), the types of installed plugins included.
``alliance-kit schema instrument > instrument.schema.json`` writes it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from importlib import resources
from typing import Any

from alliance_kit.engine import jsonschemas
from alliance_kit.types import Types

SUFFIX = ".schema.json"
#: Schemas of one part of a definition (registered types), not of a file an author writes.
PART_PREFIXES = ("scale-", "score-", "alert-")


def schema_names() -> list[str]:
    """The kinds of file there is a schema for: ``instrument``, ``wording-pack``, ..."""
    folder = resources.files("alliance_kit") / "schemas"
    names = [entry.name[: -len(SUFFIX)] for entry in folder.iterdir()
             if entry.name.endswith(SUFFIX) and not entry.name.startswith(PART_PREFIXES)]
    return sorted(names, key=lambda name: (name != "instrument", name))


def resolve_name(given: str) -> str:
    """The schema name ``given`` means: itself, or the one name it starts (``guidance`` for
    ``guidance-pack``); ValueError lists the names there are."""
    names = schema_names()
    if given in names:
        return given
    starting = [name for name in names if name.startswith(given)]
    if len(starting) == 1:
        return starting[0]
    raise ValueError(f"no schema {given!r}: there are {', '.join(names)}")


def editor_schema(name: str, types: Types | None = None) -> dict[str, Any]:
    """The bundled, self-contained JSON Schema of one kind of file (see :func:`schema_names`).

    For ``instrument``, ``types`` (a kit's) adds each scale type's, score method's and alert
    type's own fields; without them only the shape common to all is checked.
    """
    uri = f"{jsonschemas.BASE}{resolve_name(name)}{SUFFIX}"
    bundle = _Bundle(uri)
    root = bundle.localize(copy.deepcopy(jsonschemas.bundled()[uri]), uri)
    if types is not None and uri == jsonschemas.INSTRUMENT:
        _add_types(root, bundle, types)
    root.setdefault("$defs", {}).update(bundle.copied)
    root["description"] = (root.get("description", "") + " Bundled for editors by "
                           "`alliance-kit schema`: self-contained, with the fields of each "
                           "registered type.").strip()
    return root


class _Bundle:
    """Rewrites references to local ones, copying what other schemas hold into ``$defs``."""

    def __init__(self, root_uri: str):
        self.root_uri = root_uri
        self.copied: dict[str, Any] = {}

    def localize(self, node: Any, base: str) -> Any:
        if isinstance(node, list):
            return [self.localize(child, base) for child in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out[key] = self.reference(value, base)
            elif key in ("$id", "$schema") and base != self.root_uri:
                continue  # an embedded part is not a document of its own
            else:
                out[key] = self.localize(value, base)
        return out

    def reference(self, ref: str, base: str) -> str:
        target, _, pointer = ref.partition("#")
        uri = target or base
        if uri == self.root_uri:
            return f"#{pointer}"
        key = uri.rsplit("/", 1)[-1].removesuffix(SUFFIX) + pointer.replace("/$defs/", ".")
        key = key.replace("/", ".")
        if key not in self.copied:
            self.copied[key] = {}  # placeholder: a reference cycle stops here
            self.copied[key] = self.localize(_at(jsonschemas.bundled()[uri], pointer), uri)
        return f"#/$defs/{key}"


def _at(schema: Mapping[str, Any], pointer: str) -> Any:
    node: Any = schema
    for part in [p for p in pointer.split("/") if p]:
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return copy.deepcopy(node)


def _add_types(root: dict[str, Any], bundle: _Bundle, types: Types) -> None:
    """Give each scale, score and alert the fields of its registered type."""
    defs = root.setdefault("$defs", {})
    scale = root["properties"]["scales"]["additionalProperties"]
    score = defs["score"]
    alert = root["properties"]["alerts"]["items"]
    for target, key, registry, prefix in ((scale, "type", types.scale_types, "scale"),
                                          (score, "method", types.scorers, "score"),
                                          (alert, "type", types.alert_types, "alert")):
        branches = []
        for type_name, kind in sorted(registry.items()):
            def_name = f"{prefix}-{type_name}"
            base = kind.schema.get("$id", bundle.root_uri)
            defs[def_name] = bundle.localize(copy.deepcopy(dict(kind.schema)), base)
            branches.append({"if": {"properties": {key: {"const": type_name}},
                                    "required": [key]},
                             "then": {"$ref": f"#/$defs/{def_name}"}})
        # The names there are, for completion (replacing the plain id pattern).
        target.setdefault("properties", {})[key] = {"enum": sorted(registry)}
        target["allOf"] = [*target.get("allOf", []), *branches]
