"""examples/fastapi: the shop backend prices, refunds and serves the rule page (TestClient)."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from promokit.refunds import sign

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
KEY = "test-key-0123456789abcdef"
HEADER = "X-Promokit-Signature"


def _load_app() -> ModuleType:
    spec = importlib.util.spec_from_file_location("promokit_fastapi_example",
                                                  EXAMPLES / "fastapi" / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves the app's annotations through it
    spec.loader.exec_module(module)
    return module


shop = _load_app()


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(shop.create_app(key=KEY)) as c:  # `with`: runs the startup (campaign load)
        yield c


@pytest.fixture(scope="module")
def priced(client: TestClient) -> tuple[dict[str, Any], str]:
    """The double11 example cart priced by the server: its result and signature."""
    r = client.post("/price", json=_json(EXAMPLES / "double11" / "cart.json"))
    assert r.status_code == 200, r.text
    return r.json(), r.headers[HEADER]


def _refund(client: TestClient, result: dict[str, Any], signature: str,
            returns: dict[str, int], **more: Any) -> Any:
    return client.post("/refund", json={"result": result, "signature": signature,
                                        "returns": returns, **more})


def test_price_the_double11_cart(priced: tuple[dict[str, Any], str]) -> None:
    """The response is the stored result the CLI would write, signed with the server's key."""
    result, signature = priced
    assert result["payable"] == "434.55"
    assert result == _json(EXAMPLES / "double11" / "expected.json")
    assert signature == sign(result, KEY)["signature"]


def test_the_openapi_schema_has_the_result_schema_in_standard_keywords(
        client: TestClient) -> None:
    """/price answers with the published result schema; /refund reads the same one back."""
    doc = client.get("/openapi.json").json()
    price = doc["paths"]["/price"]["post"]
    out = price["responses"]["200"]["content"]["application/json"]["schema"]
    stored = doc["components"]["schemas"]["RefundRequest"]["properties"]["result"]
    for schema in (out, stored):
        assert "payable" in schema["required"]
        assert "pattern" in schema["properties"]["payable"]
        text = json.dumps(schema)
        assert '"ge"' not in text and '"le"' not in text
    assert doc["components"]["schemas"]["LineDoc"]["properties"]["quantity"]["maximum"] == 100_000
    body = price["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Cart"}
    assert [p["name"] for p in price["parameters"]] == ["best_coupons"]


def test_a_malformed_cart_is_422_naming_the_field(client: TestClient) -> None:
    cart = _json(EXAMPLES / "double11" / "cart.json")
    cart["lines"][0]["quantity"] = "two"
    r = client.post("/price", json=cart)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "lines", 0, "quantity"]]


def test_a_cart_in_another_currency_is_422_with_a_message(client: TestClient) -> None:
    cart = _json(EXAMPLES / "double11" / "cart.json")
    cart["currency"] = "USD"
    r = client.post("/price", json=cart)
    assert r.status_code == 422
    assert r.json()["error"] == "CartPricingError"
    assert (r.json()["code"], r.json()["path"]) == ("currency_mismatch", "currency")
    assert "USD" in r.json()["message"]


def test_refund_round_trip(client: TestClient, priced: tuple[dict[str, Any], str]) -> None:
    """Partial refunds chained through `earlier` add up to exactly what the order cost."""
    result, signature = priced
    first = _refund(client, result, signature, {"l1": 1})
    assert first.status_code == 200, first.text
    assert first.json()["amount"] == "89.27"
    assert first.json()["signature"].startswith("hmac-sha256:")
    rest = {x["id"]: x["quantity"] for x in result["lines"]} | {"l1": 1}
    second = _refund(client, result, signature, rest, earlier=[first.json()])
    assert second.status_code == 200, second.text
    assert second.json()["sequence"] == 2 and second.json()["full_return"] is True
    total = sum(int(r.json()["amount"].replace(".", "")) for r in (first, second))
    assert total == 43455  # 434.55, shipping included


def test_an_earlier_refund_edited_by_the_client_is_refused(
        client: TestClient, priced: tuple[dict[str, Any], str]) -> None:
    result, signature = priced
    first = _refund(client, result, signature, {"l1": 1}).json()
    r = _refund(client, result, signature, {"l2": 1}, earlier=[{**first, "amount": "1.00"}])
    assert r.status_code == 422
    assert "amount" not in r.json()


@pytest.mark.parametrize("tamper", ["payable", "unit_price", "quantity"])
def test_a_tampered_stored_result_is_refused(client: TestClient,
                                             priced: tuple[dict[str, Any], str],
                                             tamper: str) -> None:
    """The client's copy is edited after it was signed: no payout, a 4xx naming why."""
    result, signature = priced
    forged = json.loads(json.dumps(result))
    if tamper == "payable":
        forged["payable"] = "534.55"
    elif tamper == "unit_price":  # consistently everywhere: passes every sum, not the signature
        forged["cart"]["lines"][0]["unit_price"] = "228.00"
    else:
        forged["lines"][0]["quantity"] = 20
    r = _refund(client, forged, signature, {"l1": 1})
    assert 400 <= r.status_code < 500
    assert "amount" not in r.json()
    assert r.json()["error"] == "RefundError"
    assert any(p["path"] == "result.signature" for p in r.json()["problems"])


@pytest.mark.parametrize("signature", ["", "hmac-sha256:" + "0" * 64, "other-key"])
def test_a_refund_without_a_valid_signature_is_refused(
        client: TestClient, priced: tuple[dict[str, Any], str], signature: str) -> None:
    result, _ = priced
    if signature == "other-key":
        signature = sign(result, "another-key-0123456789")["signature"]
    r = _refund(client, result, signature, {"l1": 1})
    assert r.status_code == 422
    assert "amount" not in r.json()
    assert [p["path"] for p in r.json()["problems"]] == ["result.signature"]


def test_a_refund_with_no_signature_at_all_is_422(
        client: TestClient, priced: tuple[dict[str, Any], str]) -> None:
    r = client.post("/refund", json={"result": priced[0], "returns": {"l1": 1}})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "signature"]]


def test_returning_an_unknown_line_is_422_with_the_problems(
        client: TestClient, priced: tuple[dict[str, Any], str]) -> None:
    r = _refund(client, *priced, {"nope": 1})
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert problem["path"] == "returns" and problem["value"] == "nope"
    assert problem["message"] == "unknown line"


def test_the_rule_page(client: TestClient) -> None:
    r = client.get("/campaign/rules", params={"lang": "zh"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in r.text and "活动规则" in r.text
    assert "活动时间" in r.text and "x-300-50" not in r.text   # the customer's page, no rule ids
    assert client.get("/campaign/rules", params={"lang": "en"}).status_code == 200
    assert client.get("/campaign/rules", params={"lang": "fr"}).status_code == 422


def test_the_campaign_path_and_key_come_from_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another campaign by env var; reprice refunds re-price under it (examples/refund/README)."""
    monkeypatch.setenv("PROMOKIT_CAMPAIGN", str(EXAMPLES / "refund" / "campaign.yaml"))
    monkeypatch.setenv("PROMOKIT_SIGNING_KEY", KEY)
    with TestClient(shop.create_app()) as c:
        cart = _json(EXAMPLES / "refund" / "cart.json")
        r = c.post("/price", json=cart)
        assert r.json()["campaign"] == "refund-demo"
        allocated = _refund(c, r.json(), r.headers[HEADER], {"b1": 1})
        reprice = _refund(c, r.json(), r.headers[HEADER], {"b1": 1}, policy="reprice")
        assert (allocated.json()["amount"], reprice.json()["amount"]) == ("580.70", "570.00")
        best = c.post("/price", json=cart, params={"best_coupons": True})
        assert best.status_code == 200
        assert int(best.json()["payable"].replace(".", "")) \
            <= int(r.json()["payable"].replace(".", ""))
        again = _refund(c, best.json(), best.headers[HEADER], {"b1": 1}, policy="reprice")
        assert again.status_code == 200, again.text


def test_no_key_no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROMOKIT_SIGNING_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PROMOKIT_SIGNING_KEY"):
        shop.create_app()
    with pytest.raises(RuntimeError, match="16"):
        shop.create_app(key="short")


def test_a_signed_result_of_another_campaign_is_refused(
        priced: tuple[dict[str, Any], str]) -> None:
    """A valid signature is not enough: the refund re-prices under this server's campaign."""
    app = shop.create_app(EXAMPLES / "refund" / "campaign.yaml", key=KEY)
    with TestClient(app) as other:
        r = _refund(other, *priced, {"l1": 1})
    assert r.status_code == 422
    assert "amount" not in r.json()
    assert "not the one this order was priced with" in r.json()["problems"][0]["message"]
