"""Templates: jinja2's immutable sandbox, the package's templates or a user's folder over them.

Template names are ``<page>.<format>.j2`` (``explain.text.j2``, ``docs.html.j2``). A user folder
is searched first, so it may override one template and keep the others. Whatever the format, what
a campaign or cart says is data and never template code: ``{{ 7*7 }}`` in a rule name is printed
as written. HTML is autoescaped; Markdown output escapes Markdown and HTML punctuation in every
value; text output drops control characters.

A user's templates also run under resource limits, so that a template cannot hang a process or
eat its memory: ``range`` yields at most :data:`MAX_RANGE` numbers; loop iterations and calls
(macros included) together are at most :data:`MAX_STEPS` per page; a string or sequence built by
``*``, ``+``, ``~``, ``%``, a filter or a call holds at most :data:`MAX_TEXT` items, and so does
the page; integers stay under :data:`MAX_INT_BITS` bits (``**`` is checked before it runs);
padding widths and repeat counts are checked before the string is built. Past a limit, an
:class:`~promokit.explain.ExplainError` names the limit, the template and what to change. The
package's own templates are trusted and run without these checks.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from importlib.resources import files
from typing import Any, NoReturn

import jinja2
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from promokit._errors import ExplainError
from promokit.explain._format import ljust, plain, rjust

PAGES = {"explain": ("text", "md", "html"), "docs": ("md", "html"), "customer": ("md", "html")}

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


#: Most numbers one ``range`` yields in a user template.
MAX_RANGE = 10_000
#: Most loop iterations and calls, together, while rendering one page with user templates.
MAX_STEPS = 1_000_000
#: Most characters in a page, and items in any string or sequence a user template builds.
MAX_TEXT = 2_000_000
#: Most bits of an integer a user template computes.
MAX_INT_BITS = 4_096

_CALL = 25   # steps one call costs: a macro call takes some 25 times a loop iteration
_WIDTH = re.compile(r"\d{7,}")   # a padding width or precision of a million or more


class TemplateLimitError(SecurityError):
    """A user template went past one of the resource limits."""


class _Budget:
    """Steps left for the page being rendered."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps = MAX_STEPS


_BUDGET: ContextVar[_Budget | None] = ContextVar("promokit_template_budget", default=None)


def _charge(steps: int = 1) -> None:
    budget = _BUDGET.get()
    if budget is None:
        return
    budget.steps -= steps
    if budget.steps < 0:
        raise TemplateLimitError(
            f"more than {MAX_STEPS} steps in one page (a loop iteration is one, a call "
            f"{_CALL}): a loop too large or nested too deep, or a runaway macro; loop over less")


def _sized(value: Any) -> Any:
    """``value``, if it is within the size limits."""
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        if len(value) > MAX_TEXT:
            raise TemplateLimitError(f"a value of {len(value)} items; a template may build at "
                                     f"most {MAX_TEXT}")
    elif isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(f"an integer of more than {MAX_INT_BITS} bits")
    return value


def _widths(text: object) -> None:
    """Refuse a %-format or str.format string with a huge width or precision."""
    if isinstance(text, str) and _WIDTH.search(text):
        raise TemplateLimitError("a format width or precision of a million or more")


def _arguments(args: Iterable[object]) -> None:
    """Refuse a call whose numbers could make it build more than MAX_TEXT items (a padding
    width, a repeat count)."""
    for a in args:
        if isinstance(a, int) and not isinstance(a, bool) and abs(a) > MAX_TEXT:
            raise TemplateLimitError(f"a number argument of {a}; at most {MAX_TEXT} here")


def _range(*args: int) -> range:
    """``range``, at most MAX_RANGE numbers."""
    out = range(*args)
    if len(out) > MAX_RANGE:
        raise TemplateLimitError(f"range of {len(out)} numbers; a template may use at most "
                                 f"{MAX_RANGE}")
    return out


def _each(items: Iterable[Any]) -> Iterator[Any]:
    """A loop's items, one step each."""
    for item in items:
        _charge()
        yield item


def _limited_filter(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)   # keeps jinja's pass_context/pass_eval_context marks
    def limited(*args: Any, **kwargs: Any) -> Any:
        _charge()
        if func is _FORMAT:   # format's arguments are values; its widths are in the string
            _widths(next((a for a in args if isinstance(a, str)), None))
        else:
            _arguments((*args, *kwargs.values()))
        return _sized(func(*args, **kwargs))
    return limited


_FORMAT = jinja2.filters.do_format


class _Guard(NodeTransformer):
    """Rewrites a parsed user template: every loop's items and every ``~`` go through the
    environment's checks (names a template cannot spell, so it cannot shadow them)."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(nodes.EnvironmentAttribute("limited_each"), [node.iter], [],
                               None, None, lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return nodes.Call(nodes.EnvironmentAttribute("limited_size"), [node], [], None, None,
                          lineno=node.lineno)


class _LimitedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with resource limits, for user templates."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    limited_each = staticmethod(_each)
    limited_size = staticmethod(_sized)

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any,
                   right: Any) -> Any:
        """Check ``*``, ``**``, ``%`` and ``+`` before they run, and their results after."""
        _charge()
        if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
                and max(left.bit_length(), 1) * right > MAX_INT_BITS:
            raise TemplateLimitError(f"{left} ** {right} is more than {MAX_INT_BITS} bits")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) \
                        and len(seq) * n > MAX_TEXT:
                    raise TemplateLimitError(f"repeating {len(seq)} items {n} times; a "
                                             f"template may build at most {MAX_TEXT}")
        if operator == "%":
            _widths(left)
        return _sized(super().call_binop(context, operator, left, right))

    def call(__self, __context: jinja2.runtime.Context, __obj: Any,
             *args: Any, **kwargs: Any) -> Any:
        """Every call is steps (a call costs _CALL loop iterations), with its
        numbers checked first (str.format's widths are checked in :meth:`wrap_str_format`)."""
        _charge(_CALL)
        if getattr(__obj, "__name__", None) not in ("format", "format_map"):
            _arguments((*args, *kwargs.values()))   # str.format's are values, not widths
        return _sized(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map``, their widths checked when they are looked up."""
        if getattr(value, "__name__", None) in ("format", "format_map"):
            _widths(getattr(value, "__self__", None))
        return super().wrap_str_format(value)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        out = _Guard().visit(tree)
        assert isinstance(out, nodes.Template)
        out.set_environment(self)
        return out


def _package_folder() -> str:
    return str(files("promokit.explain") / "templates")


@lru_cache(maxsize=32)
def environment(fmt: str, folder: str | None = None) -> ImmutableSandboxedEnvironment:
    """The sandboxed environment for ``fmt`` (cached per format and user folder)."""
    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.FileSystemLoader(_package_folder()))
    kind = ImmutableSandboxedEnvironment if folder is None else _LimitedEnvironment
    env = kind(
        loader=jinja2.ChoiceLoader(loaders), autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=_finalize(fmt))
    env.filters.update(ljust=ljust, rjust=rjust, md=md_escape, code=md_code)
    if folder is not None:
        env.filters = {k: _limited_filter(f) for k, f in env.filters.items()}
        env.globals["range"] = _range
    return env


def _page(template: jinja2.Template, view: dict[str, Any]) -> str:
    """Render ``template``; past MAX_TEXT characters, stop."""
    parts: list[str] = []
    size = 0
    for part in template.generate(view):
        size += len(part)
        if size > MAX_TEXT:
            raise TemplateLimitError(f"the page passed {MAX_TEXT} characters; print less")
        parts.append(part)
    return "".join(parts)


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
    if folder is None:   # the package's own templates: trusted, no limits
        try:
            return environment(fmt).get_template(name).render(view)
        except jinja2.TemplateError as exc:
            _fail(exc, name)
    token = _BUDGET.set(_Budget())
    try:
        return _page(environment(fmt, folder).get_template(name), view)
    except jinja2.TemplateError as exc:
        _fail(exc, name)
    except RecursionError:
        raise ExplainError("macros or recursive loops nested too deep (Python's recursion "
                           "limit); recurse less", template=name) from None
    finally:
        _BUDGET.reset(token)


def _fail(exc: jinja2.TemplateError, name: str) -> NoReturn:
    """A template error as an ExplainError naming the template (and line, when known)."""
    if isinstance(exc, TemplateLimitError):
        raise ExplainError(f"over a resource limit: {exc.message}; templates from a user's "
                           f"folder may use at most {MAX_RANGE} numbers per range, "
                           f"{MAX_STEPS} loop steps and calls, {MAX_TEXT} characters",
                           template=name) from None
    where = getattr(exc, "name", None) or name
    line = getattr(exc, "lineno", None)
    detail = f"{type(exc).__name__}: {exc.message or exc}"
    raise ExplainError(detail + (f" (line {line})" if line else ""), template=where) from None
