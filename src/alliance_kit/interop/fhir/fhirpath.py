"""FHIRPath, the small part of it alliance_kit writes and reads: a Pratt parser into tuples
(enough for sums and conditions), and recognising a reference to an item's answer."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
   |(?P<num>\d+(?:\.\d+)?)
   |(?P<op><=|>=|!=|=|<|>|\+|-|\*|/|\(|\)|,|\.|\|)
   |(?P<name>[%$]?[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)
)""", re.X)
_BINARY = {"or": 1, "xor": 1, "and": 2, "=": 4, "!=": 4, "<": 5, ">": 5, "<=": 5, ">=": 5,
           "|": 6, "+": 7, "-": 7, "*": 8, "/": 8}


class Unreadable(ValueError):
    pass


def tokens(text: str) -> list[tuple[str, Any]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Unreadable(f"cannot read {text[position:position + 20]!r}")
        position = match.end()
        kind = match.lastgroup
        value = match[kind]
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        elif kind == "num":
            value = float(value)
        elif kind == "name" and value.startswith("`"):
            value = value[1:-1]
        found.append((kind, value))
    return found


class Parser:
    """A Pratt parser for FHIRPath expressions into tuples (enough for sums and conditions)."""

    def __init__(self, text: str):
        self.tokens = tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: Any = None) -> tuple[str, Any]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise Unreadable(f"expected {value!r}")
        self.at += 1
        return token

    def parse(self) -> tuple:
        node = self.expression(0)
        if self.peek() is not None:
            raise Unreadable(f"unexpected {self.peek()[1]!r}")
        return node

    def expression(self, floor: int) -> tuple:
        left = self.postfix(self.primary())
        while (token := self.peek()) is not None and token[1] in _BINARY \
                and token[0] in ("op", "name") and _BINARY[token[1]] > floor:
            self.take()
            right = self.expression(_BINARY[token[1]])
            left = ("bin", token[1], left, right)
        return left

    def arguments(self) -> list[tuple]:
        self.take("(")
        args = []
        if self.peek() != ("op", ")"):
            args.append(self.expression(0))
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.expression(0))
        self.take(")")
        return args

    def primary(self) -> tuple:
        kind, value = self.take()
        if kind == "num":
            return ("num", value)
        if kind == "str":
            return ("str", value)
        if (kind, value) == ("op", "("):
            node = self.expression(0)
            self.take(")")
            return node
        if (kind, value) == ("op", "-"):
            operand = self.postfix(self.primary())
            return ("num", -operand[1]) if operand[0] == "num" else ("neg", operand)
        if kind == "name":
            if self.peek() == ("op", "("):
                return ("call", None, value, self.arguments())
            return ("name", value)
        raise Unreadable(f"unexpected {value!r}")

    def postfix(self, node: tuple) -> tuple:
        while self.peek() == ("op", "."):
            self.take()
            kind, name = self.take()
            if kind != "name":
                raise Unreadable(f"expected a name after '.', not {name!r}")
            if self.peek() == ("op", "("):
                node = ("call", node, name, self.arguments())
            else:
                node = ("member", node, name)
        return node


def chain(node: tuple) -> list[tuple]:
    steps = []
    while node[0] in ("member", "call") and node[1] is not None:
        steps.append(node)
        node = node[1]
    steps.append(node)
    return steps[::-1]


_NAVIGATION = {"item", "descendants", "repeat", "children"}


def answer_ref(node: tuple) -> tuple[str, str] | None:
    """(linkId, how the value is read) for ``...where(linkId='x').answer.value[...]``."""
    steps = chain(node)
    if steps[0][0] != "name" or steps[0][1] not in ("%resource", "%questionnaire",
                                                    "%context", "item"):
        return None
    link = None
    index = 1
    while index < len(steps):
        step = steps[index]
        if step[0] == "call" and step[2] == "where" and len(step[3]) == 1:
            test = step[3][0]
            if not (test[0] == "bin" and test[1] == "=" and test[2] == ("name", "linkId")
                    and test[3][0] == "str"):
                return None
            link = test[3][1]
        elif not ((step[0] == "member" and step[2] == "item")
                  or (step[0] == "call" and step[2] in _NAVIGATION)):
            break
        index += 1
    rest = [(s[0], s[2], s[3] if s[0] == "call" else None) for s in steps[index:]]
    if link is None or rest[:2] != [("member", "answer", None), ("member", "value", None)]:
        return None
    suffix = rest[2:]
    if not suffix:
        return link, "value"
    if suffix in ([("call", "ordinal", [])], [("call", "weight", [])]):
        return link, "ordinal"
    if len(suffix) == 1 and suffix[0][:2] == ("call", "select") and suffix[0][2] == [
            ("call", None, "iif", [("name", "$this"), ("num", 1.0), ("num", 0.0)])]:
        return link, "boolean"
    return None
