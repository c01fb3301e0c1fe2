"""Bad input: each bad order is reported with file, line, field; counted; the run goes on."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import promokit
from promokit.simulate import BadInputError, read_orders, simulate

HEADER = "order_id,at,customer_id,tier,sku,shop,unit_price,quantity,category,brand,tags\n"
GOOD = "o1,2026-11-11T00:01:00+08:00,u1,gold,A-001,A,128.00,2,tea,west-lake,double11\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_csv_rows_are_named_counted_and_skipped(tmp_path: Path,
                                                    design_a: promokit.Campaign) -> None:
    path = _write(tmp_path, "orders.csv", HEADER + GOOD
                  + "o1,2026-11-11T00:01:00+08:00,u1,gold,A-002,A,59.90,1,tea,,\n"
                  + "o2,2026-11-11T00:02:00+08:00,u2,,B-001,B,12.5x,1,snack,,\n"      # line 4
                  + "o3,2026-11-11T00:03:00+08:00,u3,,B-001,B,12.50,0,snack,,\n"      # line 5
                  + "o4,yesterday,u4,,B-001,B,12.50,1,snack,,\n"                      # line 6
                  + "o5,2026-11-11T00:05:00+08:00,u5,,,B,12.50,1,snack,,\n"           # line 7
                  + "o6,2026-11-11T00:06:00+08:00,u6,,C-001,C,88.00,1,cup,,\n"
                  + "o1,2026-11-11T00:07:00+08:00,u1,,C-002,C,45.00,1,cup,,\n"        # line 9
                  + "o7,2026-11-11T00:08:00+08:00,u7,,C-001,C,88.001,1,cup,,\n")      # line 10
    summary = simulate(path, design_a, jobs=1)
    assert summary.a.orders == 2 and summary.bad == 6
    problems = {(p.line, p.path): p for p in summary.problems}
    assert set(problems) == {(4, "unit_price"), (5, "quantity"), (6, "at"), (7, "sku"),
                             (9, "order_id"), (10, "unit_price")}
    rendered = problems[(4, "unit_price")].render()
    assert rendered.startswith(f"{path}:4: unit_price") and "is: '12.5x'" in rendered
    assert "expected" in rendered
    assert "not contiguous" in problems[(9, "order_id")].message
    assert summary.to_dict()["bad_orders"] == 6


def test_strict_stops_at_the_first_bad_row(tmp_path: Path, design_a: promokit.Campaign) -> None:
    path = _write(tmp_path, "orders.csv", HEADER + GOOD + "o2,,u2,,B-001,B,abc,1,snack,,\n"
                  + "o3,,u3,,B-001,B,12.50,x,snack,,\n")
    with pytest.raises(BadInputError) as caught:
        simulate(path, design_a, jobs=1, strict=True)
    assert caught.value.problem.line == 3 and caught.value.problem.path == "unit_price"


def test_jsonl_problems_and_another_currency(tmp_path: Path,
                                             design_a: promokit.Campaign) -> None:
    good = ('{"order_id":"o1","currency":"CNY","at":"2026-11-11T00:01:00+08:00",'
            '"customer":{"id":"u1"},"lines":[{"id":"l1","sku":"A-1","shop":"A",'
            '"unit_price":"99.00","quantity":1}]}')
    path = _write(tmp_path, "orders.jsonl", "\n".join([
        good,
        good.replace('"CNY"', '"USD"').replace("o1", "o2"),           # line 2: currency
        good.replace('"99.00"', "99.5").replace("o1", "o3"),          # line 3: a float
        "{not json",                                                  # line 4
        good.replace('"quantity":1', '"quantity":0').replace("o1", "o5"),  # line 5: cart error
        good.replace("o1", "o6"),
    ]) + "\n")
    summary = simulate(path, design_a, jobs=1)
    assert summary.a.orders == 2 and summary.bad == 4
    by_line = {p.line: p for p in summary.problems}
    assert set(by_line) == {2, 3, 4, 5}
    assert "USD" in by_line[2].message and "CNY" in by_line[2].message
    assert by_line[2].path == "currency" and "'o2'" in by_line[2].message
    assert "decimal string" in (by_line[3].expected or "")
    assert "quantity" in by_line[5].path and "'o5'" in by_line[5].message
    assert all(p.file == str(path) for p in summary.problems)
    # on a pool the workers parse the lines (the parent only reads them): the same summary
    assert simulate(path, design_a, jobs=2, chunk=2).to_dict() == summary.to_dict()


def test_a_csv_order_in_another_currency_is_refused(tmp_path: Path,
                                                    design_a: promokit.Campaign) -> None:
    path = _write(tmp_path, "orders.csv", HEADER.replace("tags\n", "tags,currency\n")
                  + GOOD.replace("\n", ",USD\n"))
    items = list(read_orders(path, "CNY"))
    assert len(items) == 1 and isinstance(items[0], promokit.Problem)
    assert "USD" in items[0].message and items[0].line == 2


def test_parquet_reads_like_csv(tmp_path: Path, orders_csv: Path,
                                design_a: promokit.Campaign) -> None:
    import pyarrow as pa  # in the test extra
    import pyarrow.parquet as pq
    with open(orders_csv, encoding="utf-8", newline="") as source:
        rows = list(csv.DictReader(source))
    table = pa.Table.from_pylist([{**r, "quantity": int(r["quantity"])} for r in rows])
    path = tmp_path / "orders.parquet"
    pq.write_table(table, path, row_group_size=100)
    assert (simulate(path, design_a, jobs=1).to_dict()
            == simulate(orders_csv, design_a, jobs=1).to_dict())


TEN_OFF = {"campaign": "t", "currency": "CNY",
           "rules": [{"id": "ten", "kind": "percent_off", "stage": "item", "percent": 10}]}


def test_unit_costs_find_the_lines_sold_below_cost(tmp_path: Path) -> None:
    """Worked by hand: 3 x 33.33 = 99.99, 10% off is 9.999, rounded to 10.00, so the line's
    net is 89.99; at a unit cost of 30.00 the three units cost 90.00: 0.01 short. The other
    line (50.00 less 5.00 = 45.00, costing 40.00) is above cost; a line without a cost is not
    judged. The same order from CSV and from JSON Lines."""
    campaign = promokit.Campaign.from_dict(TEN_OFF)
    path = _write(tmp_path, "orders.csv", "order_id,sku,shop,unit_price,quantity,unit_cost\n"
                  "o1,S,A,33.33,3,30.00\no1,T,A,50.00,1,40.00\no1,U,A,9.00,1,\n"
                  "o2,T,A,50.00,1,\n")
    jsonl = _write(tmp_path, "orders.jsonl",
                   '{"order_id":"o1","currency":"CNY","lines":['
                   '{"id":"l1","sku":"S","shop":"A","unit_price":"33.33","quantity":3,'
                   '"unit_cost":"30.00"},{"id":"l2","sku":"T","shop":"A","unit_price":"50.00",'
                   '"quantity":1,"unit_cost":"40.00"},{"id":"l3","sku":"U","shop":"A",'
                   '"unit_price":"9.00","quantity":1}]}\n'
                   '{"order_id":"o2","currency":"CNY","lines":[{"id":"l1","sku":"T","shop":"A",'
                   '"unit_price":"50.00","quantity":1}]}\n')
    for source in (path, jsonl):
        summary = simulate(source, campaign, jobs=1)
        below = summary.to_dict()["a"]["below_cost"]
        assert summary.bad == 0
        assert (below["orders_with_costs"], below["orders"], below["lines"],
                below["shortfall"]) == (1, 1, 1, "0.01"), source
        assert [(o["order"], o["shortfall"]) for o in below["worst"]] == [("o1", "0.01")]


def test_a_bad_unit_cost_is_named(tmp_path: Path) -> None:
    campaign = promokit.Campaign.from_dict(TEN_OFF)
    path = _write(tmp_path, "orders.csv", "order_id,sku,shop,unit_price,quantity,unit_cost\n"
                  "o1,S,A,33.33,3,cheap\no2,T,A,50.00,1,40.00\n")
    jsonl = _write(tmp_path, "orders.jsonl",
                   '{"order_id":"o1","currency":"CNY","lines":[{"id":"l1","sku":"S","shop":"A",'
                   '"unit_price":"33.33","quantity":3,"unit_cost":"1.001"}]}\n')
    csv_summary = simulate(path, campaign, jobs=1)
    assert csv_summary.bad == 1 and csv_summary.a.orders == 1
    problem = csv_summary.problems[0]
    assert (problem.line, problem.path, problem.value) == (2, "unit_cost", "cheap")
    jsonl_summary = simulate(jsonl, campaign, jobs=1)
    problem = jsonl_summary.problems[0]
    assert (problem.line, problem.path, problem.value) == (1, "lines[0].unit_cost", "1.001")
    assert "o1" in problem.message and "CNY" in (problem.expected or "")
