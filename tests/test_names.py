"""Client codes from a safe character set, and no hidden characters in any stored name."""

from __future__ import annotations

import pytest

from alliance_kit.store import names

BIDI_AND_INVISIBLE = ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
                      "\u200f", "\u061c", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                      "\u00ad", "\u180e", "\u3164", "\u115f", "\u2800", "\u00a0", "\u2028",
                      "\u0000", "\u001b", "\U000e0041"]


@pytest.mark.parametrize("code", ["AK-1002", "c_17", "7", "A" * 32, "x-y_z-0"])
def test_safe_codes_are_accepted(code):
    assert names.code_problem(code) is None
    assert names.check_code(f"  {code} ") == code


@pytest.mark.parametrize(("code", "said"), [
    ("\u202e2001-KA", "U+202E"),                 # shows as AK-1002 next to the real one
    ("AK-1002\u200b", "U+200B"),                 # a twin that looks identical
    ("АK-1002", "'А'"),                          # a Cyrillic A
    ("https://evil.invalid", "'.' '/' ':'"),     # would become a link
    ("AK 1002", "' '"),
    ("<b>x</b>", "'/' '<' '>'"),
    ("-1+1", "'+'"),
    ("-AK", "must start with a letter or digit"),
    ("A" * 33, "33 characters long"),
    ("", "a client code is needed"),
])
def test_unsafe_codes_are_refused_saying_what_and_the_rule(code, said):
    problem = names.code_problem(code)
    assert problem is not None and said in problem
    assert names.CODE_RULE in problem
    with pytest.raises(ValueError, match="letters A-Z"):
        names.check_code(code)


@pytest.mark.parametrize("char", BIDI_AND_INVISIBLE)
def test_hidden_characters_are_refused_in_names_and_shown_when_stored(char):
    text = f"Ana{char}Lopez"
    assert names.hidden(char)
    problem = names.name_problem(text, "the name")
    assert problem is not None and f"U+{ord(char):04X}" in problem
    with pytest.raises(ValueError, match="characters nobody can see"):
        names.check_name(text, "the name")
    shown = names.visible(text)
    assert shown == f"Ana⟨U+{ord(char):04X}⟩Lopez"
    assert not any(names.hidden(c) for c in shown)


@pytest.mark.parametrize("text", ["Ana López", "Zoë O'Brien-Smith", "山田 太郎", "محمد",
                                  "Demo therapist 1", "Dr. K. (locum)"])
def test_names_in_any_script_are_fine(text):
    assert names.name_problem(text) is None
    assert names.visible(text) == text


@pytest.mark.parametrize("text", ["see https://evil.invalid/x", "HTTP://EVIL.INVALID",
                                  "www.evil.invalid", "write to a@evil.invalid",
                                  "AK-1002 ftp://x"])
def test_plain_text_never_becomes_a_link(text):
    """Streamlit turns addresses into links after parsing, escaped or not: plain() breaks
    the patterns with an invisible word joiner, so the text still reads as written."""
    import re

    from alliance_kit.ui.text import plain

    shown = plain(text)
    unescaped = re.sub(r"\\(.)", r"\1", shown)
    assert unescaped.replace("\u2060", "") == text
    assert not re.search(r"(?i)https?://|www\.|@\w", unescaped)
