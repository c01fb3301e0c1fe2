"""Tests for promokit._input.documents: safe, exact reading of YAML, JSON and TOML documents."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promokit import parse_campaign
from promokit._errors import CampaignError, CartError, InputError
from promokit._input.documents import (
    MAX_BYTES,
    MAX_DEPTH,
    Document,
    JsonFloat,
    parse_document,
    read_document,
)


def yaml_value(text: str) -> object:
    """Parse ``v: <text>`` as YAML and return the value of ``v``."""
    data = parse_document(f"v: {text}\n", "yaml").data
    assert isinstance(data, dict)
    return data["v"]


def problems_of(excinfo: pytest.ExceptionInfo[InputError]) -> list[str]:
    """The messages of the problems an InputError carries."""
    return [p.message for p in excinfo.value.problems]


# --- YAML 1.2 scalars -------------------------------------------------------------------------

STRINGS = [
    "off", "on", "yes", "no", "NO", "Y", "n", "Off", "0012", "007", "00.5", "12:30",
    "1_000", "2026-11-11", "2026-11-11T10:00:00", ".inf", "-.inf", ".nan", "0b101", "=", "1.2.3",
]  # fmt: skip


@pytest.mark.parametrize("text", STRINGS)
def test_yaml_11_lookalikes_stay_strings_as_values(text: str) -> None:
    """Plain scalars that YAML 1.1 would turn into bools, octals, times or dates stay strings."""
    value = yaml_value(text)
    assert type(value) is str
    assert value == text


@pytest.mark.parametrize("text", STRINGS)
def test_yaml_11_lookalikes_stay_strings_as_keys(text: str) -> None:
    """The same plain scalars used as mapping keys stay string keys."""
    data = parse_document(f"{text}: 1\n", "yaml").data
    assert data == {text: 1}
    assert all(type(key) is str for key in data)  # type: ignore[union-attr]


@pytest.mark.parametrize("text", ['"true"', "'12.5'", '"null"', "'0x1F'", '""', "'~'"])
def test_quoted_scalars_are_always_strings(text: str) -> None:
    """A quoted scalar is a string whatever it looks like."""
    assert yaml_value(text) == text[1:-1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("False", False),
     ("FALSE", False)],
)  # fmt: skip
def test_yaml_booleans(text: str, expected: bool) -> None:
    """Only the six true/false spellings are booleans."""
    value = yaml_value(text)
    assert type(value) is bool
    assert value is expected


@pytest.mark.parametrize("text", ["null", "Null", "NULL", "~", ""])
def test_yaml_nulls(text: str) -> None:
    """null, Null, NULL, ~ and an empty value are None."""
    assert yaml_value(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0", 0), ("-12", -12), ("+7", 7), ("300", 300), ("0x1F", 31), ("0o17", 15), ("-0", 0)],
)
def test_yaml_integers(text: str, expected: int) -> None:
    """Decimal integers without leading zeros and 0x/0o integers are ints."""
    value = yaml_value(text)
    assert type(value) is int
    assert value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.5", "12.5"), ("-0.5", "-0.5"), (".5", "0.5"), ("1e3", "1E+3"), ("1.5E-2", "0.015"),
     ("0.10", "0.10"), ("19.99", "19.99"), ("12.", "12")],
)  # fmt: skip
def test_yaml_decimals_are_exact(text: str, expected: str) -> None:
    """A plain number with a fraction or exponent is a Decimal made from its text, not a float."""
    value = yaml_value(text)
    assert type(value) is Decimal
    assert str(value) == expected
    assert value == Decimal(text)


def test_yaml_decimal_keeps_trailing_zeros_and_has_no_binary_error() -> None:
    """0.1 + 0.2 read from YAML is exactly 0.3, as it would not be with floats."""
    data = parse_document("a: 0.1\nb: 0.2\n", "yaml").data
    assert data["a"] + data["b"] == Decimal("0.3")  # type: ignore[index]


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_yaml_any_decimal_text_round_trips_exactly(number: Decimal) -> None:
    """Any finite decimal written out in YAML reads back as the same number, never a float."""
    value = yaml_value(str(number))
    assert type(value) in (int, Decimal)
    assert value == number
    if type(value) is Decimal:
        assert str(value) == str(number)


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_yaml_any_integer_round_trips(number: int) -> None:
    """Any integer written out in YAML reads back as the same int."""
    value = yaml_value(str(number))
    assert type(value) is int
    assert value == number


def test_yaml_typed_keys() -> None:
    """Keys get the same types as values: 100 is an int key, 0012 and off string keys."""
    data = parse_document("100: a\n0012: b\noff: c\n12.5: d\n", "yaml").data
    assert data == {100: "a", "0012": "b", "off": "c", Decimal("12.5"): "d"}


def test_yaml_merge_key_and_aliases_work() -> None:
    """A '<<' merge copies keys from an anchor; explicit keys win over merged ones."""
    text = "base: &b {percent: 10, cap: 50}\nrule:\n  <<: *b\n  percent: 15\nagain: *b\n"
    doc = parse_document(text, "yaml")
    assert doc.data == {
        "base": {"percent": 10, "cap": 50},
        "rule": {"percent": 15, "cap": 50},
        "again": {"percent": 10, "cap": 50},
    }
    assert doc.lines[("rule", "percent")] == 4
    assert doc.lines[("rule", "cap")] == 1


@pytest.mark.parametrize(
    "text",
    ["a: !!python/object/apply:os.system ['echo hi']\n", "a: !!binary aGk=\n",
     "a: !!timestamp 2026-11-11\n", "a: !custom {x: 1}\n", "a: !!int 0012\n"],
)  # fmt: skip
def test_yaml_unsupported_or_invalid_tags_are_problems(text: str) -> None:
    """Explicit tags other than the plain core ones, or that do not fit their text, are refused."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document(text, "yaml")
    assert excinfo.value.problems[0].line == 1
    assert "tag" in problems_of(excinfo)[0] or "not a valid" in problems_of(excinfo)[0]


# --- duplicate keys -----------------------------------------------------------------------------


def test_yaml_duplicate_keys_are_all_reported_with_lines() -> None:
    """Every duplicate key in a YAML mapping is a problem with its own line, not last-wins."""
    text = "rules:\n  - id: a\n    percent: 10\n    percent: 20\nname: x\nname: y\n"
    with pytest.raises(CartError) as excinfo:
        parse_document(text, "yaml", file="cart.yaml", error=CartError)
    problems = excinfo.value.problems
    assert [(p.message, p.line) for p in problems] == [
        ("duplicate key 'percent'", 4),
        ("duplicate key 'name'", 6),
    ]
    assert problems[0].path == "rules[0].percent"
    assert problems[0].file == "cart.yaml"


def test_json_duplicate_keys_are_problems() -> None:
    """A duplicate key in a JSON object is a problem naming the key."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document('{"a": 1, "b": {"c": 1, "c": 2}}', "json")
    assert problems_of(excinfo) == ["duplicate key 'c'"]


def test_toml_duplicate_keys_are_problems() -> None:
    """TOML refuses a key defined twice, with the line of the second one."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document("a = 1\nb = 2\na = 3\n", "toml")
    assert excinfo.value.problems[0].line == 3


# --- syntax errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "text", "line"),
    [
        ("yaml", "a: 1\nb: [1, 2\nc: 3\n", 3),
        ("yaml", "a: 1\n  b: 2\n", 2),
        ("yaml", "a: 1\n---\nb: 2\n", 2),
        ("json", '{\n  "a": 1,\n  "b": \n}\n', 4),
        ("json", '{"a": 1}\n{"b": 2}\n', 2),
        ("toml", "a = 1\nb = = 2\n", 2),
        ("toml", 'a = 1\nb = "open\n', 2),
    ],
)
def test_syntax_errors_carry_line_numbers(fmt: str, text: str, line: int) -> None:
    """A syntax error becomes one Problem with its 1-based line and the file, never a raw error."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document(text, fmt, file=f"c.{fmt}")
    (problem,) = excinfo.value.problems
    assert problem.line == line
    assert problem.file == f"c.{fmt}"
    assert problem.message.startswith(f"{fmt.upper()} syntax error: ")
    assert excinfo.value.file == f"c.{fmt}"


def test_yaml_control_character_is_a_problem() -> None:
    """A control character in YAML is a problem with its line, not a ReaderError."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document("a: 1\nb: \x07\n", "yaml")
    assert excinfo.value.problems[0].line == 2
    assert "U+0007" in problems_of(excinfo)[0]


def test_yaml_nesting_up_to_the_limit_is_fine() -> None:
    """Nesting up to MAX_DEPTH levels parses; one more level is a problem."""
    deep = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_document(f"a: {deep}", "yaml").data == {"a": json.loads(deep)}
    with pytest.raises(CampaignError):
        parse_document(f"a: [{deep}]", "yaml")


@pytest.mark.parametrize(
    ("fmt", "text"),
    [("yaml", "a: " + "[" * 5000 + "]" * 5000), ("json", "[" * 100_000 + "]" * 100_000)],
)
def test_deep_nesting_is_a_problem(fmt: str, text: str) -> None:
    """Absurdly deep nesting is reported as a problem instead of a RecursionError."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document(text, fmt)
    assert "nested too deeply" in problems_of(excinfo)[0]


# --- JSON numbers -------------------------------------------------------------------------------


def test_json_floats_are_decimals_by_default() -> None:
    """JSON numbers with a fraction or exponent become exact Decimals; integers stay ints."""
    data = parse_document('{"a": 19.90, "b": 1e3, "c": 7}', "json").data
    assert data == {"a": Decimal("19.90"), "b": Decimal("1E+3"), "c": 7}
    assert type(data["a"]) is Decimal and str(data["a"]) == "19.90"  # type: ignore[index]
    assert type(data["c"]) is int  # type: ignore[index]


def test_json_floats_reject_mode_marks_them() -> None:
    """With json_floats='reject' fractional numbers come back as JsonFloat, exact; ints do not."""
    data = parse_document('{"a": 19.90, "b": 2E-1, "c": 7}', "json", json_floats="reject").data
    assert type(data["a"]) is JsonFloat and data["a"] == Decimal("19.90")  # type: ignore[index]
    assert type(data["b"]) is JsonFloat  # type: ignore[index]
    assert type(data["c"]) is int  # type: ignore[index]
    assert isinstance(data["a"], Decimal)  # type: ignore[index]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_constants_are_rejected(constant: str) -> None:
    """NaN and the infinities are problems in JSON."""
    with pytest.raises(CartError) as excinfo:
        parse_document(f'{{"price": {constant}}}', "json", error=CartError)
    (problem,) = excinfo.value.problems
    assert constant in problem.message
    assert problem.value == constant


def test_json_collects_all_problems() -> None:
    """A NaN and a duplicate key in one JSON document are both reported."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document('{"a": NaN, "b": 1, "b": 2}', "json")
    assert len(excinfo.value.problems) == 2


def test_json_huge_integer_is_a_problem() -> None:
    """An integer past Python's digit limit is a problem, not a bare ValueError."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document("1" * 5000, "json")
    assert "too many digits" in problems_of(excinfo)[0]


# --- TOML ---------------------------------------------------------------------------------------


def test_toml_decimals_are_exact_and_dates_are_strings() -> None:
    """TOML floats become exact Decimals and dates become ISO strings, as YAML keeps them."""
    text = 'price = 19.90\nrate = 1.5e-2\ncount = 3\nstart = 2026-11-11\nname = "x"\n'
    data = parse_document(text, "toml").data
    assert data == {
        "price": Decimal("19.90"),
        "rate": Decimal("0.015"),
        "count": 3,
        "start": "2026-11-11",
        "name": "x",
    }
    assert type(data["price"]) is Decimal and str(data["price"]) == "19.90"  # type: ignore[index]


# --- line map -----------------------------------------------------------------------------------


def test_yaml_line_map() -> None:
    """Each mapping entry maps to its key's line and each sequence item to where it starts."""
    text = "name: sale\nrules:\n  - id: a\n    percent: 15\n  - id: b\n    tiers: [1, 2]\n"
    doc = parse_document(text, "yaml")
    assert doc.lines[()] == 1
    assert doc.lines[("rules",)] == 2
    assert doc.lines[("rules", 0)] == 3
    assert doc.lines[("rules", 0, "percent")] == 4
    assert doc.lines[("rules", 1)] == 5
    assert doc.lines[("rules", 1, "tiers", 1)] == 6


def test_line_of_uses_deepest_known_prefix() -> None:
    """line_of falls back to the nearest ancestor whose line is known."""
    doc = parse_document("rules:\n  - id: a\n    percent: 15\n", "yaml")
    assert doc.line_of(["rules", 0, "percent"]) == 3
    assert doc.line_of(["rules", 0, "missing", "deeper"]) == 2
    assert doc.line_of(["nothing"]) == 1


def test_json_and_toml_have_no_line_map() -> None:
    """JSON and TOML documents carry an empty line map, so line_of gives None."""
    for text, fmt in [('{"a": 1}', "json"), ("a = 1", "toml")]:
        doc = parse_document(text, fmt)
        assert dict(doc.lines) == {}
        assert doc.line_of(["a"]) is None


def test_document_is_frozen() -> None:
    """A Document cannot be changed after parsing."""
    doc = parse_document("a: 1", "yaml")
    assert isinstance(doc, Document)
    with pytest.raises(AttributeError):
        doc.data = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        doc.lines[("b",)] = 2  # type: ignore[index]


# --- hostile input ------------------------------------------------------------------------------


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    """A billion-laughs document is refused with a problem before it is expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    with pytest.raises(CampaignError) as excinfo:
        parse_document("\n".join(lines), "yaml")
    assert "expands to more than" in problems_of(excinfo)[0]


def test_yaml_recursive_alias_is_refused() -> None:
    """An anchor whose node contains an alias to itself is a problem, not an infinite loop."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document("a: &x [1, *x]\n", "yaml")
    assert "contains it" in problems_of(excinfo)[0]


def test_oversized_text_is_refused() -> None:
    """A document over the size limit is refused before parsing."""
    with pytest.raises(CampaignError) as excinfo:
        parse_document("a" * (MAX_BYTES + 1), "yaml")
    assert "larger than" in problems_of(excinfo)[0]


def test_unknown_format_or_mode_is_a_programming_error() -> None:
    """An unknown fmt or json_floats value is a ValueError for the caller, not an input problem."""
    with pytest.raises(ValueError, match="format"):
        parse_document("a: 1", "ini")
    with pytest.raises(ValueError, match="json_floats"):
        parse_document("{}", "json", json_floats="float")


# --- reading files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [("c.yaml", "a: 1.5"), ("c.YML", "a: 1.5"), ("c.json", '{"a": 1.5}'), ("c.toml", "a = 1.5")],
)
def test_read_document_picks_format_from_extension(tmp_path, name: str, text: str) -> None:
    """read_document parses by extension and names the file in the Document."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = read_document(path)
    assert doc.data == {"a": Decimal("1.5")}
    assert type(doc.data["a"]) is Decimal  # type: ignore[index]
    assert doc.file == str(path)


def test_read_document_json_floats_reject(tmp_path) -> None:
    """read_document passes json_floats through to the JSON parser."""
    path = tmp_path / "cart.json"
    path.write_text('{"price": 9.99}', encoding="utf-8")
    assert type(read_document(path, json_floats="reject").data["price"]) is JsonFloat  # type: ignore[index]


def test_read_document_strips_a_utf8_bom(tmp_path) -> None:
    """A UTF-8 byte order mark, as some editors write, does not break JSON."""
    path = tmp_path / "cart.json"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_document(path).data == {"a": 1}


@pytest.mark.parametrize("name", ["cart.txt", "cart", "cart.yaml.bak"])
def test_unknown_extension_uses_given_error_class(tmp_path, name: str) -> None:
    """An unsupported extension raises the error class passed in, listing the accepted ones."""
    path = tmp_path / name
    path.write_text("a: 1", encoding="utf-8")
    with pytest.raises(CartError) as excinfo:
        read_document(path, error=CartError)
    (problem,) = excinfo.value.problems
    assert problem.expected is not None and ".yaml" in problem.expected
    assert ".json" in problem.expected and ".toml" in problem.expected
    assert problem.file == str(path)


def test_missing_file_uses_given_error_class(tmp_path) -> None:
    """A missing file raises the error class passed in, never an OSError."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(CartError) as excinfo:
        read_document(path, error=CartError)
    assert not isinstance(excinfo.value, OSError)
    assert "cannot read the file" in problems_of(excinfo)[0]
    assert excinfo.value.file == str(path)


def test_directory_is_an_input_error(tmp_path) -> None:
    """A directory named like a document is an input error, not an IsADirectoryError."""
    path = tmp_path / "dir.json"
    path.mkdir()
    with pytest.raises(CampaignError):
        read_document(path)


def test_non_utf8_file_is_a_problem_with_line(tmp_path) -> None:
    """A file that is not UTF-8 is a problem pointing at the line of the bad byte."""
    path = tmp_path / "c.yaml"
    path.write_bytes("a: 1\nname: café\nb: 2\n".encode("latin-1"))
    with pytest.raises(CampaignError) as excinfo:
        read_document(path)
    (problem,) = excinfo.value.problems
    assert "UTF-8" in problem.message
    assert problem.line == 2


def test_oversized_file_is_refused(tmp_path) -> None:
    """A file over 10 MB is refused with a problem."""
    path = tmp_path / "big.json"
    path.write_bytes(b" " * (MAX_BYTES + 1))
    with pytest.raises(CampaignError) as excinfo:
        read_document(path)
    assert "larger than" in problems_of(excinfo)[0]


def test_utf8_text_reads_fine(tmp_path) -> None:
    """Chinese text in a UTF-8 file is read as-is."""
    path = tmp_path / "c.yaml"
    path.write_text("name: 双十一 满300减50\n", encoding="utf-8")
    assert read_document(path).data == {"name": "双十一 满300减50"}


@pytest.mark.parametrize("value", [{"campaign": "c", "rules": []}, b"campaign: c\n", None])
def test_parsing_something_that_is_not_text_says_so(value: object) -> None:
    """``parse_campaign`` takes a file's text: handed parsed data or bytes it names what it got
    and where parsed data goes, rather than failing deep inside a parser."""
    with pytest.raises(TypeError, match=f"got {type(value).__name__}; parsed data goes to "
                                        "from_dict"):
        parse_campaign(value)  # type: ignore[arg-type]
