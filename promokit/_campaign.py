"""Campaign files: the pydantic model, whole-file validation, and compilation to a pricing plan."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ._documents import Document, parse_document, read_document
from ._errors import CampaignError, CartError
from ._money import MINOR_UNITS, Rounding
from ._types import Percent
from ._validation import DEFAULT_STAGES, load_cart_data, validate_campaign
from .pricing.coupons import CouponPolicy
from .rules import AnyRule
from .rules._base import Env, Overflow, RuleSpec
from .tiers import Points, Tiers, perk_rules

if TYPE_CHECKING:
    from ._cart import Cart
    from ._result import PriceResult
    from .pricing.plan import Plan


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

    @model_validator(mode="after")
    def _references(self) -> Self:
        """Stages named outside the rules exist; perks and limits can take effect."""
        problems = []
        stages = set(self.stages)

        def stage(where: str, name: str | None) -> None:
            if name is not None and name not in stages:
                problems.append(f"{where}: stage {name!r} is not declared in stages "
                                f"(expected one of {', '.join(self.stages)})")

        stage("shipping_stage", self.shipping_stage)
        for tier in self.tiers.levels if self.tiers else ():
            if tier.perks.discount is not None:
                stage(f"tiers.{tier.name}.perks.discount.stage", tier.perks.discount.stage)
            if tier.perks.free_shipping and self.shipping_stage is None:
                problems.append(f"tiers.{tier.name}.perks.free_shipping needs shipping_stage, "
                                "the stage where free shipping applies")
        for kind, policy in (self.coupon_policy.kinds.items() if self.coupon_policy else ()):
            stage(f"coupon_policy.kinds.{kind}.stage", policy.stage)
            if policy.base is not None and policy.stage in self.stages and policy.base not in (
                    "running", "list", *self.stages[:self.stages.index(policy.stage)]):
                problems.append(f"coupon_policy.kinds.{kind}.base: {policy.base!r} is not "
                                f"running, list or a stage before {policy.stage!r}")
            self._base_before(f"coupon_policy.kinds.{kind}", policy.base, policy.stage, problems)
        for rule in self.rules:
            if rule.kind == "free_shipping":
                self._base_before(f"rule {rule.id!r}", rule.base, rule.stage,  # type: ignore[attr-defined]
                                  problems)
        limit = self.presale_limits.max_deposit_percent if self.presale_limits else None
        for rule in self.rules:
            price = getattr(rule, "price", None)
            if rule.kind == "presale" and limit is not None and price is not None \
                    and rule.deposit * 100 > price * limit:  # type: ignore[attr-defined]
                problems.append(f"rule {rule.id!r}: deposit {rule.deposit} is above "  # type: ignore[attr-defined]
                                f"{limit}% of the price {price} (presale_limits)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _base_before(self, where: str, base: str | None, stage: str, problems: list[str]) -> None:
        """A threshold base (or the campaign default it inherits) is judged before ``stage``."""
        if base is not None or stage not in self.stages:
            return  # an explicit base is checked with the raw data; unknown stages elsewhere
        default = self.threshold_base
        if default in self.stages and self.stages.index(default) >= self.stages.index(stage):
            problems.append(f"{where}: inherits threshold_base {default!r}, which is not before "
                            f"its stage {stage!r}; give it a base")

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
        self.spec = spec
        self.file = file

    @classmethod
    def from_dict(cls, data: object, *, file: str | None = None) -> Campaign:
        """Validate and compile a campaign from parsed data."""
        return cls(validate_campaign(data, Document(data, file)), file=file)

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
        from .pricing.plan import Plan

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
        from ._cart import Cart
        from .pricing.checkout import price

        if not isinstance(cart, Cart):
            cart = load_cart_data(cart)
        return price(self, cart, at=at, phase=phase, best_coupons=best_coupons)

    def __repr__(self) -> str:
        return f"<Campaign {self.id!r}: {len(self.spec.rules)} rules, {self.fingerprint[:19]}>"


def load_campaign(path: str | os.PathLike[str]) -> Campaign:
    """Read, validate and compile a campaign file (YAML, JSON or TOML)."""
    doc = read_document(path, error=CampaignError)
    return Campaign(validate_campaign(doc.data, doc), file=doc.file)


def parse_campaign(text: str, fmt: str = "yaml", *, file: str | None = None) -> Campaign:
    """Validate and compile a campaign from text in ``fmt`` (yaml, json or toml)."""
    doc = parse_document(text, fmt, file=file, error=CampaignError)
    return Campaign(validate_campaign(doc.data, doc), file=file)


def load_cart(path: str | os.PathLike[str]) -> Cart:
    """Read and validate a cart JSON file (money as decimal strings; JSON floats are refused)."""
    doc = read_document(path, error=CartError, json_floats="reject")
    return load_cart_data(doc.data, doc.file)
