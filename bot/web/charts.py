"""Charts drawn on the server as SVG: no script, nothing from a CDN, and every label escaped
(the markup is built here from numbers and escaped text only). Pages put the numbers beside them
in a table, so the chart is a picture of figures that are also written out."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#1849a9", "#b42318", "#067647", "#b54708", "#6941c6", "#0e7090", "#c11574", "#475467")
_FONT = 'font-family="sans-serif" font-size="12"'


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def bars(rows: Sequence[tuple[str, float]], *, title: str, width: int = 640, label_width: int = 200) -> Markup:
    """Horizontal bars, one a row: its label on the left, its value at the bar's end."""
    row_height, top = 24, 4
    height = top + row_height * max(1, len(rows))
    longest = max((value for _, value in rows), default=0) or 1
    room = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        y = top + i * row_height
        length = round(room * value / longest, 1)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" {_FONT}>{escape(_shorten(name, 24))}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{length}" height="{row_height - 8}" fill="{colour(0)}"/>'
            f'<text x="{label_width + length + 6}" y="{y + 16}" {_FONT}>{escape(_number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(
    columns: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], *, title: str, width: int = 640, height: int = 220
) -> Markup:
    """One column per label, stacked by series (colours as in :func:`colour`), with a legend under it."""
    left, bottom, legend_row = 40, 36, 18
    plot_height = height - bottom
    total_height = height + legend_row * ((len(series) + 2) // 3)
    tallest = max((sum(values) for _, values in columns), default=0) or 1
    step = (width - left) / max(1, len(columns))
    bar = max(2.0, step * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart" width="{width}" height="{total_height}" '
        f'viewBox="0 0 {width} {total_height}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{plot_height}" x2="{width}" y2="{plot_height}" stroke="#98a2b3"/>',
        f'<text x="{left - 6}" y="12" text-anchor="end" {_FONT}>{escape(_number(tallest))}</text>',
        f'<text x="{left - 6}" y="{plot_height}" text-anchor="end" {_FONT}>0</text>',
    ]
    for i, (name, values) in enumerate(columns):
        x = left + i * step + (step - bar) / 2
        y = float(plot_height)
        for s, value in enumerate(values):
            if value <= 0:
                continue
            h = (plot_height - 16) * value / tallest
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{colour(s)}"/>')
        if len(columns) <= 16 or i % 2 == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{plot_height + 14}" text-anchor="middle" {_FONT}>{escape(name)}</text>')
    for s, name in enumerate(series):
        x, y = left + (s % 3) * 200, height + (s // 3) * legend_row
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{colour(s)}"/>'
            f'<text x="{x + 14}" y="{y}" {_FONT}>{escape(_shorten(name, 22))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
