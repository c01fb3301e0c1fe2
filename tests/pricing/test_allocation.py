"""Tests for promokit._allocation: largest-remainder allocation and capped spreading.

DOMAIN.md "Allocation": integer fen, largest remainder, a deterministic tie-break (the module
states it: larger remainder, then larger weight, then smaller line id in string order).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from promokit._allocation import allocate, spread

# --- allocate: fixed cases ----------------------------------------------------------------------


def test_four_yuan_over_three_equal_lines() -> None:
    """400 fen over three equal lines is 134 + 133 + 133, the extra fen to the smallest id."""
    # 400 / 3 = 133 r 1 each; 3 x 133 = 399, 1 fen left; all remainders and weights tie -> "a"
    assert allocate(400, [1, 1, 1], ["a", "b", "c"]) == [134, 133, 133]


def test_equal_tie_goes_to_smallest_id_wherever_it_stands() -> None:
    """The extra fen follows the smallest id, not the first position."""
    assert allocate(400, [1, 1, 1], ["c", "b", "a"]) == [133, 133, 134]
    assert allocate(400, [5, 5, 5], ["l2", "l1", "l3"]) == [133, 134, 133]


def test_id_tie_break_is_string_order() -> None:
    """Ids compare as strings, so "l10" is smaller than "l9" and takes the extra fen."""
    assert allocate(1, [1, 1], ["l9", "l10"]) == [0, 1]


def test_larger_remainder_wins_before_weight() -> None:
    """The fen left over goes to the larger remainder even when its weight is smaller."""
    # 100 x 2 / 3 = 66.67 (r 2 of 3), 100 x 1 / 3 = 33.33 (r 1 of 3): floors 66 + 33 = 99
    assert allocate(100, [2, 1], ["a", "b"]) == [67, 33]
    # 100 x 1 / 4 = 25 (r 0), 100 x 3 / 4 = 75 (r 0): exact, nothing to break
    assert allocate(100, [1, 3], ["a", "b"]) == [25, 75]
    # 5 x 1 / 7 = 0.71 (r 5), 5 x 6 / 7 = 4.29 (r 2): the small line's larger remainder wins
    assert allocate(5, [1, 6], ["b", "a"]) == [1, 4]


def test_equal_remainders_go_to_the_larger_weight() -> None:
    """With equal remainders the larger weight takes the fen, whatever the ids."""
    # 2 x 1 / 4 = 0.5 (r 2), 2 x 3 / 4 = 1.5 (r 2): floors 0 + 1 = 1, 1 left -> weight 3
    assert allocate(2, [1, 3], ["a", "b"]) == [0, 2]
    assert allocate(2, [1, 3], ["b", "a"]) == [0, 2]
    assert allocate(2, [3, 1], ["b", "a"]) == [2, 0]


def test_fifty_yuan_over_three_lines() -> None:
    """5000 fen over 200 : 150 : 100 is 2222 + 1667 + 1111 (largest remainder to the middle)."""
    # 5000 x 200 / 450 = 2222.22, x 150 / 450 = 1666.67, x 100 / 450 = 1111.11 -> 4999, 1 left
    # remainders (numerator mod 450): 100, 300, 50 -> the 150 line
    assert allocate(5000, [20000, 15000, 10000], ["a", "b", "c"]) == [2222, 1667, 1111]


def test_allocate_is_independent_of_line_order() -> None:
    """Reordering the lines reorders the shares and changes nothing else."""
    weights, ids = [300, 100, 100, 700], ["d", "c", "b", "a"]
    base = dict(zip(ids, allocate(1001, weights, ids), strict=True))
    flipped = list(reversed(weights)), list(reversed(ids))
    assert dict(zip(flipped[1], allocate(1001, *flipped), strict=True)) == base
    # 1001 x 300/1200 = 250.25, x 100/1200 = 83.42 (twice), x 700/1200 = 583.92
    # floors 250 + 83 + 83 + 583 = 999; remainders 300, 500, 500, 1100 (of 1200) -> a, then b
    assert base == {"d": 250, "c": 83, "b": 84, "a": 584}


def test_allocate_zero_and_empty_weights() -> None:
    """Nothing over zero weights is nothing; something over zero weights is an error."""
    assert allocate(0, [0, 0], ["a", "b"]) == [0, 0]
    assert allocate(0, [3, 1], ["a", "b"]) == [0, 0]
    with pytest.raises(ValueError):
        allocate(1, [0, 0], ["a", "b"])


def test_allocate_zero_weight_line_gets_nothing() -> None:
    """A line of weight zero takes no share, even of a fen left over."""
    # 1 x 0/2 = 0 (r 0); 1 x 1/2 = 0.5 twice (r 1): the fen goes to "b" (smaller id)
    assert allocate(1, [0, 1, 1], ["a", "b", "c"]) == [0, 1, 0]


# --- spread: caps, lose and spill ---------------------------------------------------------------


def test_spread_without_caps_binding_is_allocate() -> None:
    """When every cap is large enough, spread is allocate keyed by line index."""
    got = spread(400, [4, 7, 9], [1, 1, 1], [1000, 1000, 1000], ["a", "b", "c"], spill=False)
    assert got == ({4: 134, 7: 133, 9: 133}, 0)


def test_spread_lose_drops_what_a_line_cannot_take() -> None:
    """With overflow lose, a share above its line's cap is cut and the excess is lost."""
    # 1000 over 1 : 1 = 500 + 500; line 0 holds only 200 -> 300 lost, line 1 keeps 500
    assert spread(1000, [0, 1], [1, 1], [200, 2000], ["a", "b"], spill=False) == (
        {0: 200, 1: 500}, 300)


def test_spread_spill_moves_the_excess_to_lines_with_room() -> None:
    """With overflow spill, the excess goes to the lines that still have room."""
    # 500 + 500 as above; the 300 line 0 cannot take moves to line 1 (room 1500): 500 + 300
    assert spread(1000, [0, 1], [1, 1], [200, 2000], ["a", "b"], spill=True) == (
        {0: 200, 1: 800}, 0)


def test_spread_spill_is_in_proportion_to_room_left() -> None:
    """Spilled excess is split by the room each line has left, by largest remainder."""
    # 900 / 3 = 300 each; line 0 holds 100 -> 200 excess; room left 0, 200, 700
    # 200 x 200/900 = 44.44, 200 x 700/900 = 155.56 -> 44 + 155 = 199, 1 left to the 155.56 line
    got = spread(900, [0, 1, 2], [1, 1, 1], [100, 500, 1000], ["a", "b", "c"], spill=True)
    assert got == ({0: 100, 1: 344, 2: 456}, 0)


@pytest.mark.parametrize("spill", [False, True])
def test_spread_more_than_all_room(spill: bool) -> None:
    """Asking for more than every line holds fills every line and loses the rest either way."""
    # room 100 + 200 = 300 of 1000 asked: 700 lost
    got = spread(1000, [0, 1], [1, 1], [100, 200], ["a", "b"], spill=spill)
    assert got == ({0: 100, 1: 200}, 700)


def test_spread_omits_lines_that_get_nothing() -> None:
    """Lines whose share is zero are left out of the mapping."""
    assert spread(5, [0, 1], [1, 1], [0, 100], ["a", "b"], spill=False) == ({1: 2}, 3)
    # 5 over 1 : 1 = 3 + 2 (extra fen to "a"); "a" holds 0 -> 3 lost


def test_spread_zero_weights_fall_back_to_room() -> None:
    """When every weight is zero the amount is spread in proportion to room."""
    # 300 over rooms 100 : 200 -> 100 + 200
    assert spread(300, [0, 1], [0, 0], [100, 200], ["a", "b"], spill=False) == (
        {0: 100, 1: 200}, 0)


# --- properties ---------------------------------------------------------------------------------

weights_st = st.lists(st.integers(0, 10**7), min_size=1, max_size=12).filter(lambda w: sum(w) > 0)


@given(total=st.integers(0, 10**9), weights=weights_st)
def test_allocate_sums_exactly_and_stays_within_one_fen(total: int, weights: list[int]) -> None:
    """Shares sum to the total and each is the floor or ceiling of its exact proportional value."""
    ids = [f"l{i}" for i in range(len(weights))]
    shares = allocate(total, weights, ids)
    assert sum(shares) == total
    whole = sum(weights)
    for share, w in zip(shares, weights, strict=True):
        exact = Fraction(total * w, whole)
        assert abs(share - exact) < 1


@given(total=st.integers(0, 10**6), weights=weights_st, data=st.data())
def test_allocate_follows_its_lines_when_reordered(total: int, weights: list[int],
                                                  data: st.DataObject) -> None:
    """Permuting the lines permutes the shares: the result never depends on input order."""
    ids = [f"l{i}" for i in range(len(weights))]
    order = data.draw(st.permutations(range(len(weights))))
    base = dict(zip(ids, allocate(total, weights, ids), strict=True))
    perm = allocate(total, [weights[k] for k in order], [ids[k] for k in order])
    assert dict(zip([ids[k] for k in order], perm, strict=True)) == base


@given(total=st.integers(0, 10**6), spill=st.booleans(),
       lines=st.lists(st.tuples(st.integers(0, 10**5), st.integers(0, 10**5)), min_size=1,
                      max_size=10).filter(lambda ls: sum(w for w, _ in ls) > 0))
def test_spread_never_exceeds_a_cap(total: int, spill: bool,
                                    lines: list[tuple[int, int]]) -> None:
    """No line gets more than its cap, and given plus lost is exactly the total."""
    weights = [w for w, _ in lines]
    caps = [c for _, c in lines]
    idxs = list(range(len(lines)))
    got, lost = spread(total, idxs, weights, caps, [f"l{i}" for i in idxs], spill)
    assert all(0 < got[i] <= caps[i] for i in got)
    assert sum(got.values()) + lost == total
    if spill:
        assert lost == max(0, total - sum(caps))
    else:  # lose: each line gets its uncapped share, cut at its cap
        uncapped = allocate(total, weights, [f"l{i}" for i in idxs])
        assert [got.get(i, 0) for i in idxs] == [min(u, c) for u, c in
                                                  zip(uncapped, caps, strict=True)]
