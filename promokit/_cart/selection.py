"""Which cart lines a rule looks at: by sku, shop, category, brand and tag, with exclusions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from promokit.rules._base import CartLine

_FIELDS = ("skus", "shops", "categories", "brands", "tags")


class Exclude(BaseModel):
    """Lines matching any of these are left out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skus: tuple[str, ...] = ()
    shops: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class Selection(BaseModel):
    """Lines matching every given field (any value within a field), minus the exclusions.

    An empty selection, or the string ``all``, selects every line.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    skus: tuple[str, ...] = ()
    shops: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    exclude: Exclude = Exclude()
    presale: bool | None = Field(
        default=None, description="true: only pre-sale lines; false: no pre-sale lines")

    @model_validator(mode="before")
    @classmethod
    def _all(cls, data: Any) -> Any:
        if data == "all" or data is None:
            return {}
        return data

    def describe_parts(self) -> dict[str, tuple[str, ...]]:
        """The non-empty include fields, for descriptions."""
        return {f: getattr(self, f) for f in _FIELDS if getattr(self, f)}


@dataclass(frozen=True, slots=True)
class Matcher:
    """A compiled selection: frozensets, one membership test per field."""

    skus: frozenset[str] | None
    shops: frozenset[str] | None
    categories: frozenset[str] | None
    brands: frozenset[str] | None
    tags: frozenset[str] | None
    ex_skus: frozenset[str]
    ex_shops: frozenset[str]
    ex_categories: frozenset[str]
    ex_brands: frozenset[str]
    ex_tags: frozenset[str]
    presale: bool | None = None
    test: Callable[[CartLine], bool] = field(default=lambda _line: True, compare=False,
                                             repr=False)

    @classmethod
    def of(cls, sel: Selection) -> Matcher:
        """Compile a selection (and its test: only the checks this selection needs)."""
        inc: list[frozenset[str] | None] = [frozenset(getattr(sel, f)) or None for f in _FIELDS]
        exc: list[frozenset[str]] = [frozenset(getattr(sel.exclude, f)) for f in _FIELDS]
        return cls(inc[0], inc[1], inc[2], inc[3], inc[4], exc[0], exc[1], exc[2], exc[3], exc[4],
                   presale=sel.presale, test=_compile(inc, exc, sel.presale))

    @property
    def selects_all(self) -> bool:
        """True when every line matches (no include and no exclude field)."""
        return not any(
            (self.skus, self.shops, self.categories, self.brands, self.tags, self.ex_skus,
             self.ex_shops, self.ex_categories, self.ex_brands, self.ex_tags,
             self.presale is not None)
        )

    def index_key(self) -> tuple[str, frozenset[str]] | None:
        """The most selective include field, used to index rules by what they can match."""
        for name in ("skus", "shops", "categories", "brands", "tags"):
            values = getattr(self, name)
            if values:
                return name, values
        return None

    def matches(self, line: CartLine) -> bool:
        """Does this cart line match?"""
        return self.test(line)


Check = Callable[["CartLine"], bool]


def _compile(inc: list[frozenset[str] | None], exc: list[frozenset[str]],
             presale: bool | None) -> Check:
    """One closure per needed condition, joined: a selection pays only for what it says."""
    skus, shops, cats, brands, tags = inc
    ex_skus, ex_shops, ex_cats, ex_brands, ex_tags = exc
    checks: list[Check] = []
    if presale is not None:
        checks.append(lambda ln: ln.presale == presale)
    if skus:
        checks.append(lambda ln: ln.sku in skus)
    if shops:
        checks.append(lambda ln: ln.shop in shops)
    if cats:
        checks.append(lambda ln: ln.category in cats)
    if brands:
        checks.append(lambda ln: ln.brand in brands)
    if tags:
        checks.append(lambda ln: not tags.isdisjoint(ln.tags))
    if ex_skus:
        checks.append(lambda ln: ln.sku not in ex_skus)
    if ex_shops:
        checks.append(lambda ln: ln.shop not in ex_shops)
    if ex_cats:
        checks.append(lambda ln: ln.category not in ex_cats)
    if ex_brands:
        checks.append(lambda ln: ln.brand not in ex_brands)
    if ex_tags:
        checks.append(lambda ln: ex_tags.isdisjoint(ln.tags))
    if not checks:
        return lambda _ln: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda ln: first(ln) and second(ln)
    return lambda ln: all(check(ln) for check in checks)
