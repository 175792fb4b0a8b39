"""Measuring what a finger can hit: every interactive element on a screen, in Chromium.

Walks the whole page, open shadow roots included (our components render in them), and
returns the bounding box of everything a person can tap or focus: links, buttons, inputs,
selects, text areas, summaries, and elements with an interactive role or a tabindex.
"""

from __future__ import annotations

import json
from pathlib import Path

MEASURE = """() => {
  const found = [];
  const roles = ['button', 'radio', 'checkbox', 'link', 'slider', 'tab', 'switch',
                 'combobox', 'option', 'menuitem', 'spinbutton', 'textbox'];
  const tags = ['a', 'button', 'input', 'select', 'textarea', 'summary'];
  const walk = (root) => {
    root.querySelectorAll('*').forEach((el) => {
      if (el.shadowRoot) walk(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      const role = el.getAttribute('role');
      const tabbable = el.hasAttribute('tabindex') && el.getAttribute('tabindex') !== '-1';
      if (!tags.includes(tag) && !roles.includes(role) && !tabbable) return;
      if (tag === 'input' && el.type === 'hidden') return;
      const style = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (style.display === 'none' || style.visibility === 'hidden' ||
          (box.width === 0 && box.height === 0)) return;
      const owner = el.closest('[data-testid]');
      found.push({tag, role, width: Math.round(box.width * 10) / 10,
                  height: Math.round(box.height * 10) / 10,
                  name: (el.getAttribute('aria-label') || el.innerText || el.value ||
                         el.name || '').trim().slice(0, 50),
                  testid: el.getAttribute('data-testid') ||
                          (owner ? owner.getAttribute('data-testid') : null)});
    });
  };
  walk(document);
  return found;
}"""

#: Streamlit's "Skip to main content" link: 1×1 px and invisible until a keyboard user
#: focuses it, never a touch target.
SKIP_LINK = "stSkipToContent"


def interactive(page) -> list[dict]:
    """Every visible interactive element on the page with its size in CSS pixels."""
    return [e for e in page.evaluate(MEASURE) if e["testid"] != SKIP_LINK]


def too_small(page, minimum: float) -> list[dict]:
    return [e for e in interactive(page) if e["width"] < minimum or e["height"] < minimum]


def record(folder: Path, name: str, entry: dict) -> None:
    """Add one screen's figures (axe violations, target sizes) to folder/figures.json."""
    path = folder / "figures.json"
    figures = json.loads(path.read_text("utf-8")) if path.is_file() else {}
    figures[name] = entry
    path.write_text(json.dumps(figures, indent=1, sort_keys=True), "utf-8")
