"""Helpers of the explain tests: paths, the golden-file check, a strict HTML check."""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
FIXTURES = HERE / "fixtures"
EXAMPLES = ROOT / "examples"
#: PROMOKIT_REGEN=1 rewrites golden files instead of comparing (as tests/test_examples.py does).
REGEN = os.environ.get("PROMOKIT_REGEN") == "1"

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def check_golden(name: str, text: str) -> None:
    """``text`` equals the golden file ``name`` (rewritten instead under PROMOKIT_REGEN=1)."""
    path = GOLDEN / name
    if REGEN:
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"no golden file {path}; run PROMOKIT_REGEN=1 pytest tests/explain"
    expected = path.read_text("utf-8")
    assert text == expected, f"{name} differs from its golden file (PROMOKIT_REGEN=1 rewrites it)"


class _Strict(HTMLParser):
    """Tracks open elements; records every mismatch instead of guessing like a browser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.seen: list[str] = []
        self.doctype = False
        self.scripts = 0

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag == "script" or any(name.startswith("on") for name, _ in attrs):
            self.scripts += 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append(tag)
        if tag not in VOID:
            self.problems.append(f"<{tag}/> is not a void element")

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"</{tag}> closes a void element")
        elif not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> while open: {self.stack}")
        else:
            self.stack.pop()


def check_html(text: str) -> None:
    """A complete document: doctype, one html/head/body, balanced nesting, no scripts."""
    parser = _Strict()
    parser.feed(text)
    parser.close()
    assert parser.doctype, "no <!DOCTYPE html>"
    assert parser.problems == [], parser.problems
    assert parser.stack == [], f"unclosed: {parser.stack}"
    for tag in ("html", "head", "body", "title"):
        assert parser.seen.count(tag) == 1, f"{parser.seen.count(tag)} <{tag}> elements"
    assert parser.scripts == 0, "a script or an event handler attribute"
