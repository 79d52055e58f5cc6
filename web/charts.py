"""Inline SVG charts: pages work with no network beyond loopback, so nothing is fetched."""

from __future__ import annotations

from html import escape

from markupsafe import Markup


def bar_chart(bars: list[tuple[str, int, str]], *, width: int = 560, bar_height: int = 22, title: str = "") -> Markup:
    """Horizontal bars: (label, value, value as shown). Longest bar = full width; zero draws nothing."""
    top = max((value for _, value, _ in bars), default=0) or 1
    label_w, gap = 90, 6
    height = len(bars) * (bar_height + gap)
    rows = []
    for i, (label, value, shown) in enumerate(bars):
        y = i * (bar_height + gap)
        length = round((width - label_w - 110) * value / top)
        rows.append(
            f'<text x="0" y="{y + bar_height * 0.7:.0f}" class="label">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{length}" height="{bar_height}" class="bar">'
            f"<title>{escape(shown)}</title></rect>"
            f'<text x="{label_w + length + 6}" y="{y + bar_height * 0.7:.0f}" class="value">{escape(shown)}</text>'
        )
    size = f'viewBox="0 0 {width} {height}" width="{width}" height="{height}"'
    return Markup(f'<svg role="img" aria-label="{escape(title)}" {size}>' + "".join(rows) + "</svg>")
