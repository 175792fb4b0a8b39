"""What can be wrong, and where: a :class:`Problem` names the file (or plugin), the JSON path
and what to do; :class:`DefinitionError` carries the problems of a definition that was refused.

Every layer reports through these, so one module holds them (as jsonschema keeps its errors
in ``exceptions.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

#: How many places a summarized problem names before "and N more".
SHOWN_PLACES = 3
_INDEX = re.compile(r"\[\d+\]")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


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


def summarized(problems: Iterable[Problem], shown: int = SHOWN_PLACES) -> list[Problem]:
    """The problems as a person should read them: where more than ``shown`` places of one
    file break one rule (25 item ids in upper case), one problem says so, at the first place,
    with the count and the next few places; the rest are kept as they are, in order.

    Places break "one rule" when their paths differ only in list positions and their
    messages only in quoted values (``'A1'``, ``'A2'``).
    """
    problems = list(problems)
    groups: dict[tuple[str, str, str, str], list[int]] = {}
    for index, problem in enumerate(problems):
        key = (problem.source, problem.severity, _INDEX.sub("[*]", problem.path),
               _QUOTED.sub("'…'", problem.message))
        groups.setdefault(key, []).append(index)
    skip: set[int] = set()
    for members in groups.values():
        if len(members) <= shown + 1:
            continue
        first, rest = problems[members[0]], [problems[i] for i in members[1:]]
        places = ", ".join(f"{p.path}{_value(p.message)}" for p in rest[:shown])
        more = f" and {len(rest) - shown} more" if len(rest) > shown else ""
        problems[members[0]] = replace(
            first, message=f"{first.message} [{len(members)} places break this rule: also "
                           f"{places}{more}]")
        skip.update(members[1:])
    return [problem for index, problem in enumerate(problems) if index not in skip]


def _value(message: str) -> str:
    quoted = _QUOTED.search(message)
    return f" {quoted.group(0)}" if quoted else ""


class DefinitionError(ValueError):
    """A definition could not be loaded; ``problems`` says why (every one of them; the
    message summarizes many places that break one rule, :func:`summarized`)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in summarized(problems)))
