"""What a campaign file declares, validated: the spec the engine and every view read.

A :class:`CampaignSpec` is plain validated data. Compiling it (an index of rules by what they
select) is :mod:`promokit.pricing.plan`; the immutable, priced-many-times object users hold is
:class:`promokit.Campaign`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

from promokit._money import MINOR_UNITS, Rounding
from promokit._spec.coupons import CouponPolicy
from promokit._types import Label, Percent
from promokit.rules import AnyRule, on_change, rule_union
from promokit.rules._base import Env, Overflow, RuleSpec
from promokit.rules._gates import Window
from promokit.tiers import Points, Tiers, perk_rules

DEFAULT_STAGES = ("item", "shop", "cross_store", "platform", "cash")


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


class Names(BaseModel):
    """Display names for the codes a campaign and its carts use: shops, SKUs and tiers.

    A customer's rule page shows these instead of the codes (``A`` -> 茶叶旗舰店).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    shops: dict[str, Label] = Field(default_factory=dict, description="shop code -> name")
    skus: dict[str, Label] = Field(default_factory=dict, description="SKU -> item name")
    tiers: dict[str, Label] = Field(default_factory=dict, description="tier name -> display name")
    categories: dict[str, Label] = Field(default_factory=dict,
                                         description="category code -> name")

    def category(self, code: str, lang: str) -> str:
        """The display name of category ``code`` (the code when it has none)."""
        found = self.categories.get(code)
        return found.get(lang) if found is not None else code

    def shop(self, code: str, lang: str) -> str:
        """The display name of shop ``code`` (the code when it has none)."""
        found = self.shops.get(code)
        return found.get(lang) if found is not None else code

    def sku(self, code: str, lang: str) -> str:
        """The display name of SKU ``code`` (the code when it has none)."""
        found = self.skus.get(code)
        return found.get(lang) if found is not None else code

    def tier(self, code: str, lang: str) -> str:
        """The display name of tier ``code`` (the code when it has none)."""
        found = self.tiers.get(code)
        return found.get(lang) if found is not None else code


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
    # --- display data: the customer's rule page; pricing never reads these ---
    title: Label | None = Field(default=None,
                                description="the campaign's title in zh/en, e.g. 双11狂欢节")
    period: Window | None = Field(
        default=None, description="the whole campaign's start and end (end exclusive), shown as "
                                  "活动时间; naive times are in the campaign's time zone")
    names: Names = Field(default_factory=Names,
                         description="display names of shops, SKUs and tiers")

    def display_title(self, lang: str) -> str:
        """The title a customer reads: ``title``, else ``name``, else the id."""
        return self.title.get(lang) if self.title is not None else (self.name or self.campaign)

    @field_validator("names")
    @classmethod
    def _named_tiers(cls, value: Names, info: ValidationInfo) -> Names:
        tiers = info.data.get("tiers")
        known = {t.name for t in tiers.levels} if isinstance(tiers, Tiers) else set()
        unknown = sorted(set(value.tiers) - known)
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a tier of this campaign; expected "
                             f"one of its tiers: {', '.join(sorted(known)) or '(none)'}")
        return value

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


def compile_env(spec: CampaignSpec) -> Env:
    """What the campaign's rules compile against: currency, rounding, stages, bases, time zone."""
    return Env(currency=spec.currency, digits=MINOR_UNITS[spec.currency], rounding=spec.rounding,
               stages=spec.stages, default_base=spec.threshold_base, overflow=spec.overflow,
               ranks=spec.tiers.ranks if spec.tiers else {},
               limits={k: v for k, v in (spec.presale_limits or PresaleLimits())
                       .model_dump().items() if v is not None},
               tz=ZoneInfo(spec.timezone))


def fingerprint(spec: CampaignSpec) -> str:
    """sha256 of the canonical JSON of the spec: ties a result to the campaign that made it."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    # the order rules are listed in is no input: hash them sorted by id
    data["rules"] = sorted(data.get("rules", []), key=lambda r: r["id"])
    canon = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()


def _accept_registered_kinds() -> None:
    """Rebuild ``CampaignSpec.rules`` for the kinds registered now.

    pydantic builds the discriminated union of ``rules`` when the class is created; a kind
    registered later (or removed) replaces the field's annotation and rebuilds the validator, so
    a campaign file may use exactly the registered kinds.
    """
    rules: Any = tuple[rule_union(), ...]  # type: ignore[misc]
    CampaignSpec.__pydantic_fields__["rules"] = FieldInfo.from_annotated_attribute(rules, ())
    CampaignSpec.model_rebuild(force=True)


on_change(_accept_registered_kinds)
