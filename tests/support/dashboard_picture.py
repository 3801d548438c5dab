"""Draw the dashboard's panels from Prometheus query results (Grafana itself is not installable here): time
series as lines, bar gauges as horizontal bars of the last value, laid out in the dashboard's own grid order."""

from __future__ import annotations

import math
from pathlib import Path

UNIT_LABELS = {"currencyUSD": "USD/h", "reqps": "req/s", "percentunit": "share", "s": "seconds",
               "short": "tokens/s"}


def legend(template: str, labels: dict) -> str:
    text = template
    for name, value in labels.items():
        text = text.replace("{{" + name + "}}", value)
    return text.replace("{{", "").replace("}}", "") or "(all)"


def draw(panels: list[dict], path: Path, title: str) -> None:
    """`panels`: {title, type, unit, series: [(legend, [(t, v), ...])]} in dashboard order."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = 3
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.6 * rows), squeeze=False)
    figure.suptitle(title, fontsize=14)
    start = min((t for p in panels for _, points in p["series"] for t, _ in points), default=0)
    for ax, panel in zip(axes.flat, panels):
        ax.set_title(panel["title"], fontsize=10)
        ax.tick_params(labelsize=7)
        if panel["type"] == "bargauge":
            names = [name for name, _ in panel["series"]]
            values = [points[-1][1] for _, points in panel["series"]]
            ax.barh(names, values, color=["#d44a3a" if v < 0.2 else "#73bf69" for v in values])
            ax.set_xlim(min(0, *values), 1)
            ax.set_xlabel("remaining share of max budget", fontsize=8)
        else:
            for name, points in panel["series"]:
                ax.plot([t - start for t, _ in points], [v for _, v in points], label=name, linewidth=1.2)
            ax.set_xlabel("seconds", fontsize=8)
            ax.set_ylabel(UNIT_LABELS.get(panel["unit"], panel["unit"]), fontsize=8)
            ax.legend(fontsize=6, loc="upper left")
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    figure.tight_layout(rect=(0, 0, 1, 0.97))
    figure.savefig(path, dpi=80)
    plt.close(figure)
