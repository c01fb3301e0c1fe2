"""Templates: jinja2's immutable sandbox, the package's templates or a user's folder over them.

Template names are ``<page>.<format>.j2`` (``explain.text.j2``, ``docs.html.j2``). A user folder
is searched first, so it may override one template and keep the others. Whatever the format, what
a campaign or cart says is data and never template code: ``{{ 7*7 }}`` in a rule name is printed
as written. HTML is autoescaped; Markdown output escapes Markdown and HTML punctuation in every
value; text output drops control characters.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from promokit._errors import ExplainError
from promokit.explain._format import ljust, plain, rjust

PAGES = {"explain": ("text", "md", "html"), "docs": ("md", "html")}

_MD = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "|": "\\|",
    "#": "\\#", "~": "\\~", "<": "&lt;", ">": "&gt;", "&": "&amp;", "\n": " ", "\r": " ",
})


def md_escape(value: object) -> str:
    """A value as inert Markdown text: punctuation escaped, HTML tags as entities, one line."""
    return plain(str(value)).translate(_MD)


def md_code(value: object) -> Markup:
    """A value as a Markdown code span (literal inside, whatever backticks it holds)."""
    text = plain(str(value)).replace("\n", " ").replace("\r", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


def _finalize(fmt: str) -> Any:
    def text(value: object) -> object:
        return plain(value) if isinstance(value, str) else value

    def md(value: object) -> object:
        if value is None or isinstance(value, Markup | bool | int):
            return value
        return md_escape(value)

    return {"text": text, "md": md}.get(fmt)


def _package_folder() -> str:
    return str(files("promokit.explain") / "templates")


@lru_cache(maxsize=32)
def environment(fmt: str, folder: str | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment for ``fmt`` (cached per format and user folder)."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.FileSystemLoader(_package_folder()))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders), autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=_finalize(fmt))
    env.filters.update(ljust=ljust, rjust=rjust, md=md_escape, code=md_code)
    return env


def render(page: str, fmt: str, view: dict[str, Any],
           templates: str | os.PathLike[str] | None = None) -> str:
    """Render ``page`` (``explain`` or ``docs``) in ``fmt`` from ``view``."""
    formats = PAGES[page]
    if fmt not in formats:
        raise ExplainError(f"unknown format {fmt!r} for {page}; expected one of "
                           + ", ".join(formats))
    folder = None
    if templates is not None:
        folder = os.fspath(templates)
        if not os.path.isdir(folder):
            raise ExplainError(f"template folder {folder!r} is not a directory")
        folder = os.path.abspath(folder)
    name = f"{page}.{fmt}.j2"
    try:
        return environment(fmt, folder).get_template(name).render(view)
    except jinja2.TemplateError as exc:
        where = getattr(exc, "name", None) or name
        line = getattr(exc, "lineno", None)
        detail = f"{type(exc).__name__}: {exc.message or exc}"
        raise ExplainError(detail + (f" (line {line})" if line else ""), template=where) from None
