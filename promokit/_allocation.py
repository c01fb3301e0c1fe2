"""Allocation of a discount to lines: proportional, in integer minor units, largest remainder.

The tie-break is stated and total: a larger remainder first, then a larger weight, then the smaller
line id (string order). It never depends on the order lines or rules are listed in.
"""

from __future__ import annotations

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int], ids: Sequence[str]) -> list[int]:
    """Split ``total`` over ``weights`` in proportion, exactly; the shares sum to ``total``.

    >>> allocate(400, [1, 1, 1], ["a", "b", "c"])
    [134, 133, 133]
    """
    n = len(weights)
    whole = sum(weights)
    if whole <= 0:
        if total == 0:
            return [0] * n
        raise ValueError("cannot allocate a non-zero amount over weights that sum to zero")
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    if left:
        # larger remainder first, then larger weight, then smaller id: one tuple sort
        order = sorted((q * whole - total * w, -w, ids[k], k)
                       for k, (w, q) in enumerate(zip(weights, shares, strict=True)))
        for *_key, k in order[:left]:
            shares[k] += 1
    return shares


def spread(total: int, idxs: Sequence[int], weights: Sequence[int], caps: Sequence[int],
           ids: Sequence[str], spill: bool) -> tuple[dict[int, int], int]:
    """Allocate ``total`` over lines ``idxs`` by ``weights``, no line above its cap.

    ``weights``, ``caps`` and ``ids`` are aligned with ``idxs`` (one entry per line).

    Returns ``(line index -> amount, lost)``. What a line cannot take is lost, or with ``spill``
    re-allocated over the lines that still have room, in proportion to that room.
    """
    room = list(caps)
    want = min(total, sum(room)) if spill else total
    lost = total - want
    w = weights if sum(weights) > 0 else room
    shares = allocate(want, w, ids) if want else [0] * len(idxs)
    excess = 0
    for k, share in enumerate(shares):
        if share > room[k]:
            excess += share - room[k]
            shares[k] = room[k]
    if excess and spill:
        left = [room[k] - shares[k] for k in range(len(idxs))]
        extra = allocate(excess, left, ids)
        shares = [s + e for s, e in zip(shares, extra, strict=True)]
        excess = 0
    lost += excess
    return {i: s for i, s in zip(idxs, shares, strict=True) if s}, lost
