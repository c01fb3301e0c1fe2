"""Campaign files: the pydantic model, whole-file validation, and compilation to a pricing plan."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from promokit._errors import CampaignError, CartError
from promokit._input.documents import Document, parse_document, read_document
from promokit._input.validation import DEFAULT_STAGES, load_cart_data, validate_campaign
from promokit._money import MINOR_UNITS, Rounding
from promokit._types import Percent
from promokit.pricing.coupons import CouponPolicy
from promokit.rules import AnyRule
from promokit.rules._base import Env, Overflow, RuleSpec
from promokit.tiers import Points, Tiers, perk_rules

if TYPE_CHECKING:
    from promokit._cart.cart import Cart
    from promokit._result.types import PriceResult
    from promokit.pricing.plan import Plan


class ExclusiveGroup(BaseModel):
    """Rules of one group never stack: ``first`` by priority applies, or the ``best`` saving."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pick: Literal["first", "best"] = "first"
    name: str | None = None


class PresaleLimits(BaseModel):
    """Platform limits on pre-sale terms, checked against every pre-sale line's price."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_deposit_percent: Percent | None = Field(
        default=None, description="e.g. 20: a deposit may be at most 20% of the price")


class CampaignSpec(BaseModel):
    """A campaign file, validated. See docs/campaign-format.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: str = Field(min_length=1, description="campaign id, e.g. double11-2026")
    name: str | None = None
    currency: str
    timezone: str = "UTC"
    rounding: Rounding = Rounding.HALF_UP
    stages: tuple[str, ...] = Field(default=DEFAULT_STAGES, min_length=1)
    threshold_base: str = Field(default="running",
                                description="running, list, or a stage name (after that stage)")
    overflow: Overflow = "lose"
    exclusive_groups: dict[str, ExclusiveGroup] = Field(default_factory=dict)
    rules: tuple[AnyRule, ...] = ()
    tiers: Tiers | None = None
    points: Points | None = None
    shipping_stage: str | None = Field(
        default=None, description="the stage where free-shipping perks apply")
    coupon_policy: CouponPolicy | None = None
    presale_limits: PresaleLimits | None = None

    def all_rules(self) -> tuple[RuleSpec, ...]:
        """The campaign's rules plus those its tier perks compile to."""
        perks = [r for t in (self.tiers.levels if self.tiers else ())
                 for r in perk_rules(t, self.shipping_stage, self.tiers.cumulative)]  # type: ignore[union-attr]
        return (*self.rules, *perks)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if value not in MINOR_UNITS:
            raise ValueError(f"unknown currency {value!r}; expected an ISO 4217 code "
                             "such as CNY, USD, EUR, JPY")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; expected an IANA name such as "
                             "Asia/Shanghai") from None
        return value


# --- the compiled campaign -------------------------------------------------------------------

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

    def __init__(self, spec: CampaignSpec, *, file: str | None = None) -> None:
        # a spec built by hand has passed pydantic only: run the whole-campaign checks too
        validate_campaign(spec.model_dump(mode="json"))
        self._init(spec, file)

    def _init(self, spec: CampaignSpec, file: str | None) -> None:
        self.spec = spec
        self.file = file

    @classmethod
    def _checked(cls, spec: CampaignSpec, file: str | None) -> Campaign:
        """A campaign from a spec that validate_campaign produced (not checked twice)."""
        campaign = cls.__new__(cls)
        campaign._init(spec, file)
        return campaign

    @classmethod
    def from_dict(cls, data: object, *, file: str | None = None) -> Campaign:
        """Validate and compile a campaign from parsed data."""
        return cls._checked(validate_campaign(data, Document(data, file)), file)

    @cached_property
    def env(self) -> Env:
        """What rules compile against."""
        s = self.spec
        return Env(currency=s.currency, digits=MINOR_UNITS[s.currency], rounding=s.rounding,
                   stages=s.stages, default_base=s.threshold_base, overflow=s.overflow,
                   ranks=s.tiers.ranks if s.tiers else {},
                   limits={k: v for k, v in (s.presale_limits or PresaleLimits())
                           .model_dump().items() if v is not None},
                   tz=ZoneInfo(s.timezone))

    @cached_property
    def plan(self) -> Plan:
        """The compiled pricing plan (rules indexed by what they can match)."""
        from promokit.pricing.plan import Plan

        return Plan.build(self.spec, self.env)

    @cached_property
    def fingerprint(self) -> str:
        """sha256 of the canonical JSON of the spec: ties a result to the campaign that made it."""
        data = self.spec.model_dump(mode="json", exclude_defaults=True)
        # the order rules are listed in is no input: hash them sorted by id
        data["rules"] = sorted(data.get("rules", []), key=lambda r: r["id"])
        canon = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()

    @property
    def id(self) -> str:
        """The campaign id."""
        return self.spec.campaign

    def price(self, cart: Cart | Mapping[str, Any], *, at: datetime | None = None,
              phase: str | None = None, best_coupons: bool = False) -> PriceResult:
        """Price a cart (a :class:`Cart` or its dict form).

        ``at``: evaluation time (default: the cart's ``at``); ``phase``: ``deposit`` or
        ``balance`` (default) for pre-sale lines; ``best_coupons``: choose the wallet combination
        that minimises the amount due instead of applying ``cart.coupons``.
        """
        from promokit._cart.cart import Cart
        from promokit.pricing.checkout import price

        if not isinstance(cart, Cart):
            cart = load_cart_data(cart)
        return price(self, cart, at=at, phase=phase, best_coupons=best_coupons)

    def __repr__(self) -> str:
        return f"<Campaign {self.id!r}: {len(self.spec.rules)} rules, {self.fingerprint[:19]}>"


def load_campaign(path: str | os.PathLike[str]) -> Campaign:
    """Read, validate and compile a campaign file (YAML, JSON or TOML)."""
    doc = read_document(path, error=CampaignError)
    return Campaign._checked(validate_campaign(doc.data, doc), doc.file)


def parse_campaign(text: str, fmt: str = "yaml", *, file: str | None = None) -> Campaign:
    """Validate and compile a campaign from text in ``fmt`` (yaml, json or toml)."""
    doc = parse_document(text, fmt, file=file, error=CampaignError)
    return Campaign._checked(validate_campaign(doc.data, doc), file)


def load_cart(path: str | os.PathLike[str]) -> Cart:
    """Read and validate a cart JSON file (money as decimal strings; JSON floats are refused)."""
    doc = read_document(path, error=CartError, json_floats="reject")
    return load_cart_data(doc.data, doc.file)
