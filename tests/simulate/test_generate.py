"""The synthetic order log: deterministic for a seed, and shaped like a Double 11 sale."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from promokit.simulate import generate_carts, write_orders


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    for name in ("a.jsonl", "a.csv"):
        write_orders(tmp_path / f"1{name}", 150, seed=42, coupons=True)
        write_orders(tmp_path / f"2{name}", 150, seed=42, coupons=True)
        write_orders(tmp_path / f"3{name}", 150, seed=43, coupons=True)
        one, two, three = ((tmp_path / f"{i}{name}").read_bytes() for i in (1, 2, 3))
        assert one == two != three


def test_midnight_peak_time_order_and_thresholds() -> None:
    carts = list(generate_carts(2000, seed=1))
    hours = Counter(c["at"][11:13] for c in carts)
    assert hours.most_common(1)[0][0] == "00"
    assert [c["at"] for c in carts] == sorted(c["at"] for c in carts)
    assert len({c["order_id"] for c in carts}) == 2000
    subtotals = [sum(int(line["unit_price"].replace(".", "")) * line["quantity"]
                     for line in c["lines"]) for c in carts]
    just_above = sum(30000 <= s < 33000 for s in subtotals)
    just_below = sum(27000 <= s < 30000 for s in subtotals)
    assert just_above > just_below  # 凑单
    assert len({line["shop"] for c in carts for line in c["lines"]}) == 6
