"""Know what a design costs before the sale: replay orders against campaigns, exactly.

>>> from promokit.simulate import simulate
>>> summary = simulate("examples/simulate/orders.csv", "examples/simulate/design-a.yaml",
...                    vs="examples/simulate/design-b.yaml", jobs=1)
>>> summary.to_dict()["comparison"]["winners"] >= 0
True

See docs/simulate.md. Every money figure is an integer number of minor units inside, and a
decimal string in :meth:`Summary.to_dict`; the summaries of partitions merge exactly, so
``jobs=1``, a process pool and Dask give the same figures, to the cent.
"""

from ._generate import generate_carts, write_orders
from ._orders import (
    COLUMNS,
    Order,
    orders_from_carts,
    orders_from_rows,
    read_csv,
    read_jsonl,
    read_orders,
    read_parquet,
)
from ._partition import OrderRow, Pricer, Threshold, price_partition, thresholds
from ._run import BadInputError, iter_rows, rows_table, simulate
from ._summary import Comparison, OrderFigure, Stats, Summary, merge_all

__all__ = [
    "COLUMNS",
    "BadInputError",
    "Comparison",
    "Order",
    "OrderFigure",
    "OrderRow",
    "Pricer",
    "Stats",
    "Summary",
    "Threshold",
    "generate_carts",
    "iter_rows",
    "merge_all",
    "orders_from_carts",
    "orders_from_rows",
    "price_partition",
    "read_csv",
    "read_jsonl",
    "read_orders",
    "read_parquet",
    "rows_table",
    "simulate",
    "thresholds",
    "write_orders",
]
