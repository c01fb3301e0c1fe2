"""The ``carts()`` strategy: valid carts over a vocabulary or a catalog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from promokit._cart.cart import Cart
from promokit._money import format_minor
from promokit.testing._common import BRANDS, CATEGORIES, SKUS, TAGS, _digits, _int, _minor_range


def carts(
    *,
    currency: str = "CNY",
    shops: Sequence[str] = ("A", "B", "C"),
    catalog: Sequence[Mapping[str, Any]] | None = None,
    max_lines: int = 8,
    max_quantity: int = 5,
    min_price: str = "0.01",
    max_price: str = "999.99",
    at: datetime | st.SearchStrategy[datetime] | None = None,
    tiers: Sequence[str] | None = None,
    customer_tags: Sequence[str] | None = None,
    skus: Sequence[str] = SKUS,
    categories: Sequence[str] = CATEGORIES,
    brands: Sequence[str] = BRANDS,
    tags: Sequence[str] = TAGS,
    shipping: bool = True,
    history: bool = False,
) -> st.SearchStrategy[Cart]:
    """Valid carts in ``currency``: 1 to ``max_lines`` lines with unique ids.

    Without a ``catalog`` each line draws its shop, sku, category, brand and tags from the given
    vocabularies, a unit price in ``[min_price, max_price]`` (rounded inward to the currency's
    minor unit) and a quantity in ``[1, max_quantity]``. With a ``catalog`` (dicts with ``sku`` and
    optionally ``shop``, ``unit_price`` as an amount or a ``(min, max)`` pair, ``category``,
    ``brand``, ``tags``) each line is a catalog entry. ``at`` is a fixed time, a strategy of times,
    or None for no time; ``tiers`` and ``customer_tags`` give the customer's possible tier and
    tags. With ``shipping`` some shops get a fee of up to 20. With ``history`` the customer may
    carry earlier ``orders`` (0 to 5) and a ``past_spend`` (up to 2000), for first-order and
    past-spend gates.

    Shrinks towards one line of quantity 1 at ``min_price`` (or the first catalog entry), from the
    first shop, with no category, brand, tags, shipping or customer tier, and ids in line order.
    """
    digits = _digits(currency)
    if max_lines < 1 or max_quantity < 1:
        raise InvalidArgument(f"max_lines={max_lines} and max_quantity={max_quantity} "
                              "must both be at least 1")
    if not shops:
        raise InvalidArgument("shops must name at least one shop")
    price = _minor_range(min_price, max_price, digits, "price")
    if catalog is not None:
        if not catalog:
            raise InvalidArgument("catalog must hold at least one entry")
        line = st.sampled_from([_catalog_entry(e, shops, price, digits) for e in catalog]) \
            .flatmap(lambda s: s)
    elif not skus:
        raise InvalidArgument("skus must name at least one sku")
    else:
        line = st.fixed_dictionaries({
            "shop": st.sampled_from(tuple(shops)),
            "sku": st.sampled_from(tuple(skus)),
            "unit_price": st.integers(*price),
        }, optional={
            "category": st.sampled_from(tuple(categories)),
            "brand": st.sampled_from(tuple(brands)),
            "tags": st.lists(st.sampled_from(tuple(tags)), max_size=2, unique=True),
        })
    times = at if isinstance(at, st.SearchStrategy) else st.just(at)
    all_shops = tuple(shops) + tuple(str(e["shop"]) for e in catalog or () if "shop" in e)
    fees = st.dictionaries(st.sampled_from(all_shops), st.integers(0, 20 * 10**digits),
                           max_size=len(all_shops) if shipping else 0)
    who: dict[str, st.SearchStrategy[Any]] = {}
    if tiers:
        who["tier"] = st.sampled_from(tuple(tiers))
    if customer_tags:
        who["tags"] = st.lists(st.sampled_from(tuple(customer_tags)), min_size=1, max_size=2,
                               unique=True)
    if history:
        who["orders"] = _int(0, 5)
        who["past_spend"] = st.integers(0, 2000 * 10**digits).map(
            lambda minor: format_minor(minor, digits))
    customer = st.fixed_dictionaries({}, optional=who)
    return _carts(currency, digits, line, max_lines, max_quantity, times, fees, customer)


def _catalog_entry(entry: Mapping[str, Any], shops: Sequence[str], price: tuple[int, int],
                   digits: int) -> st.SearchStrategy[dict[str, Any]]:
    if "sku" not in entry:
        raise InvalidArgument(f"catalog entry {dict(entry)!r} has no sku")
    unknown = set(entry) - {"sku", "shop", "unit_price", "category", "brand", "tags"}
    if unknown:
        raise InvalidArgument(f"catalog entry {entry['sku']!r} has unknown keys {sorted(unknown)}")
    fixed = {k: entry[k] for k in ("sku", "category", "brand") if entry.get(k) is not None}
    fields: dict[str, st.SearchStrategy[Any]] = {k: st.just(v) for k, v in fixed.items()}
    fields["tags"] = st.just(list(entry.get("tags", ())))
    fields["shop"] = st.just(entry["shop"]) if "shop" in entry else st.sampled_from(tuple(shops))
    unit = entry.get("unit_price")
    if isinstance(unit, tuple | list):
        fields["unit_price"] = st.integers(*_minor_range(unit[0], unit[1], digits, "unit_price"))
    elif unit is not None:
        fields["unit_price"] = st.just(_minor_range(unit, unit, digits, "unit_price")[0])
    else:
        fields["unit_price"] = st.integers(*price)
    return st.fixed_dictionaries(fields)


@st.composite
def _carts(draw: st.DrawFn, currency: str, digits: int, line: st.SearchStrategy[dict[str, Any]],
           max_lines: int, max_quantity: int, times: st.SearchStrategy[datetime | None],
           fees: st.SearchStrategy[dict[str, int]],
           customer: st.SearchStrategy[dict[str, Any]]) -> Cart:
    lines = draw(st.lists(line, min_size=1, max_size=max_lines))
    order = draw(st.permutations(range(1, len(lines) + 1)))
    out = []
    for k, raw in zip(order, lines, strict=True):
        quantity = draw(_int(1, max_quantity))
        out.append({**raw, "id": f"l{k}", "quantity": quantity,
                    "unit_price": format_minor(raw["unit_price"], digits)})
    data: dict[str, Any] = {
        "currency": currency, "lines": out,
        "shipping": {s: format_minor(f, digits) for s, f in draw(fees).items()},
    }
    when = draw(times)
    if when is not None:
        data["at"] = when
    who = draw(customer)
    if who:
        data["customer"] = who
    return Cart.model_validate(data)
