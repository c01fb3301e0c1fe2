"""Allocation of a discount to lines: proportional, in integer minor units, largest remainder.

The tie-break is stated and total: a larger remainder first, then a larger weight, then the smaller
line id (string order). It never depends on the order lines or rules are listed in. ``ids`` may
also be the lines' ranks in line-id order (integers, as the fast engine path passes them): the
same order, compared faster.
"""

from __future__ import annotations

from collections.abc import Sequence


def allocate(total: int, weights: Sequence[int], ids: Sequence[str] | Sequence[int]
             ) -> list[int]:
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
    shares = []
    rems = []
    for w in weights:
        q, r = divmod(total * w, whole)
        shares.append(q)
        rems.append(r)
    left = total - sum(shares)
    if left:
        # larger remainder first, then larger weight, then smaller id: one tuple sort
        order = sorted([(-r, -w, ids[k], k)
                        for k, (w, r) in enumerate(zip(weights, rems, strict=True))])
        for *_key, k in order[:left]:
            shares[k] += 1
    return shares


def spread(total: int, idxs: Sequence[int], weights: Sequence[int], caps: Sequence[int],
           ids: Sequence[str] | Sequence[int], spill: bool) -> tuple[dict[int, int], int]:
    """Allocate ``total`` over lines ``idxs`` by ``weights``, no line above its cap.

    ``weights``, ``caps`` and ``ids`` are aligned with ``idxs`` (one entry per line).

    Returns ``(line index -> amount, lost)``. What a line cannot take is lost, or with ``spill``
    re-allocated over the lines that still have room, in proportion to that room.
    """
    if not spill:  # the common case in one pass: shares by weight, each cut to its cap
        shares = allocate(total, weights if sum(weights) > 0 else caps, ids) if total \
            else [0] * len(idxs)
        alloc: dict[int, int] = {}
        lost = 0
        for i, share, cap in zip(idxs, shares, caps, strict=True):
            if share > cap:
                lost += share - cap
                share = cap
            if share:
                alloc[i] = share
        return alloc, lost
    room = list(caps)
    want = min(total, sum(room))
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
