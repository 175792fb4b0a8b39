"""Configuration guard: the Streamlit settings and the UI code must not drift.

1. ``.streamlit/config.toml`` as written (tomllib) and as Streamlit reads it (the effective
   configuration from the repository root): XSRF protection on, error details hidden from
   the browser, a small upload limit, the minimal toolbar, no usage statistics.
2. The code (``src/``, ``app.py``, ``plugins/``), read with ``ast``:

   - no raw HTML: ``unsafe_allow_html=True``, ``st.html``, ``st.components.v1.html`` /
     ``iframe`` / ``declare_component`` and ``st.components.v2.component`` are refused
     except in the (file, function) pairs of ``HTML_ALLOWED``, each with its reason, and
     even there every HTML argument must be a string literal or a module constant bound to
     one (no f-string, no concatenation, nothing from user or definition text);
   - no cache shared across users holding client rows: ``st.cache_resource`` only on the
     functions of ``CACHE_RESOURCE_ALLOWED``; in ``ui/`` and ``app.py`` every
     ``st.cache_data`` (and ``functools.cache``/``lru_cache``) function needs a ``user``,
     ``actor`` or ``account`` parameter (not ``_``-prefixed: Streamlit leaves those out
     of the cache key); elsewhere one whose name or result mentions client data does.

The scanner itself is tested on small sources, so the guard cannot pass by seeing nothing.
"""

from __future__ import annotations

import ast
import re
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT

CONFIG = ROOT / ".streamlit" / "config.toml"
MAX_UPLOAD_MB = 10

#: (file relative to the repository, enclosing function or "<module>") -> why it may.
HTML_ALLOWED: dict[tuple[str, str], str] = {
    ("src/alliance_kit/ui/kiosk/common.py", "style"):
        "st.html(CSS): the kiosk's static stylesheet, a module constant; no user or "
        "definition text",
    ("src/alliance_kit/ui/kiosk/vas.py", "<module>"):
        "st.components.v2.component(html=HTML, css=CSS, js=JS): the kiosk slider's static "
        "markup, module constants; question and anchor texts cross as data (textContent)",
    ("src/alliance_kit/ui/kiosk/choice.py", "<module>"):
        "st.components.v2.component(html=HTML, css=CSS, js=JS): the kiosk's answer boxes, "
        "module constants; the question and the answers cross as data (textContent)",
    ("src/alliance_kit/ui/kiosk/secret.py", "<module>"):
        "st.components.v2.component(html=HTML, css=CSS, js=JS): the kiosk's staff unlock "
        "form, module constants; its labels cross as data (textContent)",
}
#: The only functions that may use st.cache_resource (shared by every session).
CACHE_RESOURCE_ALLOWED = {("app.py", "shared_kit"), ("app.py", "shared_store"),
                          # the notification sender: the engine and the plugins, no rows
                          ("app.py", "shared_sender")}
USER_PARAMETERS = {"user", "actor", "account"}
CLIENT_WORDS = re.compile(
    r"client|response|answer|score|history|caseload|alert|export|audit|session|rows?\b|"
    r"services|patient|episode", re.IGNORECASE)

HTML_SINKS = {
    "streamlit.html",
    "streamlit.components.v1.html",
    "streamlit.components.v1.iframe",
    "streamlit.components.v1.declare_component",
    "streamlit.components.v2.component",
}
HTML_ARGUMENTS = {"html", "css", "js", "body"}
CACHE_DATA = {"streamlit.cache_data", "streamlit.experimental_memo", "streamlit.cache"}
CACHE_RESOURCE = {"streamlit.cache_resource", "streamlit.experimental_singleton"}
PROCESS_CACHES = {"functools.cache", "functools.lru_cache"}


# ---- the effective Streamlit configuration ----------------------------------------------------


def test_config_file_as_written():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["enableXsrfProtection"] is True
    assert config["client"]["showErrorDetails"] == "none"
    assert 0 < config["server"]["maxUploadSize"] <= MAX_UPLOAD_MB
    assert config["client"]["toolbarMode"] == "minimal"
    assert config["browser"]["gatherUsageStats"] is False


@pytest.fixture
def streamlit_config(monkeypatch):
    """Streamlit's configuration as it reads it when started from the repository root."""
    import streamlit.config as config

    monkeypatch.chdir(ROOT)
    config.get_config_options(force_reparse=True, options_from_flags={})
    yield config
    monkeypatch.undo()
    config.get_config_options(force_reparse=True, options_from_flags={})


def test_effective_streamlit_configuration(streamlit_config):
    get = streamlit_config.get_option
    assert get("server.enableXsrfProtection") is True
    assert get("client.showErrorDetails") == "none"
    assert 0 < get("server.maxUploadSize") <= MAX_UPLOAD_MB
    assert get("client.toolbarMode") == "minimal"
    assert get("browser.gatherUsageStats") is False
    assert get("global.developmentMode") is False


def test_effective_settings_come_from_the_project_file(streamlit_config):
    """Not from a default that happens to match today: from the file under review."""
    for option in ("server.enableXsrfProtection", "client.showErrorDetails",
                   "server.maxUploadSize", "client.toolbarMode"):
        where = streamlit_config.get_where_defined(option)
        assert Path(where).resolve() == CONFIG.resolve(), f"{option} defined by {where}"


# ---- the code scan ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    file: str
    function: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} in {self.function}: {self.what}"


class Scanner(ast.NodeVisitor):
    """Finds HTML sinks and caches in one module, with the function they are in."""

    def __init__(self, file: str, tree: ast.Module):
        self.file = file
        self.aliases: dict[str, str] = {}
        self.constants: dict[str, ast.expr] = {}
        self.stack: list[str] = []
        self.html: list[tuple[Finding, ast.Call]] = []
        self.unsafe: list[Finding] = []
        self.caches: list[tuple[Finding, str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.constants[target.id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.value is not None:
                self.constants[node.target.id] = node.value
        self.visit(tree)

    # imports give the names their meaning
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                self.aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def qualified(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Call):
            return self.qualified(node.func)
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def where(self) -> str:
        return self.stack[-1] if self.stack else "<module>"

    def _function(self, node) -> None:
        for decorator in node.decorator_list:
            name = self.qualified(decorator)
            if name in CACHE_DATA | CACHE_RESOURCE | PROCESS_CACHES:
                finding = Finding(self.file, node.name, node.lineno, f"@{name}")
                self.caches.append((finding, name, node))
        self.stack.append(node.name)
        self.generic_visit(node)
        self.stack.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualified(node.func)
        if name in HTML_SINKS:
            self.html.append((Finding(self.file, self.where(), node.lineno, f"{name}(...)"),
                              node))
        for keyword in node.keywords:
            if keyword.arg == "unsafe_allow_html" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                self.unsafe.append(Finding(self.file, self.where(), node.lineno,
                                           "unsafe_allow_html"))
        self.generic_visit(node)

    def constant_text(self, node: ast.expr) -> bool:
        """A string literal, or a module-level name bound to one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return True
        if isinstance(node, ast.Name) and node.id in self.constants:
            value = self.constants[node.id]
            return isinstance(value, ast.Constant) and isinstance(value.value, str)
        return False


def scan(file: str, source: str) -> Scanner:
    return Scanner(file, ast.parse(source, filename=file))


def html_problems(scanner: Scanner, allowed=HTML_ALLOWED) -> list[str]:
    problems = [f"{f}: raw HTML is not allowed (use st.markdown/st.text with plain())"
                for f in scanner.unsafe]
    for finding, call in scanner.html:
        if (finding.file, finding.function) not in allowed:
            problems.append(f"{finding}: raw HTML outside the allow-list; if it builds HTML "
                            "only from constants, add it to HTML_ALLOWED with the reason")
            continue
        arguments = list(call.args) + [k.value for k in call.keywords
                                       if k.arg in HTML_ARGUMENTS]
        for argument in arguments:
            if not scanner.constant_text(argument):
                problems.append(f"{finding}: HTML argument {ast.unparse(argument)!r} is not a "
                                "constant string: no text may be built into HTML")
    return problems


def _parameters(function) -> set[str]:
    args = function.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}


def cache_problems(scanner: Scanner, ui: bool) -> list[str]:
    problems = []
    for finding, kind, function in scanner.caches:
        keyed = bool(_parameters(function) & USER_PARAMETERS)
        if kind in CACHE_RESOURCE:
            if (finding.file, function.name) not in CACHE_RESOURCE_ALLOWED:
                problems.append(f"{finding}: st.cache_resource is shared by every user; only "
                                f"{sorted(CACHE_RESOURCE_ALLOWED)} may use it")
            continue
        if kind in PROCESS_CACHES and not ui:
            continue  # definitions and schemas, process-wide by design
        returns = " ".join(ast.unparse(node.value) for node in ast.walk(function)
                           if isinstance(node, ast.Return) and node.value is not None)
        client_like = bool(CLIENT_WORDS.search(function.name) or CLIENT_WORDS.search(returns))
        if not keyed and (ui or client_like):
            problems.append(f"{finding}: a cache shared across sessions without the user in "
                            f"its key (add a `user`/`actor` parameter, not `_`-prefixed)")
    return problems


def code_files() -> list[Path]:
    files = sorted((ROOT / "src").rglob("*.py")) + [ROOT / "app.py"]
    files += sorted((ROOT / "plugins").rglob("*.py"))
    return [f for f in files if f.is_file()]


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _is_ui(file: str) -> bool:
    return file == "app.py" or file.startswith("src/alliance_kit/ui/")


@pytest.fixture(scope="module")
def scanned() -> list[Scanner]:
    return [scan(_relative(path), path.read_text(encoding="utf-8")) for path in code_files()]


def test_the_scan_sees_the_code(scanned):
    files = {s.file for s in scanned}
    assert "app.py" in files and "src/alliance_kit/ui/kiosk/common.py" in files
    assert any(f.startswith("plugins/") for f in files)
    caches = {(f.file, f.function) for s in scanned for f, _, _ in s.caches}
    assert caches >= CACHE_RESOURCE_ALLOWED, "app.py's shared caches were not found"


def test_no_raw_html_from_text(scanned):
    problems = [p for s in scanned for p in html_problems(s)]
    assert not problems, "\n".join(problems)


def test_html_allow_list_is_current(scanned):
    """Every allow-list entry names code that still exists, with a reason."""
    used = {(f.file, f.function) for s in scanned for f, _ in s.html}
    for place, reason in HTML_ALLOWED.items():
        assert reason.strip()
        assert place in used, f"{place} no longer builds HTML: remove it from HTML_ALLOWED"


def test_no_cache_holds_client_rows_without_the_user_in_its_key(scanned):
    problems = [p for s in scanned for p in cache_problems(s, _is_ui(s.file))]
    assert not problems, "\n".join(problems)


# ---- the scanner, tested -------------------------------------------------------------------


def _src(text: str) -> str:
    return textwrap.dedent(text)


@pytest.mark.parametrize("source", [
    'import streamlit as st\ndef f(x):\n    st.markdown(x, unsafe_allow_html=True)\n',
    'import streamlit as st\ndef f(x):\n    st.write(x, unsafe_allow_html=flag)\n',
    'import streamlit as st\ndef f(x):\n    st.html(f"<b>{x}</b>")\n',
    'from streamlit import html\ndef f(x):\n    html(x)\n',
    'import streamlit.components.v1 as components\ndef f(x):\n    components.html(x)\n',
    'from streamlit.components.v1 import html as h\nh("<p>")\n',
    'import streamlit as st\nst.components.v2.component("c", html="<p>" + name)\n',
], ids=["markdown", "write-variable", "st.html", "from-import", "components-v1", "alias",
        "v2-component"])
def test_scanner_finds_raw_html(source):
    assert html_problems(scan("src/alliance_kit/ui/x.py", source))


def test_scanner_allows_constants_only_where_allowed():
    source = _src('''
        import streamlit as st
        CSS = "<style>p { color: red }</style>"
        def style():
            st.html(CSS)
        def bad(text):
            st.html(CSS + text)
        st.markdown("**bold**")
        st.markdown("x", unsafe_allow_html=False)
    ''')
    allowed = {("ui.py", "style"): "constant", ("ui.py", "bad"): "claims constant"}
    problems = html_problems(scan("ui.py", source), allowed)
    assert len(problems) == 1 and "not a constant string" in problems[0]
    assert html_problems(scan("ui.py", source), {}) and len(
        html_problems(scan("ui.py", source), {})) == 2


@pytest.mark.parametrize("source, ui, bad", [
    ("import streamlit as st\n@st.cache_data\ndef rows(services):\n    return 1\n", True, True),
    ("import streamlit as st\n@st.cache_data(ttl=60)\ndef f(_actor, x):\n    return 1\n",
     True, True),
    ("import streamlit as st\n@st.cache_data\ndef f(actor, x):\n    return 1\n", True, False),
    ("from streamlit import cache_data\n@cache_data\ndef caseload():\n    return 1\n",
     False, True),
    ("import streamlit as st\n@st.cache_data\ndef languages():\n    return ['en']\n",
     False, False),
    ("import streamlit as st\n@st.cache_resource\ndef pool():\n    return 1\n", False, True),
    ("import functools\n@functools.cache\ndef f(code):\n    return 1\n", True, True),
    ("import functools\n@functools.cache\ndef schema(x):\n    return 1\n", False, False),
    ("import streamlit as st\n@st.cache_data\ndef f(x):\n    return services.caseload(x)\n",
     False, True),
], ids=["ui-no-user", "ui-underscore-actor", "ui-actor", "client-name", "harmless",
        "resource-not-allowed", "ui-functools", "library-functools", "client-return"])
def test_scanner_finds_shared_caches(source, ui, bad):
    file = "src/alliance_kit/ui/x.py" if ui else "src/alliance_kit/x.py"
    assert bool(cache_problems(scan(file, source), ui)) is bad


def test_scanner_allows_the_shared_kit_and_store():
    source = _src('''
        import streamlit as st
        @st.cache_resource
        def shared_kit():
            return 1
        @st.cache_resource
        def shared_store():
            return 2
    ''')
    assert cache_problems(scan("app.py", source), True) == []
