"""The Grafana dashboard (dashboards/litellm.json): every query is valid PromQL, and, against the real proxy
scraped by a real Prometheus, every panel returns series; the panels are drawn from that data
(`LITEMAAS_DASHBOARD_PICTURE=docs/dashboard.png` keeps the picture README shows)."""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest
import yaml

from components.dashboard import dashboard_json, load_dashboard, panel_queries
from tests.support.prometheus import promtool

TITLES = ("Spend by team", "Spend by key", "Spend by model", "Spend by user", "Requests", "Failed requests",
          "Upstream failure ratio", "Request latency", "Tokens", "Rate-limit use", "Keys: remaining", "Teams: remaining",
          "Users: remaining")


def concrete(expr: str, namespace: str, rate_interval: str) -> str:
    """The query as Grafana sends it once the variables are set."""
    return expr.replace("$namespace", namespace).replace("$__rate_interval", rate_interval)


def test_the_dashboard_covers_what_an_admin_watches():
    dashboard = load_dashboard()
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    for title in TITLES:
        assert any(p["title"].startswith(title) for p in panels), title
    for panel in panels:
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"} and panel["targets"]
        for target in panel["targets"]:
            assert 'namespace=~"$namespace"' in target["expr"], panel["title"]
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    uids = {json.loads(dashboard_json(ns))["uid"] for ns in ("a" * 63, "a" * 62 + "b", "litemaas")}
    assert len(uids) == 3 and all(len(uid) <= 40 for uid in uids)  # Grafana's limit; one per stack


def test_every_panel_query_is_valid_promql(tmp_path):
    """promtool parses each query as a recording rule's expression."""
    rules = [{"record": f"panel:{i}", "expr": concrete(q, "ai", "5m")}
             for i, (_, q) in enumerate(panel_queries(load_dashboard()))]
    (tmp_path / "panels.yaml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": rules}]}))
    checked = promtool("check", "rules", str(tmp_path / "panels.yaml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    broken = [{"record": "panel:0", "expr": rules[0]["expr"].replace("sum by", "sum bye")}]
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump({"groups": [{"name": "panels", "rules": broken}]}))
    assert promtool("check", "rules", str(tmp_path / "broken.yaml")).returncode != 0


@pytest.mark.real_litellm
def test_every_panel_returns_real_data_and_is_drawn(scraped_gateway, tmp_path):
    from tests.support.dashboard_picture import draw, legend
    from tests.support.scraped_gateway import NAMESPACE, RATE_INTERVAL, SCRAPE_INTERVAL

    world = scraped_gateway
    prometheus, traffic = world.prometheus, world.traffic
    drawn = []
    for panel in [p for p in load_dashboard()["panels"] if p["type"] != "row"]:
        series = []
        for target in panel["targets"]:
            expr = concrete(target["expr"], NAMESPACE, RATE_INTERVAL)
            at_end = prometheus.api("query", query=expr, time=traffic.ended)["result"]
            assert at_end, f"panel {panel['title']!r}: no series for {expr}"
            assert any(not math.isnan(float(s["value"][1])) for s in at_end), f"{panel['title']}: only NaN"
            over_time = prometheus.query_range(expr, traffic.started - 4, traffic.ended + 4, SCRAPE_INTERVAL)
            series += [(legend(target.get("legendFormat", ""), s["metric"]),
                        [(float(t), float(v)) for t, v in s["values"]]) for s in over_time]
        drawn.append({"title": panel["title"], "type": panel["type"], "unit": panel["fieldConfig"]["defaults"]["unit"],
                      "series": series})
    budgets = {name for name, _ in next(p for p in drawn if p["title"].startswith("Keys: remaining"))["series"]}
    assert {"pushed", "spent", "roomy", "limited"} <= budgets and "unbudgeted" not in budgets  # no max budget

    picture = tmp_path / "dashboard.png"
    draw(drawn, picture, "LiteMaaS / LiteLLM gateway: panels drawn from a real scrape of LiteLLM 1.108.7")
    assert picture.read_bytes().startswith(b"\x89PNG") and picture.stat().st_size > 20_000
    if os.environ.get("LITEMAAS_DASHBOARD_PICTURE"):
        shutil.copyfile(picture, Path(os.environ["LITEMAAS_DASHBOARD_PICTURE"]))
