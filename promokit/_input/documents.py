"""Read merchant-written YAML, JSON and TOML documents safely and exactly.

Numbers with a fraction or exponent become :class:`~decimal.Decimal` built from the source text,
never ``float``. YAML is read the YAML 1.2 way, stricter still: only ``true``/``false``, ``null``,
plain integers without leading zeros, ``0x``/``0o`` integers and plain decimals get a type; ``off``,
``NO``, ``0012``, ``12:30``, ``2026-11-11`` and ``.inf`` stay strings, as values and as keys.
Duplicate keys, syntax errors, alias bombs and oversized files become :class:`Problem` records.

Line map convention (YAML only): ``lines[path]`` is the 1-based line of the *key* for a mapping
entry and of the item's start for a sequence item; ``lines[()]`` is where the root node starts.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from promokit._errors import CampaignError, InputError, Problem

__all__ = ["Document", "JsonFloat", "parse_document", "read_document"]

MAX_BYTES = 10 * 1024 * 1024  # refuse documents larger than 10 MB
MAX_NODES = 1_000_000  # refuse YAML whose aliases expand past this many nodes
MAX_DEPTH = 100  # refuse YAML nested deeper than this (PyYAML would recurse)
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml"}
_Path = tuple[Any, ...]


class JsonFloat(Decimal):
    """A JSON number with a fraction or exponent, kept exact so a validator can reject it."""


@dataclass(frozen=True)
class Document:
    """A parsed document: its data tree, the file name to show, and (YAML) a path -> line map."""

    data: object
    file: str | None
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of the deepest prefix of ``path`` whose line is known, or None."""
        path = tuple(path)
        for n in range(len(path), -1, -1):
            if path[:n] in self.lines:
                return self.lines[path[:n]]
        return None


def render_path(path: Sequence[object]) -> str:
    """A path as ``rules[0].percent``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) and not isinstance(part, bool) else f".{part}"
    return out.lstrip(".")


# --- YAML -----------------------------------------------------------------------------------

_T = "tag:yaml.org,2002:"
_INT = r"(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+|0o[0-7]+)\Z"
_BOOL = r"(?:[tT]rue|TRUE|[fF]alse|FALSE)\Z"
_FLOAT = r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z"


def _int(text: str) -> int:
    base = {"x": 16, "o": 8}.get(text[1:2], 10)
    return int(text[2:] if base != 10 else text, base)


# tag -> (pattern, converter, first characters of plain scalars it resolves; int before float)
_SCALARS: dict[str, tuple[re.Pattern[str], Any, list[str]]] = {
    _T + "bool": (re.compile(_BOOL), lambda s: s[0] in "tT", [*"tTfF"]),
    _T + "null": (re.compile(r"(?:[nN]ull|NULL|~|)\Z"), lambda s: None, ["~", "n", "N", ""]),
    _T + "int": (re.compile(_INT), _int, [*"-+0123456789"]),
    _T + "float": (re.compile(_FLOAT), Decimal, [*"-+.0123456789"]),
    _T + "str": (re.compile(r".*\Z", re.S), str, []),
}


class _Loader(yaml.SafeLoader):
    """SafeLoader whose implicit resolvers are replaced (not extended) by the strict set above."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012
    depth = 0

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose as usual, but stop early on deep nesting (PyYAML scans it in quadratic time)."""
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise RecursionError("nested too deeply")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


for _tag, (_pattern, _, _first) in _SCALARS.items():
    _Loader.add_implicit_resolver(_tag, _pattern, _first)
_Loader.add_implicit_resolver(_T + "merge", re.compile(r"<<\Z"), ["<"])


class _Builder:
    """Turns a composed YAML node graph into data, a line map and a list of problems."""

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.lines: dict[_Path, int] = {}
        self.problems: list[Problem] = []

    def problem(self, message: str, path: _Path, node: Node, value: object = None) -> None:
        line = node.start_mark.line + 1
        where = render_path(path)
        self.problems.append(Problem(message, where, value=value, file=self.file, line=line))

    def build(self, node: Node, path: _Path) -> object:
        if not isinstance(node, ScalarNode) and node.tag not in (_T + "seq", _T + "map"):
            self.problem(f"unsupported YAML tag {node.tag!r}", path, node)
        if isinstance(node, SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines[(*path, i)] = item.start_mark.line + 1
                items.append(self.build(item, (*path, i)))
            return items
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        pattern, convert, _ = _SCALARS.get(node.tag, (None, None, None))
        kind = node.tag.rsplit(":", 1)[-1]
        if pattern is None:
            self.problem(f"unsupported YAML tag {node.tag!r}", path, node, node.value)
        elif convert is None or not pattern.match(node.value):
            self.problem(f"{node.value!r} is not a valid {kind}", path, node)
        else:
            try:
                return convert(node.value)
            except ValueError:  # validated text only fails on Python's integer digit limit
                self.problem(f"the {kind} has too many digits", path, node)
        return node.value

    def mapping(self, node: MappingNode, path: _Path) -> dict[object, object]:
        out: dict[object, object] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _T + "merge":
                merges += value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem("a mapping key must be a plain value", path, key_node)
                continue
            key = self.build(key_node, path)
            if key in out:
                self.problem(f"duplicate key {key!r}", (*path, key), key_node, key)
                continue
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*path, key))
        for source in merges:  # explicit keys win, then earlier merge sources win
            if not isinstance(source, MappingNode):
                self.problem("'<<' merges only mappings", path, source)
                continue
            sub = _Builder(self.file)
            sub.problems = self.problems
            taken = set()
            for key, value in sub.mapping(source, path).items():
                if key not in out:
                    out[key] = value
                    taken.add(key)
            depth = len(path)
            self.lines.update((p, n) for p, n in sub.lines.items() if p[depth] in taken)
        return out


def _expanded_size(node: Node, sizes: dict[int, int], active: set[int]) -> int:
    """How many nodes ``node`` becomes once every alias is expanded (memoised on the graph)."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in active:
        raise ValueError("a YAML alias refers to a node that contains it")
    active.add(id(node))
    children: list[Node] = []
    if isinstance(node, SequenceNode):
        children = node.value
    elif isinstance(node, MappingNode):
        children = [n for pair in node.value for n in pair]
    total = 1 + sum(_expanded_size(child, sizes, active) for child in children)
    active.discard(id(node))
    sizes[id(node)] = min(total, MAX_NODES + 1)
    return sizes[id(node)]


def _parse_yaml(text: str, file: str | None) -> tuple[object, dict[_Path, int], list[Problem]]:
    try:
        root = _Loader(text).get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = "; ".join(str(m).strip() for m in (exc.context, exc.problem) if m)
        line = mark.line + 1 if mark else None
        return None, {}, [Problem(f"YAML syntax error: {message}", file=file, line=line)]
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        message = f"YAML cannot contain the character U+{exc.character:04X}"
        return None, {}, [Problem(message, file=file, line=line)]
    except yaml.YAMLError as exc:
        return None, {}, [Problem(f"YAML error: {exc}", file=file)]
    if root is None:
        return None, {(): 1}, []
    try:
        size = _expanded_size(root, {}, set())
    except ValueError as exc:
        return None, {}, [Problem(str(exc), file=file)]
    if size > MAX_NODES:
        message = f"the document expands to more than {MAX_NODES:,} values (alias bomb?)"
        return None, {}, [Problem(message, file=file)]
    builder = _Builder(file)
    builder.lines[()] = root.start_mark.line + 1
    data = builder.build(root, ())
    unique = {(p.message, p.line): p for p in reversed(builder.problems)}  # aliases repeat them
    return data, builder.lines, sorted(unique.values(), key=lambda p: p.line or 0)


# --- JSON and TOML --------------------------------------------------------------------------


class _NonFinite(str):
    """A JSON NaN or Infinity, kept as a marker until its place in the document is known."""


def _parse_json(text: str, file: str | None, json_floats: str) -> tuple[object, list[Problem]]:
    repeated: dict[int, list[str]] = {}  # id of an object -> keys it repeats

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for key, value in items:
            if key in out:
                repeated.setdefault(id(out), []).append(key)
            out[key] = value
        return out

    parse_float = JsonFloat if json_floats == "reject" else Decimal
    try:
        data = json.loads(
            text, parse_float=parse_float, parse_constant=_NonFinite, object_pairs_hook=pairs
        )
    except json.JSONDecodeError as exc:
        return None, [Problem(f"JSON syntax error: {exc.msg}", file=file, line=exc.lineno)]
    if not repeated and "NaN" not in text and "Infinity" not in text:
        return data, []
    return data, _json_problems(data, repeated, file)


def _json_problems(data: object, repeated: dict[int, list[str]],
                   file: str | None) -> list[Problem]:
    """Duplicate keys and non-finite numbers, each with its field path."""
    problems: list[Problem] = []
    todo: list[tuple[_Path, object]] = [((), data)]
    while todo:
        path, value = todo.pop()
        if isinstance(value, _NonFinite):
            problems.append(Problem(f"{value} is not allowed: numbers must be finite",
                                    render_path(path), value=str(value),
                                    expected="a finite number", file=file))
        elif isinstance(value, dict):
            for key in repeated.get(id(value), ()):
                problems.append(Problem(f"duplicate key {key!r}", render_path((*path, key)),
                                        value=key, expected="each key once", file=file))
            todo += [((*path, k), v) for k, v in value.items()]
        elif isinstance(value, list):
            todo += [((*path, k), v) for k, v in enumerate(value)]
    return sorted(problems, key=lambda p: p.path)


def _plain_toml(value: object) -> object:
    """TOML data with dates and times turned into their ISO strings, as YAML keeps them."""
    if isinstance(value, dict):
        return {key: _plain_toml(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_toml(item) for item in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _parse_toml(text: str, file: str | None) -> tuple[object, list[Problem]]:
    try:
        return _plain_toml(tomllib.loads(text, parse_float=Decimal)), []
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"\(at line (\d+)", str(exc))
        line = int(found.group(1)) if found else text.count("\n") + 1  # else "at end of document"
        message = f"TOML syntax error: {str(exc).split(' (at ')[0]}"
        return None, [Problem(message, file=file, line=line)]


# --- entry points ---------------------------------------------------------------------------


def parse_document(
    text: str,
    fmt: str,
    *,
    file: str | None = None,
    error: type[InputError] = CampaignError,
    json_floats: str = "decimal",
) -> Document:
    """Parse ``text`` as ``fmt`` (yaml, json or toml); raise ``error`` listing every problem."""
    if fmt not in ("yaml", "json", "toml"):
        raise ValueError(f"unknown document format {fmt!r}: expected 'yaml', 'json' or 'toml'")
    if json_floats not in ("decimal", "reject"):
        raise ValueError(f"json_floats must be 'decimal' or 'reject', not {json_floats!r}")
    if not isinstance(text, str):  # a caller's slip (a dict, bytes): say so, not deep in a parser
        raise TypeError(f"expected the document's text (str), got {type(text).__name__}; "
                        "parsed data goes to from_dict / model_validate instead")
    if len(text) > MAX_BYTES:
        raise error([Problem(f"the document is larger than {MAX_BYTES:,} bytes", file=file)], file)
    lines: dict[_Path, int] = {}
    try:
        if fmt == "yaml":
            data, lines, problems = _parse_yaml(text, file)
        elif fmt == "json":
            data, problems = _parse_json(text, file, json_floats)
        else:
            data, problems = _parse_toml(text, file)
    except RecursionError:
        problems = [Problem("the document is nested too deeply", file=file)]
    except ValueError:  # a JSON integer with more digits than Python converts
        problems = [Problem("a number has too many digits", file=file)]
    if problems:
        raise error(problems, file=file)
    return Document(data, file, MappingProxyType(lines))


def read_document(
    path: str | os.PathLike[str],
    *,
    error: type[InputError] = CampaignError,
    json_floats: str = "decimal",
) -> Document:
    """Read a .yaml/.yml/.json/.toml file; raise ``error`` (never OSError) if it cannot be read."""
    file = os.fspath(path)

    def refuse(message: str, **more: Any) -> NoReturn:
        raise error([Problem(message, file=file, **more)], file=file) from None

    fmt = EXTENSIONS.get(Path(file).suffix.lower())
    if fmt is None:
        suffix = Path(file).suffix or "(none)"
        refuse(f"unsupported file extension {suffix!r}", expected=", ".join(EXTENSIONS))
    try:
        with open(file, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        refuse(f"cannot read the file: {exc.strerror or type(exc).__name__}")
    if len(raw) > MAX_BYTES:
        refuse(f"the file is larger than {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        refuse(f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})", line=line)
    return parse_document(text, fmt, file=file, error=error, json_floats=json_floats)
