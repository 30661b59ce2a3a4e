"""Small server-side SVG charts, so pages need no chart library."""

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class Series:
    """One coloured series of a grouped bar chart."""

    name: str
    values: list[float]
    colour: str


def bar_chart(
    labels: list[str],
    series: list[Series],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
    percent: bool = False,
) -> str:
    """A grouped bar chart as inline SVG with a title and a text legend for screen readers."""
    left, right, top, bottom = 40, 10, 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for s in series for v in s.values] + [0.0])
    top_value = 1.0 if percent else max(1.0, _nice(peak))
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(2.0, (group_w * 0.8) / max(len(series), 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        text = f"{value * 100:.0f} %" if percent else f"{value:.0f}"
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="currentColor" stroke-opacity=".15"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    for g, label in enumerate(labels):
        x0 = left + g * group_w + group_w * 0.1
        for k, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else 0.0
            h = plot_h * (value / top_value) if top_value else 0.0
            x = x0 + k * bar_w
            shown = f"{value * 100:.0f} %" if percent else f"{value:g}"
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(s.name)}, '
                f"{escape(label)}: {shown}</title></rect>"
            )
        parts.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    legend_x = left
    for s in series:
        parts.append(
            f'<rect x="{legend_x}" y="{height - 14}" width="10" height="10" fill="{s.colour}"/>'
            f'<text x="{legend_x + 14}" y="{height - 5}">{escape(s.name)}</text>'
        )
        legend_x += 14 + 7 * len(s.name) + 16
    parts.append("</svg>")
    return "".join(parts)


def _nice(value: float) -> float:
    """The next round number above `value`, so the axis reads well."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(int(value * 1.1) + 1)
