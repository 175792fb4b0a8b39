"""What can be wrong, and where: a :class:`Problem` names the file (or plugin), the JSON path
and what to do; :class:`DefinitionError` carries the problems of a definition that was refused.

Every layer reports through these, so one module holds them (as jsonschema keeps its errors
in ``exceptions.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition (or a plugin), located by file and JSON path."""

    source: str
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.source}: {self.path}: {prefix}{self.message}"


class DefinitionError(ValueError):
    """A definition could not be loaded; ``problems`` says why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
