"""The stored result form: round trips, validation, and use as a pydantic/FastAPI model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel, TypeAdapter

import promokit
from promokit._result.document import ResultDocument
from promokit.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = [(d.name, cart) for d in sorted(EXAMPLES.iterdir()) if (d / "campaign.yaml").exists()
         for cart in sorted(d.glob("cart*.json"))]


def _priced(name: str, cart: Path, best: bool = False) -> promokit.PriceResult:
    campaign = promokit.load_campaign(EXAMPLES / name / "campaign.yaml")
    return campaign.price(promokit.load_cart(cart), best_coupons=best)


@pytest.mark.parametrize(("name", "cart"), CASES, ids=[f"{n}-{c.stem}" for n, c in CASES])
def test_every_example_result_round_trips(name: str, cart: Path) -> None:
    """from_dict(to_dict(r)) == r, through JSON text, for every example cart."""
    result = _priced(name, cart)
    back = promokit.PriceResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert back == result
    assert back.to_dict() == result.to_dict()


@pytest.mark.parametrize(("name", "cart"), CASES, ids=[f"{n}-{c.stem}" for n, c in CASES])
def test_every_example_result_validates_against_the_schema(name: str, cart: Path) -> None:
    """Each example's stored result is a valid ResultDocument (the published schema's model)."""
    ResultDocument.model_validate(_priced(name, cart).to_dict())


def _printed_schema(capsys: pytest.CaptureFixture[str]) -> Draft202012Validator:
    """The schema ``promokit schema --result`` prints, checked to be a valid JSON Schema."""
    assert main(["schema", "--result"]) == 0
    schema = json.loads(capsys.readouterr().out)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_every_example_result_validates_against_the_printed_schema(
        capsys: pytest.CaptureFixture[str]) -> None:
    """Every example cart's result, in both coupon modes, and every checked-in expected file
    validate against the JSON Schema ``promokit schema --result`` prints (a JSON Schema
    validator, not pydantic), and round-trip through from_dict."""
    validator = _printed_schema(capsys)
    docs = [json.loads(json.dumps(_priced(name, cart, best).to_dict()))
            for name, cart in CASES for best in (False, True)]
    docs += [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*/expected*.json"))]
    assert len(docs) >= 20
    for doc in docs:
        errors = [e.message for e in validator.iter_errors(doc)]
        assert errors == [], (doc["campaign"], errors[:3])
        assert promokit.PriceResult.from_dict(doc).to_dict() == doc


def test_the_printed_schema_refuses_what_from_dict_refuses(
        capsys: pytest.CaptureFixture[str]) -> None:
    """The schema is not vacuous: a float payable, an unknown key, a bad coupon mode fail it."""
    validator = _printed_schema(capsys)
    good = _priced("wallet", EXAMPLES / "wallet" / "cart.json", best=True).to_dict()
    for change in ({"payable": 434.55}, {"extra": 1}, {"coupon_mode": "cheapest"},
                   {"timezone": ""}, {"chosen_coupons": "shopA-30"}):
        assert not validator.is_valid({**good, **change}), change


def test_a_format_1_result_is_refused_naming_its_version() -> None:
    """A stored result of the previous format (no time zone, order id or coupon choice) is
    refused by from_dict with a message naming the version (refunds still read it)."""
    data = _priced("double11", EXAMPLES / "double11" / "cart.json").to_dict()
    for key in ("timezone", "order_id", "coupon_mode", "chosen_coupons"):
        del data[key]
    data["format"] = 1
    with pytest.raises(promokit.InputError, match=r"format 1.*price its cart again"):
        promokit.PriceResult.from_dict(data)


def test_checked_in_expected_results_are_valid_documents() -> None:
    """The expected.json files of the examples are stored results of the published form."""
    files = sorted(EXAMPLES.glob("*/expected*.json"))
    assert files
    for path in files:
        promokit.PriceResult.from_dict(json.loads(path.read_text()), file=str(path))


def test_a_price_result_is_a_pydantic_field() -> None:
    """A response model holding a PriceResult serialises it as its stored form and reads it back."""

    class Response(BaseModel):
        result: promokit.PriceResult

    result = _priced("double11", EXAMPLES / "double11" / "cart.json")
    text = Response(result=result).model_dump_json()
    assert json.loads(text)["result"]["payable"] == "434.55"
    assert Response.model_validate_json(text).result == result


def test_the_response_schema_is_the_stored_form() -> None:
    """As a response model (serialisation) a PriceResult has the same schema as for input."""
    adapter = TypeAdapter(promokit.PriceResult)
    assert adapter.json_schema(mode="serialization") == adapter.json_schema(mode="validation")
    assert adapter.json_schema(mode="serialization")["title"] == "promokit price result"


def test_the_schema_uses_standard_keywords() -> None:
    """Bounds are JSON Schema's minimum/maximum, never pydantic's ge/le, and money is a pattern."""
    schema = TypeAdapter(promokit.PriceResult).json_schema(mode="validation")
    text = json.dumps(schema)
    assert '"ge"' not in text and '"le"' not in text
    assert schema["$defs"]["LineDoc"]["properties"]["quantity"]["maximum"] == 100_000
    assert "pattern" in schema["properties"]["payable"]


@pytest.mark.parametrize(("field", "value"), [
    ("payable", 434.55),          # a float, not a decimal string
    ("payable", "1e400"),
    ("format", 3),
    ("phase", "later"),
])
def test_a_malformed_stored_result_is_refused(field: str, value: object) -> None:
    """A stored result with a wrong field is an InputError naming the field."""
    data = _priced("double11", EXAMPLES / "double11" / "cart.json").to_dict()
    data[field] = value
    with pytest.raises(promokit.InputError, match=field):
        promokit.PriceResult.from_dict(data)
