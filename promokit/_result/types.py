"""The typed, immutable result of pricing a cart; ``to_dict()`` is its JSON form."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from promokit._cart.cart import Cart
from promokit._errors import InputError, Problem
from promokit._money import Money
from promokit._result.document import PresaleDoc, ResultDocument
from promokit._result.receipt import render_text

if TYPE_CHECKING:
    from promokit._spec.campaign import CampaignSpec

RESULT_FORMAT = 2  # bump when the JSON form changes incompatibly
#: Stored results of these formats are still read by refunds (format 1 did not record the time
#: zone, the order id or the coupons chosen); ``from_dict`` reads only ``RESULT_FORMAT``.
READABLE_FORMATS = (1, RESULT_FORMAT)

#: Renders a result as an explanation: (result, lang, fmt, templates) -> text.
Explainer = Callable[["PriceResult", str, str, "str | None"], str]
#: The explainer :meth:`PriceResult.explain` calls. The result sits below the explanation layer
#: and may not import it; :mod:`promokit.explain` installs itself here when it is imported (and
#: ``import promokit`` imports it), so the dependency points down, not up.
_EXPLAINERS: list[Explainer] = []


def install_explainer(explainer: Explainer) -> None:
    """Make ``explainer`` the one :meth:`PriceResult.explain` uses (called by promokit.explain)."""
    _EXPLAINERS[:] = [explainer]

T = TypeVar("T")


class Records(Sequence[T]):
    """An immutable sequence of result records, built on first use.

    Pricing computes every number of the trace; turning them into typed records costs more than
    the pricing itself, so a caller that only reads ``payable`` does not pay for it. Compares
    equal to a tuple with the same records; safe to share between threads (a race builds the
    same records twice and keeps one).
    """

    __slots__ = ("_items", "_json", "_make")

    def __init__(self, make: Callable[[], tuple[T, ...]],
                 as_json: Callable[[], list[dict[str, Any]]] | None = None) -> None:
        self._make = make
        self._json = as_json  # the records' JSON form, made straight from the engine's numbers
        self._items: tuple[T, ...] | None = None

    def _all(self) -> tuple[T, ...]:
        items = self._items
        if items is None:
            items = self._items = self._make()
        return items

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Records):
            other = other._all()
        return self._all() == other if isinstance(other, tuple) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@dataclass(frozen=True, slots=True)
class LineDiscount:
    """One rule's share of a line's discount."""

    rule: str
    stage: str
    amount: Money
    funded_by: str


@dataclass(frozen=True, slots=True)
class LineResult:
    """A priced line: what it cost, what each rule took off, and its net."""

    id: str
    sku: str
    shop: str
    quantity: int
    unit_price: Money
    subtotal: Money
    discounts: tuple[LineDiscount, ...]
    discount: Money
    net: Money
    prepaid: Money              # paid in an earlier phase (a pre-sale deposit)
    due: Money                  # net - prepaid: what this line adds to the charge now
    presale: dict[str, Any] | None = None   # deposit, counts_as, boost, ... (money as Money)


@dataclass(frozen=True, slots=True)
class ShopResult:
    """One shop's totals, with who funds its discounts (for settlement)."""

    shop: str
    subtotal: Money
    discount: Money
    merchant_funded: Money      # of discount + shipping_discount
    platform_funded: Money      # of discount + shipping_discount (the platform reimburses it)
    shipping_fee: Money
    shipping_discount: Money
    shipping: Money             # the fee after shipping rules and coupons
    payable: Money              # subtotal - discount + shipping


@dataclass(frozen=True, slots=True)
class Applied:
    """A rule that applied (once per shop for shop-scoped thresholds)."""

    rule: str
    kind: str
    stage: str
    amount: Money
    base: Money
    times: int
    shop: str | None
    funded_by: str
    allocations: tuple[tuple[str, Money], ...]   # (line id, amount), in line order
    lost: Money                                  # asked for but not given: lines were at zero
    detail: str = ""
    shipping: tuple[tuple[str, Money], ...] = ()  # (shop, amount) taken off shipping fees


@dataclass(frozen=True, slots=True)
class NotApplied:
    """A rule that matched lines but did not apply, with a reason code from ``Reason``."""

    rule: str
    kind: str
    stage: str
    reason: str
    message: str
    shop: str | None = None
    shortfall: Money | None = None
    would_save: Money | None = None
    next_open: datetime | None = None
    need: int | None = None      # units needed (below_quantity, not_enough_units)
    has: int | None = None       # units in the cart that count
    by: str | None = None        # excluded: the rule of the group that applied instead


@dataclass(frozen=True, slots=True)
class CouponUse:
    """What became of one wallet coupon: applied (and how much) or why not.

    ``left_out_by``, for reason ``not_chosen`` only: ``"cart"`` when the cart did not select
    it, ``"search"`` when the best-coupon search found a combination without it that pays no
    more.
    """

    id: str
    kind: str
    applied: bool
    amount: Money
    reason: str | None = None
    message: str = ""
    shortfall: Money | None = None    # below its threshold by this much ...
    would_save: Money | None = None   # ... to save this much
    left_out_by: str | None = None


@dataclass(frozen=True, slots=True)
class PointsUse:
    """Points paid with (a payment, not a discount) and points earned by this order."""

    used: int
    value: Money
    earned: int
    multiplier: Decimal


@dataclass(frozen=True, slots=True)
class Nudge:
    """How much more to spend to save more: "add 37.00 more to save 50.00"."""

    rule: str
    shop: str | None
    shortfall: Money
    would_save: Money

    @property
    def message(self) -> str:
        """The nudge in plain English."""
        return f"add {self.shortfall.to_json()} more to save {self.would_save.to_json()}"


@dataclass(frozen=True, slots=True)
class LimitEffect:
    """What a ledger's counters made pricing do to one limited rule (or wallet coupon, rule
    ``coupon:<id>``): ``refused`` for ``limit`` (``uses``, ``per_customer``, ``units``,
    ``per_customer_units`` or ``budget``), or ``capped`` to the budget ``left``. A count records
    the counter as read (``of``: the limit, ``used``, ``reserved``); a budget what was
    ``left``. ``Campaign.reprice`` replays them."""

    rule: str
    limit: str
    effect: str
    left: Money | None = None
    of: int | None = None
    used: int | None = None
    reserved: int | None = None


@dataclass(frozen=True, slots=True)
class PriceResult:
    """What to charge and why: totals, every line's net, every rule applied or not."""

    campaign: str
    fingerprint: str
    currency: str
    at: datetime | None
    subtotal: Money
    discount_total: Money
    shipping_total: Money
    payable: Money
    lines: Sequence[LineResult]        # in cart order (a tuple, or Records built on first use)
    shops: Sequence[ShopResult]        # sorted by shop
    applied: Sequence[Applied]         # in the order rules applied
    not_applied: Sequence[NotApplied]
    nudges: Sequence[Nudge]            # smallest shortfall first
    total: Money               # line nets + shipping: what the order is worth, over all phases
    prepaid_total: Money       # deposits paid in an earlier phase
    shipping_fee_total: Money  # shipping before shipping rules and coupons
    phase: str                 # "deposit" or "balance" (the default; also carts with no pre-sale)
    tier: str | None
    points: PointsUse | None
    coupons: tuple[CouponUse, ...]
    cart: Cart
    timezone: str              # the campaign's time zone (IANA): how naive times were read
    order_id: str | None = None
    coupon_mode: str = "selected"   # "selected" (cart.coupons) or "best" (best_coupons=True)
    #: the wallet coupons priced as the combination, in the order chosen: re-pricing a stored
    #: result prices exactly these (``Campaign.reprice``)
    chosen_coupons: tuple[str, ...] = ()
    #: priced against a ledger: the limited rules its counters refused or capped, in the order
    #: pricing met them (none without a ledger, or when no limit bit)
    limit_effects: tuple[LimitEffect, ...] = ()
    spec: CampaignSpec | None = field(default=None, repr=False, compare=False)

    def line(self, line_id: str) -> LineResult:
        """The priced line with this id."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)

    def explain(self, lang: str = "en", fmt: str = "text", templates: str | None = None) -> str:
        """A step-by-step explanation (优惠明细) in ``lang`` (en, zh) as text, md or html."""
        if not _EXPLAINERS:
            raise RuntimeError("promokit.explain is not imported; import promokit first")
        return _EXPLAINERS[0](self, lang, fmt, templates)

    def receipt(self) -> str:
        """A plain-text receipt: lines, each discount, shop totals, payable and nudges."""
        return render_text(self)

    @classmethod
    def from_dict(cls, data: object, *, file: str | None = None) -> PriceResult:
        """Validate a stored result (the form ``to_dict`` writes) and rebuild it.

        Checks the shape, every amount's form and the recorded cart; it does not re-price
        (a refund verifies a stored result further).
        """
        return _from_dict(data, file)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: GetCoreSchemaHandler
                                     ) -> CoreSchema:
        """A PriceResult as a pydantic field or FastAPI response model: its stored form."""
        return core_schema.no_info_plain_validator_function(
            lambda v: v if isinstance(v, PriceResult) else _from_dict(v, None),
            json_schema_input_schema=handler(ResultDocument),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda r: r.to_dict()))

    @classmethod
    def __get_pydantic_json_schema__(cls, core: CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        """The JSON Schema of the stored form, for requests and responses alike."""
        return handler(ResultDocument.__pydantic_core_schema__)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: money as decimal strings; carries the cart for refunds and re-pricing."""
        return {
            "format": RESULT_FORMAT,
            "campaign": self.campaign,
            "fingerprint": self.fingerprint,
            "currency": self.currency,
            "timezone": self.timezone,
            "order_id": self.order_id,
            "at": self.at.isoformat() if self.at else None,
            "coupon_mode": self.coupon_mode,
            "chosen_coupons": list(self.chosen_coupons),
            "phase": self.phase,
            "tier": self.tier,
            "subtotal": self.subtotal.to_json(),
            "discount_total": self.discount_total.to_json(),
            "shipping_fee_total": self.shipping_fee_total.to_json(),
            "shipping_total": self.shipping_total.to_json(),
            "total": self.total.to_json(),
            "prepaid_total": self.prepaid_total.to_json(),
            "points": _jsonable(self.points) if self.points else None,
            "payable": self.payable.to_json(),
            "coupons": [_jsonable(c) for c in self.coupons],
            "lines": _json_of(self.lines, _line),
            "shops": _json_of(self.shops, _jsonable),
            "applied": _json_of(self.applied, _applied),
            "not_applied": _json_of(self.not_applied, _jsonable),
            "nudges": _json_of(self.nudges, _nudge),
            # only when a ledger's limit bit: every other result keeps the form it always had
            **({"limit_effects": [_jsonable(e) for e in self.limit_effects]}
               if self.limit_effects else {}),
            "cart": self.cart.model_dump(mode="json", exclude_none=True),
        }


def _json_of(records: Sequence[Any], convert: Callable[[Any], dict[str, Any]]
             ) -> list[dict[str, Any]]:
    """The JSON form of a record sequence: straight from the engine's numbers when the result
    was just priced (no typed records made), else record by record."""
    if type(records) is Records and records._json is not None:
        return records._json()
    return [convert(x) for x in records]


def _nudge(nudge: Nudge) -> dict[str, Any]:
    return {**_jsonable(nudge), "message": nudge.message}


def _plain(value: object) -> object:
    convert = _CONVERT.get(type(value))
    return value if convert is None else convert(value)


_CONVERT: dict[type, Callable[[Any], object]] = {
    Money: Money.to_json,
    datetime: datetime.isoformat,
    Decimal: str,
    dict: lambda d: {k: _plain(v) for k, v in d.items()},
}


def _jsonable(obj: object) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in obj.__slots__}  # type: ignore[attr-defined]


def _line(line: LineResult) -> dict[str, Any]:
    data = _jsonable(line)
    data["discounts"] = [_jsonable(d) for d in line.discounts]
    return data


def _applied(applied: Applied) -> dict[str, Any]:
    data = _jsonable(applied)
    data["allocations"] = {line: amount.to_json() for line, amount in applied.allocations}
    data["shipping"] = {shop: amount.to_json() for shop, amount in applied.shipping}
    return data


def _from_dict(data: object, file: str | None) -> PriceResult:
    """Validate a stored result and rebuild the :class:`PriceResult` it records.

    Checks the shape and every amount's form, and that the recorded cart is a valid cart; it
    does not re-price. A refund verifies a stored result further (see ``promokit.refund``).
    """
    if isinstance(data, Mapping) and data.get("format") in READABLE_FORMATS \
            and data.get("format") != RESULT_FORMAT:
        raise InputError([Problem(
            f"a price result of format {data.get('format')}, which does not record the "
            "campaign's time zone, the order id or the coupons chosen, so it cannot be read "
            "back as a PriceResult; price its cart again (promokit.refund still reads it)",
            path="format", value=data.get("format"), file=file,
            expected=f"format {RESULT_FORMAT}")], file)
    try:
        doc = ResultDocument.model_validate(data)
        cart = Cart.model_validate(doc.cart)
    except ValidationError as exc:
        raise InputError([Problem(err["msg"], path=".".join(str(p) for p in err["loc"]),
                                  file=file, expected=None)
                          for err in exc.errors(include_url=False)[:20]], file) from None
    cur = doc.currency

    def m(text: str) -> Money:
        return Money.of(text, cur)

    def om(text: str | None) -> Money | None:
        return None if text is None else m(text)

    return PriceResult(
        campaign=doc.campaign, fingerprint=doc.fingerprint, currency=cur, at=doc.at,
        subtotal=m(doc.subtotal), discount_total=m(doc.discount_total),
        shipping_total=m(doc.shipping_total), payable=m(doc.payable),
        lines=tuple(LineResult(
            id=x.id, sku=x.sku, shop=x.shop, quantity=x.quantity, unit_price=m(x.unit_price),
            subtotal=m(x.subtotal),
            discounts=tuple(LineDiscount(d.rule, d.stage, m(d.amount), d.funded_by)
                            for d in x.discounts),
            discount=m(x.discount), net=m(x.net), prepaid=m(x.prepaid), due=m(x.due),
            presale=_presale(x.presale, cur)) for x in doc.lines),
        shops=tuple(ShopResult(
            s.shop, m(s.subtotal), m(s.discount), m(s.merchant_funded), m(s.platform_funded),
            m(s.shipping_fee), m(s.shipping_discount), m(s.shipping), m(s.payable))
            for s in doc.shops),
        applied=tuple(Applied(
            a.rule, a.kind, a.stage, m(a.amount), m(a.base), a.times, a.shop, a.funded_by,
            tuple((k, m(v)) for k, v in a.allocations.items()), m(a.lost), a.detail,
            tuple((k, m(v)) for k, v in a.shipping.items())) for a in doc.applied),
        not_applied=tuple(NotApplied(
            n.rule, n.kind, n.stage, n.reason, n.message, n.shop, om(n.shortfall),
            om(n.would_save), n.next_open, n.need, n.has, n.by) for n in doc.not_applied),
        nudges=tuple(Nudge(n.rule, n.shop, m(n.shortfall), m(n.would_save))
                     for n in doc.nudges),
        total=m(doc.total), prepaid_total=m(doc.prepaid_total),
        shipping_fee_total=m(doc.shipping_fee_total), phase=doc.phase, tier=doc.tier,
        points=PointsUse(doc.points.used, m(doc.points.value), doc.points.earned,
                         Decimal(doc.points.multiplier)) if doc.points else None,
        coupons=tuple(CouponUse(c.id, c.kind, c.applied, m(c.amount), c.reason, c.message,
                                om(c.shortfall), om(c.would_save), c.left_out_by)
                      for c in doc.coupons),
        cart=cart, timezone=doc.timezone, order_id=doc.order_id, coupon_mode=doc.coupon_mode,
        chosen_coupons=tuple(doc.chosen_coupons),
        limit_effects=tuple(LimitEffect(e.rule, e.limit, e.effect, om(e.left), e.of, e.used,
                                        e.reserved) for e in doc.limit_effects))


def _presale(doc: PresaleDoc | None, currency: str) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {k: v if k in ("rule", "forfeited") else Money.of(v, currency)
            for k, v in doc.model_dump().items()}
