"""The JSON Schemas shipped in the package, loaded once into a local registry (nothing fetched)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

BASE = "https://alliance-kit.dev/schemas/"
INSTRUMENT = BASE + "instrument.schema.json"
WORDING_PACK = BASE + "wording-pack.schema.json"
GUIDANCE_PACK = BASE + "guidance-pack.schema.json"
DRINKING_LIMITS = BASE + "drinking-limits.schema.json"


@functools.cache
def bundled() -> dict[str, dict[str, Any]]:
    """Every schema file in the package, by ``$id``."""
    folder = resources.files("alliance_kit") / "schemas"
    schemas = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".schema.json"):
            schema = json.loads(entry.read_text(encoding="utf-8"))
            schemas[schema["$id"]] = schema
    return schemas


@functools.cache
def registry() -> Registry:
    """A registry holding the bundled schemas, so ``$ref`` between them resolves locally."""
    return Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in bundled().items()
    )


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A draft 2020-12 validator with format checking, resolving refs against the bundle.

    Bundled schemas (known by ``$id``) come from a cache; others are checked and built.
    """
    if bundled().get(schema.get("$id")) is schema:
        return bundled_validator(schema["$id"])
    return _build(schema)


def _build(schema: dict[str, Any]) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(
        schema, registry=registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@functools.cache
def bundled_validator(uri: str) -> Draft202012Validator:
    """The validator for one bundled schema, built once."""
    return _build(bundled()[uri])
