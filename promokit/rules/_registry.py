"""The one list of rule kinds: each spec class registered once, by the tag of its ``kind`` Literal.

``RULE_KINDS`` (a live read-only view) and the discriminated union ``AnyRule`` are both derived
from it. Modules that build something from the kinds once (the campaign spec's ``rules`` field)
subscribe with :func:`on_change` and rebuild it whenever a kind is registered or removed.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from pydantic import Field

from promokit.rules._base import HOOKS, RuleSpec

S = TypeVar("S", bound=RuleSpec)

_KINDS: dict[str, type[RuleSpec]] = {}
_LISTENERS: list[Callable[[], None]] = []

#: Every registered kind's spec class, by its ``kind`` tag, in registration order (read-only).
RULE_KINDS: Mapping[str, type[RuleSpec]] = MappingProxyType(_KINDS)


def kind_tag(cls: type[RuleSpec]) -> str:
    """The tag of a spec class: the one value of its ``kind: Literal[...]`` field."""
    field = cls.model_fields.get("kind")
    tags = typing.get_args(field.annotation) if field is not None else ()
    if field is None or typing.get_origin(field.annotation) is not typing.Literal \
            or len(tags) != 1 or not isinstance(tags[0], str):
        raise TypeError(f"{cls.__name__}.kind must be a Literal of one string, "
                        "e.g. kind: Literal['every_nth']")
    return tags[0]


def register(cls: type[S]) -> type[S]:
    """Make ``cls`` a rule kind campaigns may use (usable as a class decorator).

    Refuses a class that leaves a hook to :class:`RuleSpec` or whose tag is taken.
    """
    tag = kind_tag(cls)
    missing = [h for h in HOOKS if getattr(cls, h).__qualname__.startswith("RuleSpec.")]
    if missing:
        raise TypeError(f"rule kind {tag!r} ({cls.__name__}) does not define "
                        f"{', '.join(missing)}; see docs/adding-a-rule-kind.md")
    if tag in _KINDS and _KINDS[tag] is not cls:
        raise ValueError(f"rule kind {tag!r} is already registered ({_KINDS[tag].__name__})")
    _KINDS[tag] = cls
    _changed()
    return cls


def unregister(tag: str) -> None:
    """Remove the kind ``tag`` (tests that register a throw-away kind restore the list)."""
    del _KINDS[tag]
    _changed()


def on_change(listener: Callable[[], None]) -> None:
    """Call ``listener`` after every change of the kind list."""
    _LISTENERS.append(listener)


def rule_union() -> Any:
    """The discriminated union of every registered kind, as a pydantic annotation."""
    kinds = tuple(_KINDS.values())
    member: Any = kinds[0] if len(kinds) == 1 else typing.Union[kinds]  # noqa: UP007
    return Annotated[member, Field(discriminator="kind")]


def _changed() -> None:
    for listener in _LISTENERS:
        listener()
