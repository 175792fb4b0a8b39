"""What a stored name may hold: client codes from a safe set, no hidden characters anywhere.

A client code is what staff read to tell one client from another, so it must look like
exactly what it is. Codes hold only ASCII letters, digits, ``-`` and ``_`` (starting with a
letter or digit): no right-to-left override can make ``U+202E 2001-KA`` read as ``AK-1002``,
no Cyrillic letter can pass for a Latin one, and no URL can become a link.

Staff names, usernames and team names may be in any script, but never hold characters a
reader cannot see: bidirectional controls, zero-width and other format characters, control
characters, separators other than the plain space. :func:`visible` shows such characters
in names stored before these rules (``⟨U+202E⟩``) so they cannot hide or reorder text;
``alliance-kit db check`` lists client codes that break the rules.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

#: Longest client code (the ``clients.code`` column).
MAX_CODE_LENGTH = 32
CODE_PATTERN = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_CODE_LENGTH - 1}}}")
CODE_RULE = (f"1 to {MAX_CODE_LENGTH} characters: letters A-Z or a-z, digits, '-' and '_', "
             "starting with a letter or digit")

#: Characters that draw nothing (or a blank) yet are letters or symbols to Unicode.
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")
#: Unicode categories never allowed in a name: controls, format characters (bidi
#: overrides and isolates, zero-width joiners, word joiner, BOM, tags), private use,
#: surrogates, unassigned, and line or paragraph separators.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def hidden(char: str) -> bool:
    """Whether a character is one a reader cannot see (or that reorders the text around it)."""
    if char == " ":
        return False
    category = unicodedata.category(char)
    return (category in _HIDDEN_CATEGORIES or char in _BLANK_LOOKING
            or (category == "Zs"))  # any space but the plain one


def hidden_characters(text: str) -> list[str]:
    """The hidden characters in ``text``, as ``U+XXXX`` names, in order of appearance."""
    return [f"U+{ord(char):04X}" for char in text if hidden(char)]


def visible(text: object) -> str:
    """Text with every hidden character shown as ``⟨U+XXXX⟩``, for pages and lists."""
    return "".join(f"⟨U+{ord(char):04X}⟩" if hidden(char) else char for char in str(text))


def code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a client code, or None when it can."""
    if CODE_PATTERN.fullmatch(code):
        return None
    shown = visible(code)
    found = hidden_characters(code)
    if found:
        return (f"client code {shown!r} holds hidden characters ({', '.join(found)}); "
                f"a client code is {CODE_RULE}")
    if not code:
        return f"a client code is needed: {CODE_RULE}"
    if len(code) > MAX_CODE_LENGTH:
        return f"client code {shown!r} is {len(code)} characters long; a client code is {CODE_RULE}"
    odd = sorted({char for char in code if not (char.isascii() and (char.isalnum()
                                                                      or char in "-_"))})
    if odd:
        return (f"client code {shown!r} holds {' '.join(repr(c) for c in odd)}; "
                f"a client code is {CODE_RULE}")
    return f"client code {shown!r} must start with a letter or digit; a client code is {CODE_RULE}"


def check_code(code: str) -> str:
    """The code, stripped of surrounding spaces, or ValueError saying what is wrong."""
    code = code.strip()
    problem = code_problem(code)
    if problem:
        raise ValueError(problem)
    return code


def name_problem(text: str, what: str = "a name") -> str | None:
    """Why ``text`` cannot be stored as ``what`` (hidden characters), or None."""
    found = hidden_characters(text)
    if found:
        return (f"{what} {visible(text)!r} holds characters nobody can see "
                f"({', '.join(found)}): type it again without them")
    return None


def check_name(text: str, what: str = "a name") -> str:
    """The name, stripped, or ValueError when it holds hidden characters."""
    text = text.strip()
    problem = name_problem(text, what)
    if problem:
        raise ValueError(problem)
    return text




def stored_name_problems(session: Session, limit: int = 50) -> tuple[int, list[str]]:
    """(rows checked, problems): client codes that break the code rule, and staff, team
    names with hidden characters, stored before these rules. Each line says how to fix it."""
    from alliance_kit.store.models import Client, Team, User

    problems: list[str] = []
    count = 0
    for client_id, code in session.execute(select(Client.id, Client.code).order_by(Client.id)):
        count += 1
        problem = code_problem(code)
        if problem:
            problems.append(f"client {client_id}: {problem}; give it a new code with "
                            f"`alliance-kit clients recode {client_id} NEW-CODE`")
    for user_id, username, display_name in session.execute(
            select(User.id, User.username, User.display_name).order_by(User.id)):
        count += 1
        for what, text in (("username", username), ("name", display_name)):
            problem = name_problem(text, what)
            if problem:
                problems.append(f"user {user_id}: {problem}")
    for team_id, name in session.execute(select(Team.id, Team.name).order_by(Team.id)):
        count += 1
        problem = name_problem(name, "team name")
        if problem:
            problems.append(f"team {team_id}: {problem}")
    return count, problems[:limit]


__all__ = ["CODE_PATTERN", "CODE_RULE", "MAX_CODE_LENGTH", "check_code", "check_name",
           "code_problem", "hidden", "hidden_characters", "name_problem", "stored_name_problems",
           "visible"]
