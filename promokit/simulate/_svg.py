"""Small, readable SVG bar charts for the HTML report: inline, no network, no plotting library.

Values are exact (``Decimal`` money, ``int`` counts) and are printed exactly; only the bars'
pixel sizes are computed in floating point.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

COLOURS = ("#d9480f", "#1c7ed6")  # design A, design B
Value = Decimal | int


def bars(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]],
         unit: str = "", width: int = 760) -> Markup:
    """Horizontal bars, one row per label and one bar per series (design A, design B)."""
    row = 14 * len(series) + 10
    left, right, top = 190, 110, 34
    height = top + row * len(labels) + 30
    peak = max((abs(_pixels(v)) for _, values in series for v in values), default=0.0) or 1.0
    span = width - left - right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           'font-family="sans-serif" font-size="12">',
           f'<text x="4" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    for k, (name, _) in enumerate(series):
        x = left + 160 * k
        out.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{COLOURS[k % 2]}"/>'
                   f'<text x="{x + 14}" y="31">{escape(name)}</text>')
    for i, label in enumerate(labels):
        y = top + i * row
        out.append(f'<text x="{left - 6}" y="{y + row / 2 + 4:.0f}" text-anchor="end">'
                   f'{escape(label)}</text>')
        for k, (_, values) in enumerate(series):
            v = values[i]
            w = abs(_pixels(v)) / peak * span
            by = y + 4 + 14 * k
            out.append(f'<rect x="{left}" y="{by}" width="{w:.1f}" height="12" '
                       f'fill="{COLOURS[k % 2]}"><title>{escape(label)}: '
                       f'{_number(v)}{escape(unit)}</title>'
                       f'</rect><text x="{left + w + 4:.1f}" y="{by + 10}">'
                       f'{_number(v)}{escape(unit)}</text>')
    out.append(f'<line x1="{left}" y1="{top - 2}" x2="{left}" y2="{top + row * len(labels)}" '
               'stroke="#444"/></svg>')
    return Markup("".join(out))


def columns(title: str, labels: Sequence[str], series: Sequence[tuple[str, Sequence[Value]]],
            unit: str = "", width: int = 760, mark: int | None = None) -> Markup:
    """Vertical columns (a histogram or a time series); ``mark``: a dashed line before that bin."""
    left, bottom, top, height = 50, 60, 40, 300
    n = max(1, len(labels))
    slot = (width - left - 10) / n
    top_value: Value = max((v for _, values in series for v in values), default=0)
    peak = _pixels(top_value) or 1.0
    plot = height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="4" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
           f'<text x="4" y="{top - 4}">max {_number(top_value)}{escape(unit)}</text>']
    for k, (name, _) in enumerate(series):
        x = 260 + 160 * k
        out.append(f'<rect x="{x}" y="22" width="10" height="10" fill="{COLOURS[k % 2]}"/>'
                   f'<text x="{x + 14}" y="31">{escape(name)}</text>')
    bar = max(1.0, (slot - 4) / max(1, len(series)))
    for i, label in enumerate(labels):
        x0 = left + i * slot
        for k, (_, values) in enumerate(series):
            v = values[i]
            h = _pixels(v) / peak * plot
            out.append(f'<rect x="{x0 + 2 + k * bar:.1f}" y="{top + plot - h:.1f}" '
                       f'width="{bar:.1f}" height="{h:.1f}" fill="{COLOURS[k % 2]}">'
                       f'<title>{escape(label)}: {_number(v)}{escape(unit)}</title></rect>')
        if n <= 24 or i % max(1, n // 12) == 0:
            out.append(f'<text transform="translate({x0 + slot / 2:.1f},{top + plot + 12}) '
                       f'rotate(40)" font-size="10">{escape(label)}</text>')
    if mark is not None:
        mx = left + mark * slot
        out.append(f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{top + plot}" '
                   'stroke="#000" stroke-dasharray="4 3"/>')
    out.append(f'<line x1="{left}" y1="{top + plot}" x2="{width - 10}" y2="{top + plot}" '
               'stroke="#444"/></svg>')
    return Markup("".join(out))


def _pixels(v: Value) -> float:
    """A value as a drawing size (geometry only: never shown)."""
    return float(v)


def _number(v: Value) -> str:
    """A value as shown: exact, thousands separated; whole amounts and large ones without cents."""
    if isinstance(v, int):
        return f"{v:,}"
    whole = v == v.to_integral_value()
    return f"{v.quantize(Decimal(1)) if abs(v) >= 100 else v:,}" if whole or abs(v) >= 100 \
        else f"{v:,.2f}"
