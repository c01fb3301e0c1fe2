"""The report: ``summary.json`` and a self-contained ``report.html`` (inline SVG, no network).

Tables show the exact figures (decimal strings from :meth:`Summary.to_dict`); the charts only
scale bars by them.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from ._summary import Summary
from ._svg import bars, columns

TEMPLATE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8">
<title>promokit simulate: {{ s.campaign }}{% if s.vs %} vs {{ s.vs }}{% endif %}</title>
<style>
body{font-family:sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:3px 8px}
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}
.note{color:#555;font-size:.9em}h2{margin-top:1.6em;border-bottom:1px solid #ddd}
</style></head><body>
<h1>What the design costs: {{ s.campaign }}{% if s.vs %} vs {{ s.vs }}{% endif %}</h1>
<p>{{ s.orders }} orders priced ({{ s.currency }}); {{ s.bad_orders }} bad orders skipped.</p>
<h2>Totals</h2>
<table><tr><th></th>{% for d in designs %}<th>{{ d.name }}</th>{% endfor %}</tr>
{% for key, label in totals %}<tr><th>{{ label }}</th>{% for d in designs %}
<td class="n">{{ d.data[key] }}</td>{% endfor %}</tr>{% endfor %}</table>
{% if c %}<h2>Comparison</h2>
<table>
<tr><th>customers paying less under {{ s.vs }} (winners)</th><td class="n">{{ c.winners }}</td></tr>
<tr><th>paying more (losers)</th><td class="n">{{ c.losers }}</td></tr>
<tr><th>unchanged</th><td class="n">{{ c.unchanged }}</td></tr>
<tr><th>cost delta (B − A)</th><td class="n">{{ c.cost_delta }}</td></tr>
<tr><th>cost ratio (B / A)</th><td class="n">{{ c.cost_ratio }}</td></tr></table>
<table><tr><th>cost delta by rule</th><th>B − A</th></tr>
{% for k, v in c.cost_delta_by_rule.items() %}<tr><td>{{ k }}</td><td class="n">{{ v }}</td></tr>
{% endfor %}{% for k, v in c.cost_delta_by_funder.items() %}<tr><td>funded by {{ k }}</td>
<td class="n">{{ v }}</td></tr>{% endfor %}</table>
<table><tr><th>order</th><th>at</th><th>GMV</th><th>payable A</th><th>payable B</th>
<th>B − A</th></tr>{% for o in c.biggest_differences %}<tr><td>{{ o.order }}</td><td>{{ o.at }}</td>
<td class="n">{{ o.gmv }}</td><td class="n">{{ o.payable_a }}</td>
<td class="n">{{ o.payable_b }}</td><td class="n">{{ o.difference }}</td></tr>{% endfor %}</table>
{% endif %}
<h2>Discount by rule and funder</h2>{{ charts.rule }}
<table><tr><th>rule</th>{% for d in designs %}<th>{{ d.name }} orders</th>
<th>{{ d.name }} discount</th>{% endfor %}</tr>{% for rule in rules %}<tr><td>{{ rule }}</td>
{% for d in designs %}{% set r = d.data.by_rule.get(rule) %}
<td class="n">{{ r.orders if r else 0 }}</td><td class="n">{{ r.discount if r else "0" }}</td>
{% endfor %}</tr>{% endfor %}
{% for f in funders %}<tr><th>funded by {{ f }}</th>{% for d in designs %}<td></td>
<td class="n">{{ d.data.by_funder.get(f, "0") }}</td>{% endfor %}</tr>{% endfor %}</table>
<h2>By hour</h2>{{ charts.hour }}
<h2>Per-order discount rate</h2>{{ charts.rate }}
<h2>Baskets around thresholds (凑单)</h2>
<p class="note">Order (or, for shop thresholds, shop) subtotals at list price within 10% of each
threshold; the dashed line is the threshold.</p>
{% for chart in charts.thresholds %}{{ chart }}{% endfor %}
<table><tr><th>design</th><th>threshold</th><th>just below</th><th>just above</th></tr>
{% for d in designs %}{% for k, v in d.data.thresholds.items() %}<tr><td>{{ d.name }}</td>
<td>{{ k }}</td><td class="n">{{ v.below }}</td><td class="n">{{ v.above }}</td></tr>
{% endfor %}{% endfor %}</table>
{% for title, key in groups %}<h2>By {{ title }}</h2>
<table><tr><th>{{ title }}</th>{% for d in designs %}<th>{{ d.name }} orders</th><th>GMV</th>
<th>discount</th><th>rate</th>{% endfor %}</tr>
{% for k in keys[key] %}<tr><td>{{ k }}</td>{% for d in designs %}{% set g = d.data[key].get(k) %}
<td class="n">{{ g.orders if g else 0 }}</td><td class="n">{{ g.gmv if g else "" }}</td>
<td class="n">{{ g.discount if g else "" }}</td>
<td class="n">{{ g.discount_rate if g else "" }}</td>
{% endfor %}</tr>{% endfor %}</table>{% endfor %}
{% if designs | selectattr("data.limits") | list %}<h2>Limits and budgets</h2>
<p class="note">Consumed in time order, as a ledger would; "ran out" is the time of the order
that took the last of it.</p>
<table><tr><th>design</th><th>limit</th><th>period</th><th>uses</th><th>given</th><th>units</th>
<th>ran out</th><th>at</th><th>order</th><th>customers at their limit</th></tr>
{% for d in designs %}{% for r in d.data.limits %}<tr><td>{{ d.name }}</td><td>{{ r.key }}</td>
<td>{{ r.period }}</td><td class="n">{{ r.uses }}</td><td class="n">{{ r.budget }}</td>
<td class="n">{{ r.units }}</td><td>{{ r.exhausted or "" }}</td><td>{{ r.exhausted_at or "" }}</td>
<td>{{ r.exhausted_by or "" }}</td><td class="n">{{ r.customers_at_limit }}</td></tr>
{% endfor %}{% endfor %}</table>{% endif %}
<h2>Coupons used</h2>
<table><tr><th>design</th><th>kind</th><th>used</th><th>discount</th></tr>
{% for d in designs %}{% for k, v in d.data.coupons.items() %}<tr><td>{{ d.name }}</td>
<td>{{ k }}</td><td class="n">{{ v.used }}</td><td class="n">{{ v.discount }}</td></tr>
{% endfor %}{% endfor %}</table>
<h2>Worst orders (highest discount rate)</h2>
{% for d in designs %}<h3>{{ d.name }}</h3><table><tr><th>order</th><th>at</th><th>GMV</th>
<th>discount</th><th>rate</th></tr>{% for o in d.data.worst_orders %}<tr><td>{{ o.order }}</td>
<td>{{ o.at }}</td><td class="n">{{ o.gmv }}</td><td class="n">{{ o.discount }}</td>
<td class="n">{{ o.discount_rate }}</td></tr>{% endfor %}</table>{% endfor %}
{% if designs | selectattr("data.below_cost.orders_with_costs") | list %}
<h2>Lines sold below cost</h2>
<table><tr><th>design</th><th>orders with costs</th><th>orders below cost</th>
<th>lines below cost</th><th>shortfall</th></tr>
{% for d in designs %}{% set b = d.data.below_cost %}<tr><td>{{ d.name }}</td>
<td class="n">{{ b.orders_with_costs }}</td><td class="n">{{ b.orders }}</td>
<td class="n">{{ b.lines }}</td><td class="n">{{ b.shortfall }}</td></tr>{% endfor %}</table>
{% for d in designs %}{% if d.data.below_cost.worst %}<h3>{{ d.name }}: the orders furthest
below cost</h3><table><tr><th>order</th><th>at</th><th>GMV</th><th>discount</th>
<th>shortfall</th></tr>{% for o in d.data.below_cost.worst %}<tr><td>{{ o.order }}</td>
<td>{{ o.at }}</td><td class="n">{{ o.gmv }}</td><td class="n">{{ o.discount }}</td>
<td class="n">{{ o.shortfall }}</td></tr>{% endfor %}</table>{% endif %}{% endfor %}
{% endif %}
{% if s.problems %}<h2>Bad input ({{ s.bad_orders }})</h2><ul>
{% for p in s.problems %}<li><code>{{ p }}</code></li>{% endfor %}</ul>{% endif %}
<p class="note">Made by promokit simulate. Money is exact (minor units); rates are rounded half up
to 4 places.</p>
</body></html>
"""

TOTALS = (("orders", "orders"), ("gmv", "GMV"), ("discount", "discount cost"),
          ("payable", "payable"), ("discount_rate", "discount rate"),
          ("points_issued", "points issued"))


def _f(text: str) -> Decimal:
    """A decimal string as the exact value a chart shows."""
    return Decimal(text)


def render_html(summary: Summary) -> str:
    """The self-contained HTML report of a summary."""
    s = summary.to_dict()
    designs = [{"name": s["campaign"], "data": s["a"]}]
    if "b" in s:
        designs.append({"name": s["vs"], "data": s["b"]})
    rules = sorted({r for d in designs for r in d["data"]["by_rule"]})
    funders = sorted({f for d in designs for f in d["data"]["by_funder"]})
    keys = {k: sorted({x for d in designs for x in d["data"][k]})
            for k in ("by_shop", "by_tier", "by_hour")}
    named = [(d["name"], d["data"]) for d in designs]
    charts: dict[str, Any] = {
        "rule": bars("Discount by rule and funder", [*rules, *(f"funded by {f}" for f in funders)],
                     [(n, [_f(x["by_rule"][r]["discount"]) if r in x["by_rule"] else Decimal(0)
                           for r in rules] + [_f(x["by_funder"].get(f, "0")) for f in funders])
                      for n, x in named]),
        "hour": columns("Orders by hour", [h[-5:] for h in keys["by_hour"]],
                        [(n, [int(x["by_hour"].get(h, {"orders": 0})["orders"])
                              for h in keys["by_hour"]]) for n, x in named][:1]),
        "rate": columns("Orders by discount rate", list(s["a"]["discount_rate_histogram"]),
                        [(n, [int(v) for v in x["discount_rate_histogram"].values()])
                         for n, x in named]),
        "thresholds": [columns(f"{n}: subtotals around {key.replace('@', ' at ')} "
                               "(bins of 2% of the threshold)",
                               [f"{2 * i - 10:+d}%" for i in range(10)],
                               [(n, [int(c) for c in v["bins"]])], mark=5)
                       for n, x in named for key, v in x["thresholds"].items()],
    }
    env = Environment(autoescape=True)
    return env.from_string(TEMPLATE).render(
        s=s, c=s.get("comparison"), designs=designs, totals=TOTALS, rules=rules,
        funders=funders, keys=keys, charts={k: v if isinstance(v, list) else Markup(v)
                                            for k, v in charts.items()},
        groups=(("shop", "by_shop"), ("tier", "by_tier"), ("hour", "by_hour")))


def write_report(summary: Summary, out: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``report.html`` into the directory ``out``; their paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "summary.json"
    data.write_text(json.dumps(summary.to_dict(), ensure_ascii=False, indent=1) + "\n",
                    encoding="utf-8")
    page = folder / "report.html"
    page.write_text(render_html(summary), encoding="utf-8")
    return data, page
