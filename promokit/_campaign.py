"""The compiled campaign users hold, and loading campaign and cart files into it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, partial
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from promokit._cart.cart import Cart
from promokit._cart.wallet import Coupon
from promokit._errors import CampaignError, CartError, InputError, Problem
from promokit._input.documents import Document, parse_document, read_document
from promokit._input.lint import campaign_warnings
from promokit._input.validation import load_cart_data, validate_campaign
from promokit._money import Money
from promokit._result.types import PriceResult
from promokit._spec.campaign import CampaignSpec
from promokit.ledger.base import Ledger
from promokit.ledger.limits import Period, period_key
from promokit.ledger.records import LedgerView, LimitSnapshot
from promokit.pricing.checkout import price
from promokit.pricing.limits import COUPON_KIND, coupon_snapshots, replayed
from promokit.pricing.plan import Plan


@dataclass(frozen=True, slots=True)
class LedgerReading:
    """What :meth:`Campaign.read_ledger` read from a ledger for one customer's carts: price
    with it (``campaign.price(cart, ledger=reading)``) to skip the read; the reservation
    enforces the limits whatever the reading showed."""

    customer: str | None
    at: datetime
    view: LedgerView


class Campaign:
    """A validated, compiled campaign: immutable, safe to share between threads, priced many times.

    >>> campaign = Campaign.from_dict({"campaign": "demo", "currency": "CNY", "rules": [
    ...     {"id": "a-200-20", "kind": "threshold", "stage": "shop", "scope": "shop",
    ...      "min_spend": 200, "discount": 20}]})
    >>> campaign.price({"currency": "CNY", "lines": [{"id": "l1", "sku": "S", "shop": "A",
    ...     "unit_price": "210.00", "quantity": 1}]}).payable
    Money('190.00', 'CNY')
    """

    __slots__ = ("__dict__", "file", "spec")
    spec: CampaignSpec
    file: str | None

    def __init__(self, spec: CampaignSpec, *, file: str | None = None) -> None:
        # a spec built by hand has passed pydantic only: run the whole-campaign checks too
        data = spec.model_dump(mode="json")
        validate_campaign(data)
        self._init(spec, file, campaign_warnings(data))

    def _init(self, spec: CampaignSpec, file: str | None, warnings: list[Problem]) -> None:
        object.__setattr__(self, "spec", spec)
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "_warnings", tuple(warnings))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a Campaign is immutable: cannot set {name!r}; build a new one "
                             "with Campaign(spec) or promokit.load_campaign(path)")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a Campaign is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its validated spec, file and warnings (a process pool or a Dask worker
        compiles the plan again on first use); immutability refuses the default unpickling."""
        return (_restored, (self.spec, self.file, self.warnings))

    @classmethod
    def _checked(cls, doc: Document) -> Campaign:
        """A campaign from a document: validated, with its warnings."""
        spec = validate_campaign(doc.data, doc)
        campaign = cls.__new__(cls)
        campaign._init(spec, doc.file, campaign_warnings(doc.data, doc))
        return campaign

    @classmethod
    def from_dict(cls, data: object, *, file: str | None = None) -> Campaign:
        """Validate and compile a campaign from parsed data."""
        return cls._checked(Document(data, file))

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Likely mistakes in a valid campaign (``percent: 0.85``), each
        located like a problem; ``promokit check`` prints them."""
        return self.__dict__["_warnings"]  # type: ignore[no-any-return]

    @cached_property
    def _plan(self) -> Plan:
        """The compiled pricing plan (rules indexed by what they can match); built on first use."""
        return Plan.build(self.spec)

    @cached_property
    def _periods(self) -> frozenset[Period]:
        """The periods (day, week, month) some limited rule or coupon kind counts in."""
        return frozenset(lim.period for lim in self._plan.limited.values()
                         if lim.period != "never")

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the spec: ties a result to the campaign that made it."""
        return self._plan.fingerprint

    @property
    def id(self) -> str:
        """The campaign id."""
        return self.spec.campaign

    def price(self, cart: Cart | Mapping[str, Any], *, at: datetime | None = None,
              phase: str | None = None, best_coupons: bool = False,
              ledger: Ledger | LedgerReading | None = None,
              order_id: str | None = None) -> PriceResult:
        """Price a cart (a :class:`Cart` or its dict form).

        ``at``: evaluation time (default: the cart's ``at``); ``phase``: ``deposit`` or
        ``balance`` (default) for pre-sale lines; ``best_coupons``: choose the wallet combination
        that minimises the amount due instead of applying ``cart.coupons``; ``order_id``: the
        order this pricing is for, recorded in the result (``promokit.checkout`` records its own).

        ``ledger``: read what is left of every limited rule's and coupon kind's uses, units and
        budget (one snapshot, one statement; nothing is written: ``promokit.checkout``
        reserves), and honour a wallet coupon only as the ledger issued it to this customer,
        unused (its terms are the ledger's, whatever the cart says). The customer's points are
        the ledger's balance, and their history (earlier orders, past spend) the ledger's unless
        the cart states it. Without a ledger limits are not counted. A
        :class:`LedgerReading` (:meth:`read_ledger`) is priced against as it was read.
        """
        if not isinstance(cart, Cart):
            cart = load_cart_data(cart)
        _check_order_id(order_id)
        return self._price(cart, at=at, phase=phase, best_coupons=best_coupons, ledger=ledger,
                           order_id=order_id)

    def reprice(self, stored: PriceResult | Mapping[str, Any]) -> PriceResult:
        """Price a stored result's cart again exactly as it was priced: at its time, in its
        phase, with the coupons it records as chosen (no new best-coupon search), for its order
        id, and, for a result priced against a ledger, with what the ledger's counters made
        pricing do as the result records it (``limit_effects``: a limited rule refused, a
        budget capped), replayed from a frozen view. Pricing is deterministic, so for an
        untouched result of this campaign the new result is the stored one (its ``to_dict()``
        equal): how a stored result is verified.

        ``stored``: a :class:`PriceResult` or its stored form (validated with
        ``PriceResult.from_dict``). A recorded limit effect can only make a rule apply less than
        it would without a ledger; one this campaign could not have produced (a rule without
        that limit, a cap without ``on_exhausted: cap``) is refused.
        """
        if not isinstance(stored, PriceResult):
            stored = PriceResult.from_dict(stored)
        if stored.fingerprint != self.fingerprint:
            raise InputError([Problem(
                f"the result was priced with another campaign ({stored.campaign!r}, "
                f"{stored.fingerprint[:19]}...), not {self.id!r}", path="fingerprint",
                value=stored.fingerprint, expected=self.fingerprint)])
        refused = {c.id for c in stored.coupons if c.reason == "not_issued"}
        self._check_effects(stored)
        return self._price(
            stored.cart, at=stored.at, phase=stored.phase,
            best_coupons=stored.coupon_mode == "best", order_id=stored.order_id,
            chosen=stored.chosen_coupons,
            issued=frozenset(c.id for c in stored.cart.wallet if c.id not in refused)
            if refused else None, replay=replayed(stored.limit_effects))

    def _check_effects(self, stored: PriceResult) -> None:
        """Refuse recorded limit effects this campaign cannot produce for the stored cart."""
        kinds = {f"coupon:{c.id}": c.kind for c in stored.cart.wallet}
        seen: set[str] = set()
        for k, e in enumerate(stored.limit_effects):
            key = e.rule if e.rule not in kinds else COUPON_KIND + kinds[e.rule]
            limits = self._plan.limited.get(key)
            why = None
            if e.rule in seen:
                why = "recorded twice"
            elif limits is None:
                why = "not a limited rule or coupon kind of this campaign"
            elif getattr(limits, e.limit) is None:
                why = f"declares no {e.limit} limit"
            elif e.effect == "capped" and limits.on_exhausted != "cap":
                why = "its budget does not cap (on_exhausted is not cap)"
            elif e.limit != "budget" and e.of != getattr(limits, e.limit):
                why = f"it records a {e.limit} limit of {e.of}, the campaign declares " \
                      f"{getattr(limits, e.limit)}"
            elif e.limit == "budget" and e.left is not None and e.left.minor > (
                    limits.budget_minor(self.spec.currency) or 0):
                why = f"it records {e.left.to_json()} left, more than the budget of " \
                      f"{limits.budget}"
            seen.add(e.rule)
            if why is not None:
                raise InputError([Problem(
                    f"the recorded limit effect on {e.rule!r} cannot be this campaign's: "
                    f"{why}", path=f"limit_effects[{k}]", value=f"{e.limit} {e.effect}",
                    expected="the limit effects pricing against the ledger recorded")])

    def read_ledger(self, ledger: Ledger, cart: Cart | Mapping[str, Any], *,
                    at: datetime | None = None) -> LedgerReading:
        """Read once what pricing ``cart`` against ``ledger`` reads (the counters of every
        limited rule and coupon kind, the customer's points, history and, when the cart has a
        wallet, their coupons), to price it, or that customer's next carts, with
        ``price(cart, ledger=reading)`` without reading again.

        A reading is a view that may be stale by the time the order is placed: pricing with it
        never takes anything. ``ledger.reserve`` (through ``promokit.checkout``, which reads
        afresh) is what enforces every limit, so a stale reading can show a discount the
        reservation then refuses (:class:`~promokit.ledger.LimitReachedError`), never let an
        order take more than is left. A reading is for one customer and one period of the
        counters: pricing another customer's cart, or at a time in another period, with it is
        refused.
        """
        if not isinstance(cart, Cart):
            cart = load_cart_data(cart)
        when = self._when(at or cart.at)
        return LedgerReading(cart.customer.id, when, self._view(ledger, cart, when))

    def _when(self, at: datetime | None) -> datetime:
        """The instant counters are read at: ``at`` (naive: in the campaign's zone), or now."""
        zone = ZoneInfo(self.spec.timezone)
        when = at or datetime.now(zone)
        return when.replace(tzinfo=zone) if when.tzinfo is None else when

    def _view(self, ledger: Ledger, cart: Cart, when: datetime) -> LedgerView:
        # one read: counters, points balance and wallet (a duck-typed ledger without ``view``,
        # such as the simulator's in-memory counters, is read piecewise)
        read = getattr(ledger, "view", None) or partial(Ledger.view, ledger)
        customer = cart.customer.id
        view: LedgerView = read(self._plan.limited, customer=customer, at=when,
                                zone=self.spec.timezone, currency=self.spec.currency,
                                wallet=bool(cart.wallet and customer))
        return view

    def _reading_view(self, reading: LedgerReading, cart: Cart, at: datetime | None
                      ) -> LedgerView:
        """The view of ``reading``, refused for another customer, another period of a counter,
        or a cart with a wallet when the reading has none."""
        customer = cart.customer.id
        problem = None
        if reading.customer != customer:
            problem = Problem("the ledger reading is of another customer", path="ledger",
                              value=reading.customer, expected=f"a reading for {customer!r} "
                              "(Campaign.read_ledger with this cart)")
        elif cart.wallet and customer and reading.view.wallet is None:
            problem = Problem("the cart has a wallet and the ledger reading did not read it",
                              path="ledger", expected="a reading taken for a cart with a wallet")
        elif self._periods:
            when = self._when(at or cart.at)
            keys = {p: period_key(when, p, self.spec.timezone) for p in self._periods}
            for key, snap in reading.view.limits.items():
                limits = self._plan.limited.get(key)
                if limits is not None and limits.period != "never" \
                        and keys[limits.period] != snap.period:
                    problem = Problem(
                        f"the ledger reading counts {key!r} in period {snap.period}, and the "
                        f"cart is priced at {when.isoformat()}, in another", path="ledger",
                        value=snap.period, expected="a reading of the period the cart is "
                        "priced in (read the ledger again)")
                    break
        if problem is not None:
            raise InputError([problem])
        return reading.view

    def _price(self, cart: Cart, *, at: datetime | None, phase: str | None,
               best_coupons: bool, ledger: Ledger | LedgerReading | None = None,
               order_id: str | None, chosen: Sequence[str] | None = None,
               issued: frozenset[str] | None = None,
               replay: Mapping[str, LimitSnapshot] | None = None) -> PriceResult:
        """Price with ``ledger``'s snapshot (read now, or a reading taken before) when given,
        else with ``replay`` (a stored result's recorded limit effects); ``issued`` and
        ``chosen`` go to the engine (:func:`promokit.pricing.checkout.price`)."""
        if ledger is None:
            return price(self._plan, cart, at=at, phase=phase, best_coupons=best_coupons,
                         issued=issued, order_id=order_id, chosen=chosen,
                         limits=replay or None)
        if isinstance(ledger, LedgerReading):
            view = self._reading_view(ledger, cart, at)
        else:
            view = self._view(ledger, cart, self._when(at or cart.at))
        # points are the ledger's balance (a guest has none), whatever the cart says; the
        # customer's history (earlier orders, past spend) is the ledger's unless the cart says
        facts: dict[str, Any] = {}
        if cart.customer.points != view.points:
            facts["points"] = view.points
        history = view.history
        if history is not None:
            if cart.customer.orders is None:
                facts["orders"] = history[0]
            if cart.customer.past_spend is None:
                facts["past_spend"] = Money(history[1], self.spec.currency).amount
        if facts:
            cart = cart.model_copy(update={"customer": cart.customer.model_copy(update=facts)})
        snapshot = coupon_snapshots(view.limits, ((c.id, c.kind) for c in cart.wallet))
        if cart.wallet:
            known = {w.code: w for w in view.wallet or ()}
            issued = frozenset(known)
            wallet = tuple(Coupon.model_validate(known[c.id].to_cart()) if c.id in known else c
                           for c in cart.wallet)
            cart = cart.model_copy(update={"wallet": wallet})
        return price(self._plan, cart, at=at, phase=phase, best_coupons=best_coupons,
                     limits=snapshot, issued=issued, order_id=order_id, chosen=chosen)

    def __repr__(self) -> str:
        return f"<Campaign {self.id!r}: {len(self.spec.rules)} rules, {self.fingerprint[:19]}>"


def _restored(spec: CampaignSpec, file: str | None, warnings: tuple[Problem, ...]
              ) -> Campaign:
    """A campaign from its pickled parts (already validated: no checks again)."""
    campaign = Campaign.__new__(Campaign)
    campaign._init(spec, file, list(warnings))
    return campaign


def _check_order_id(order_id: object) -> None:
    """Refuse an order id a stored result could not hold."""
    if order_id is None:
        return
    if not isinstance(order_id, str) or not order_id.strip() or len(order_id) > 1000:
        raise InputError([Problem("not a usable order id", path="order_id",
                                  value=order_id if isinstance(order_id, str) else
                                  type(order_id).__name__,
                                  expected="a non-empty string of at most 1000 characters")])


def load_campaign(path: str | os.PathLike[str]) -> Campaign:
    """Read, validate and compile a campaign file (YAML, JSON or TOML)."""
    return Campaign._checked(read_document(path, error=CampaignError))


def parse_campaign(text: str, fmt: str = "yaml", *, file: str | None = None) -> Campaign:
    """Validate and compile a campaign from text in ``fmt`` (yaml, json or toml)."""
    return Campaign._checked(parse_document(text, fmt, file=file, error=CampaignError))


def load_cart(path: str | os.PathLike[str]) -> Cart:
    """Read and validate a cart JSON file (money as decimal strings; JSON floats are refused)."""
    doc = read_document(path, error=CartError, json_floats="reject")
    return load_cart_data(doc.data, doc.file)


def plan_of(campaign: Campaign) -> Plan:
    """The compiled plan of ``campaign``: for the library's own views (explain, audit)."""
    return campaign._plan
