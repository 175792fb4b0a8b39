"""Hostile strings: text that must show as inert text wherever a page or an export puts it.

Client codes, comments, notes, staff names and definition text (titles, items, labels,
alert messages) can all hold them. Every page must show them exactly as written (never as
HTML, Markdown, a Streamlit directive, a link or a formula), and every export must write
them as data. Payloads that would run script set ``window.__pwned`` so a browser test can
tell; shared by the dashboard, kiosk and export tests.

``HOSTILE`` is the corpus; ``short(limit)`` gives the ones that fit a field of ``limit``
characters (a client code holds 32), each distinct.
"""

from __future__ import annotations

#: What an executed payload sets; a browser test asserts it stays undefined.
PWNED = "__pwned"

SCRIPT = [
    "<script>window.__pwned=1</script>",
    "<SCRIPT SRC=//x.invalid/x.js></SCRIPT>",
    "<scr<script>ipt>window.__pwned=1</script>",
    "</textarea><script>window.__pwned=1</script>",
    "</title><script>window.__pwned=1</script>",
    "<script>/*",
    "\"><script>window.__pwned=1</script>",
    "'><script>window.__pwned=1</script>",
]
EVENT_HANDLERS = [
    "<img src=x onerror=window.__pwned=1>",
    "<img src=x onerror=\"window.__pwned=1\">",
    "<svg onload=window.__pwned=1>",
    "<svg><script>window.__pwned=1</script></svg>",
    "<body onload=window.__pwned=1>",
    "<iframe src=javascript:window.__pwned=1>",
    "<details open ontoggle=window.__pwned=1>",
    "<input autofocus onfocus=window.__pwned=1>",
    "<a href=# onclick=window.__pwned=1>click</a>",
    "<div style=\"background:url(javascript:window.__pwned=1)\">",
    "<math><mtext><img src=x onerror=window.__pwned=1>",
    "\" onmouseover=\"window.__pwned=1",
    "' onmouseover='window.__pwned=1",
    "<video><source onerror=window.__pwned=1>",
]
MARKDOWN = [
    "**bold**",
    "*italic* _under_",
    "# Heading",
    "> quoted",
    "- list item",
    "1. numbered",
    "`code`",
    "```\nfenced\n```",
    "[link](javascript:window.__pwned=1)",
    "[x](https://evil.invalid)",
    "![img](https://evil.invalid/x.png)",
    "<https://evil.invalid>",
    "~~struck~~",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "line one  \nline two",
    "\\*escaped\\*",
    "&lt;script&gt;",
    "&#60;b&#62;entity&#60;/b&#62;",
]
STREAMLIT_DIRECTIVES = [
    ":red[red text]",
    ":red-background[alarm]",
    ":material/warning: icon",
    ":rainbow[rainbow]",
    ":blue-badge[badge]",
    "$x^2$ math",
    "$$\\frac{1}{0}$$",
    ":streamlit:",
]
FORMULAS = [
    "=1+1",
    "=HYPERLINK(\"https://evil.invalid\",\"x\")",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
OTHER = [
    "",
    " ",
    "null",
    "None",
    "NaN",
    "0",
    "'; DROP TABLE clients; --",
    "{{7*7}}",
    "${7*7}",
    "%s%s%s%n",
    "\u202eevil\u202c reversed",
    "zero\u200bwidth",
    "Ünïcödé 🙂 日本語",
    "a" * 300,
    "line\nbreak",
]

HOSTILE: list[str] = SCRIPT + EVENT_HANDLERS + MARKDOWN + STREAMLIT_DIRECTIVES + FORMULAS + OTHER

#: The ones that are visibly something (for "shows exactly as written" checks).
VISIBLE: list[str] = [s for s in HOSTILE if s.strip()]


def short(limit: int) -> list[str]:
    """Distinct, non-blank, single-line corpus strings of at most ``limit`` characters
    (after stripping), for fields such as client codes."""
    seen: dict[str, None] = {}
    for text in HOSTILE:
        text = text.strip()
        if text and "\n" not in text and "\r" not in text and len(text) <= limit:
            seen.setdefault(text, None)
    return list(seen)


assert len(HOSTILE) >= 50, "keep the corpus at 50 strings or more"


def add_legacy_client(services, actor, code: str, **kwargs) -> int:
    """A client whose code was stored before the code rule (alliance_kit.store.names):
    added with a safe code, then given ``code`` straight in the table, as an old database
    may hold it. Pages must still show such codes inert."""
    import hashlib

    from sqlalchemy import update

    from alliance_kit.store.models import Client

    placeholder = "LEGACY-" + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]
    client_id = services.add_client(actor, placeholder, **kwargs)
    services.store.write(lambda session: session.execute(
        update(Client).where(Client.id == client_id).values(code=code)))
    return client_id
