"""The plain-text receipt is inert on a terminal: ids and messages from a cart or a campaign
cannot carry escape sequences into it, whoever prints it (the CLI, or a caller of receipt())."""

from __future__ import annotations

import promokit

ESC_CART = {"currency": "CNY", "lines": [
    {"id": "l\x1b[31m1", "sku": "S\x1b]0;title\x07", "shop": "A\x9b2J", "unit_price": "10.00",
     "quantity": 1},
    {"id": "l2", "sku": "PLAIN", "shop": "B", "unit_price": "20.00", "quantity": 1}],
    "wallet": [{"id": "c\x1b[1m", "kind": "shop", "value": 1, "shop": "B"}]}


def _receipt() -> str:
    campaign = promokit.Campaign.from_dict({
        "campaign": "t\x1b[2J", "currency": "CNY",
        "coupon_policy": {"kinds": {"shop": {"stage": "shop"}}},
        "rules": [{"id": "r\x1b[31m", "kind": "threshold", "stage": "shop", "scope": "shop",
                   "min_spend": 5, "discount": 1}]})
    return campaign.price(ESC_CART).receipt()


def test_control_characters_are_shown_not_sent() -> None:
    text = _receipt()
    assert not any(ch in text for ch in "\x1b\x07\x9b")
    for shown in ("t\\x1b[2J", "l\\x1b[31m1", "S\\x1b]0;title\\x07", "A\\x9b2J", "r\\x1b[31m",
                  "c\\x1b[1m"):
        assert shown in text, shown


def test_escaped_codes_keep_the_columns() -> None:
    """A code escaped longer than its column moves the numbers to their own line, aligned with
    a plain line's (the width is the escaped text's)."""
    lines = _receipt().splitlines()
    plain = next(ln for ln in lines if "PLAIN" in ln)
    head = lines.index(next(ln for ln in lines if "l\\x1b[31m1" in ln))
    numbers = lines[head + 1]
    assert "=" not in lines[head]
    assert plain.index(" x ") == numbers.index(" x ") and plain.index("=") == numbers.index("=")
