"""Validated field types shared by the cart and campaign models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from promokit._errors import MoneyError
from promokit._money import parse_decimal


def _exact_number(value: object) -> Decimal:
    try:
        dec = parse_decimal(value, "value")  # first: a JSON 1e400 is too large, not just a float
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    if type(value).__name__ == "JsonFloat":
        raise ValueError(
            f"{value} is a JSON float; write money as a decimal string such as \"{value}\""
        )
    return dec


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(f"{value} is negative; expected an amount >= 0")
    return value


def _percent(value: Decimal) -> Decimal:
    if not 0 <= value <= 100:
        raise ValueError(f"{value} is outside 0..100; expected a percent such as 15 for 15% off")
    return value


def _positive_int(value: object) -> object:
    if isinstance(value, bool | float | Decimal):
        raise ValueError(f"{value} is not a whole number; expected an integer >= 1")
    return value


#: A non-negative exact amount in major units (decimal string, int or exact Decimal; never float).
Amount = Annotated[Decimal, BeforeValidator(_exact_number), AfterValidator(_non_negative)]
#: A percent in 0..100, exact.
Percent = Annotated[Decimal, BeforeValidator(_exact_number), AfterValidator(_percent)]
#: The most units a count may say: bounds every per-unit search (multibuy, bundle).
MAX_COUNT = 100_000
#: A whole count of at least one (and at most MAX_COUNT).
Count = Annotated[int, Field(ge=1, le=MAX_COUNT, strict=False), BeforeValidator(_positive_int)]
#: A non-empty identifier.
Ident = Annotated[str, Field(min_length=1, max_length=200)]


#: A line of display text: non-empty, at most 500 characters.
DisplayText = Annotated[str, Field(min_length=1, max_length=500)]


class LocalText(BaseModel):
    """Display text in Chinese and English (at least one); a page in a language it lacks uses
    the other."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zh: DisplayText | None = None
    en: DisplayText | None = None

    @model_validator(mode="after")
    def _one(self) -> LocalText:
        if self.zh is None and self.en is None:
            raise ValueError("give the text in zh, en, or both")
        return self

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en"), else in the other language."""
        first, other = (self.zh, self.en) if lang == "zh" else (self.en, self.zh)
        return first if first is not None else other  # type: ignore[return-value]


def _local(value: object) -> object:
    return {"zh": value, "en": value} if isinstance(value, str) else value


#: Display text given as one string (every language) or as ``{zh: ..., en: ...}``.
Label = Annotated[LocalText,
                  BeforeValidator(_local, json_schema_input_type=DisplayText | LocalText)]


class RuleDisplay(BaseModel):
    """How a rule is shown on the customer's rule page (its id never is)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Label | None = Field(default=None, description="e.g. {zh: 跨店每满300减50, en: ...}")
    description: Label | None = Field(
        default=None, description="plain words for customers; default: the kind's own sentence")
