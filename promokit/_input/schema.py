"""Raw data read as the models: which model sits at a location, and every value with its type.

Validation works on the raw data (so that problems pydantic cannot see are reported with the ones
it can); these helpers say, for any place in that data, what pydantic will read it as, picking a
rule's model by its ``kind``.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from types import NoneType, UnionType
from typing import Any

from pydantic import BaseModel

from promokit._cart.cart import Cart
from promokit._spec.campaign import CampaignSpec
from promokit.rules import RULE_KINDS

Loc = tuple[Any, ...]


@cache
def hints(model: type[BaseModel]) -> dict[str, Any]:
    """The resolved type of each field of ``model``."""
    try:
        return typing.get_type_hints(model, include_extras=True)
    except (NameError, TypeError):  # pragma: no cover - an unresolvable forward reference
        return {name: f.annotation for name, f in model.model_fields.items()}


def drop_none(hint: Any) -> Any:
    """``hint`` without ``| None`` (``Annotated`` kept)."""
    if typing.get_origin(hint) in (typing.Union, UnionType) and NoneType in typing.get_args(hint):
        args = tuple(a for a in typing.get_args(hint) if a is not NoneType)
        return args[0] if len(args) == 1 else typing.Union[args]  # noqa: UP007
    return hint


def strip(hint: Any) -> Any:
    """``hint`` without ``Annotated`` and without ``| None``."""
    while True:
        hint = drop_none(hint)
        if typing.get_origin(hint) is not typing.Annotated:
            return hint
        hint = typing.get_args(hint)[0]


def resolve(hint: Any, raw: object) -> type[BaseModel] | None:
    """The model a value of type ``hint`` is read as; a union picks its member by ``kind``."""
    hint = strip(hint)
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return hint
    if typing.get_origin(hint) not in (typing.Union, UnionType):
        return None
    members = [m for m in typing.get_args(hint) if isinstance(m, type) and issubclass(m, BaseModel)]
    kind = raw.get("kind") if isinstance(raw, Mapping) else None
    for m in members:
        tag = hints(m).get("kind")
        if len(members) == 1 or (typing.get_origin(tag) is typing.Literal
                                 and kind in typing.get_args(tag)):
            return m
    return None


def _child(hint: Any, part: object, raw: object) -> Any:
    """The type found at ``part`` inside a value of type ``hint`` whose data is ``raw``."""
    model = resolve(hint, raw)
    if model is not None:
        return hints(model).get(str(part))
    hint = strip(hint)
    origin = typing.get_origin(hint)
    if origin in (tuple, list) and isinstance(part, int):
        return typing.get_args(hint)[0]
    return typing.get_args(hint)[1] if origin is dict else None


def at(root: type[BaseModel], data: object, loc: Loc) -> type[BaseModel] | None:
    """The model at ``loc`` in ``data`` read as ``root`` (None where it cannot be known)."""
    hint: Any = root
    for n, part in enumerate(loc):
        hint = _child(hint, part, get_path(data, loc[:n]))
        if hint is None:
            return None
    return resolve(hint, get_path(data, loc))


def get_path(data: object, loc: Sequence[Any]) -> object:
    """The raw value at ``loc`` in ``data``, or None where there is none."""
    for part in loc:
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data


@cache
def vocabulary() -> tuple[str, ...]:
    """Every field of every model a campaign or a cart is made of (the did-you-mean fallback)."""
    models: set[type[BaseModel]] = set()
    todo: list[Any] = [CampaignSpec, Cart, *RULE_KINDS.values()]
    while todo:
        hint = todo.pop()
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            if hint not in models:
                models.add(hint)
                todo += hints(hint).values()
        else:
            todo += typing.get_args(hint)
    return tuple(sorted({name for m in models for name in m.model_fields}))


def walk(hint: Any, raw: object, loc: Loc = ()) -> Iterator[tuple[Loc, Any, object]]:
    """Every value in ``raw`` read as ``hint``: (location, its type, its data), depth first."""
    yield loc, hint, raw
    model = resolve(hint, raw)
    if model is not None:
        for name, sub in hints(model).items():
            if isinstance(raw, Mapping) and raw.get(name) is not None:
                yield from walk(sub, raw[name], (*loc, name))
        return
    hint = strip(hint)
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (tuple, list) and isinstance(raw, list) and args:
        for k, item in enumerate(raw):
            yield from walk(args[0], item, (*loc, k))
    elif typing.get_origin(hint) is dict and isinstance(raw, Mapping):
        for key, item in raw.items():
            yield from walk(args[1], item, (*loc, key))
