"""Which cart lines a rule looks at: by sku, shop, category, brand and tag, with exclusions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from .rules._base import CartLine

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

    @classmethod
    def of(cls, sel: Selection) -> Matcher:
        """Compile a selection."""
        inc = [frozenset(getattr(sel, f)) or None for f in _FIELDS]
        exc = [frozenset(getattr(sel.exclude, f)) for f in _FIELDS]
        return cls(*inc, *exc, presale=sel.presale)

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
        sku, shop, category, brand, tags = line.sku, line.shop, line.category, line.brand, line.tags
        if self.presale is not None and line.presale != self.presale:
            return False
        if self.skus is not None and sku not in self.skus:
            return False
        if self.shops is not None and shop not in self.shops:
            return False
        if self.categories is not None and category not in self.categories:
            return False
        if self.brands is not None and brand not in self.brands:
            return False
        if self.tags is not None and self.tags.isdisjoint(tags):
            return False
        return not (
            sku in self.ex_skus or shop in self.ex_shops or category in self.ex_categories
            or brand in self.ex_brands or not self.ex_tags.isdisjoint(tags)
        )
