"""Output formats of `litemaas`: aligned text tables, CSV, JSON and the one-page HTML spend report."""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any, Sequence

from litemaas_common.handoff import day, money
from litemaas_cli.reports import SpendRow

CHART_ROWS = 25  # bars in the HTML chart; the table below it lists every row
TRACK_WIDTH = 400  # px of a full budget in the chart


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; `numeric` columns right-aligned."""
    cells = [[str(c) for c in headers], *[[("" if c is None else str(c)) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines) + "\n"


def percent(value: Any) -> str:
    return "-" if value is None else f"{value:.1f}%"


SPEND_HEADERS = ("{by}", "SPEND {period}", "REQUESTS", "BUDGET SPEND", "MAX BUDGET", "USED", "SOFT BUDGET",
                 "RESETS")


def _soft(row: SpendRow) -> str:
    if row.soft_budget is None:
        return "-"
    return f"{money(row.soft_budget)} crossed" if row.soft_crossed else money(row.soft_budget)


def _resets(row: SpendRow) -> str:
    if not row.budget_duration:
        return "-"
    return f"{day(row.budget_reset_at)} ({row.budget_duration})" if row.budget_reset_at else row.budget_duration


def spend_table(by: str, period: str, rows: Sequence[SpendRow], totals: dict[str, Any]) -> str:
    headers = [h.format(by=by.upper(), period=period) for h in SPEND_HEADERS]
    body = [[r.name, money(r.spend), r.requests, money(r.budget_spend), money(r.max_budget), percent(r.used_pct),
             _soft(r), _resets(r)] for r in rows]
    body.append(["TOTAL", money(totals["spend"]), totals["requests"], money(totals["budget_spend"]),
                 money(totals["max_budget"]), "", "", ""])
    return table(headers, body, numeric=(1, 2, 3, 4, 5))


CSV_FIELDS = ("name", "id", "spend", "requests", "budget_spend", "max_budget", "used_pct", "soft_budget",
              "soft_crossed", "over_budget", "budget_duration", "budget_reset_at")


def spend_csv(rows: Sequence[SpendRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row.as_dict())
    return out.getvalue()


def spend_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


# --- HTML -------------------------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 20px; margin: 0 0 4px; } p.meta { color: #57606a; margin: 0 0 16px; }
table { border-collapse: collapse; margin-top: 16px; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #d0d7de; text-align: right; }
th:first-child, td:first-child { text-align: left; } tr.total td { font-weight: 600; }
svg text { font-size: 12px; fill: #1b1f24; }
.track { fill: #eaeef2; } .bar.ok { fill: #2da44e; } .bar.soft { fill: #d4a72c; } .bar.over { fill: #cf222e; }
.bar.nobudget { fill: #8c959f; }
"""


def _bar(row: SpendRow, index: int, biggest_spend: float) -> str:
    y = 10 + index * 26
    if row.max_budget:
        fraction = min((row.budget_spend or 0.0) / row.max_budget, 1.0)
        kind = "over" if row.over_budget else "soft" if row.soft_crossed else "ok"
        label = f"{money(row.budget_spend)} of {money(row.max_budget)} USD ({percent(row.used_pct)})"
    else:
        fraction = row.spend / biggest_spend if biggest_spend else 0.0
        kind = "nobudget"
        label = f"{money(row.spend)} USD, no budget"
    width = round(TRACK_WIDTH * fraction, 1)
    name = html.escape(row.name)
    shown = html.escape(row.name if len(row.name) <= 28 else row.name[:27] + "…")  # 200 px before the track
    return (f'<g class="row" data-name="{name}" data-fraction="{fraction:.4f}"><title>{name}</title>'
            f'<text x="0" y="{y + 13}">{shown}</text>'
            f'<rect class="track" x="200" y="{y}" width="{TRACK_WIDTH}" height="18" rx="3"/>'
            f'<rect class="bar {kind}" x="200" y="{y}" width="{width}" height="18" rx="3"/>'
            f'<text class="label" x="{210 + TRACK_WIDTH}" y="{y + 13}">{html.escape(label)}</text></g>')


def spend_html(document: dict[str, Any], rows: Sequence[SpendRow]) -> str:
    """One static page (no script, no external asset): a bar per row of spend against budget, then the table."""
    charted = list(rows[:CHART_ROWS])
    biggest = max((r.spend for r in charted if not r.max_budget), default=0.0)
    height = 20 + 26 * len(charted)
    bars = "".join(_bar(row, i, biggest) for i, row in enumerate(charted))
    by, period = document["by"], document["period"]
    headers = [h.format(by=by.upper(), period=period) for h in SPEND_HEADERS]
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (
            r.name, money(r.spend), r.requests, money(r.budget_spend), money(r.max_budget), percent(r.used_pct),
            _soft(r), _resets(r))) + "</tr>" for r in rows)
    totals = document["totals"]
    total = (f'<tr class="total"><td>TOTAL</td><td>{money(totals["spend"])}</td><td>{totals["requests"]}</td>'
             f'<td>{money(totals["budget_spend"])}</td><td>{money(totals["max_budget"])}</td>'
             "<td></td><td></td><td></td></tr>")
    more = (f"<p class=\"meta\">Chart: the first {CHART_ROWS} of {len(rows)} rows.</p>"
            if len(rows) > CHART_ROWS else "")
    title = f"LiteMaaS spend by {by}, last {period}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="meta">Gateway {html.escape(document["gateway"])} · {html.escape(document["start"])} to
{html.escape(document["end"])} UTC · bars: budget spend against max budget (green, amber past the soft budget,
red when spent; grey: spend in the period, no budget)</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{260 + TRACK_WIDTH + 200}" height="{height}" role="img"
 aria-label="{html.escape(title)}">{bars}</svg>
{more}
<table><thead><tr>{"".join(f"<th>{html.escape(h)}</th>" for h in headers)}</tr></thead>
<tbody>{body}{total}</tbody></table>
</body></html>
"""
