"""The Grafana dashboard of the gateway (dashboards/litellm.json) as the GrafanaDashboard carries it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator, Optional

DASHBOARD_FILE = Path(__file__).resolve().parents[1] / "dashboards" / "litellm.json"


def load_dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


def dashboard_json(datasource: Optional[str] = None) -> str:
    """The dashboard, its data source picker preset to `datasource` (a Grafana data source name) when given."""
    dashboard = load_dashboard()
    if datasource:
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "datasource":
                variable["current"] = {"text": datasource, "value": datasource}
    return json.dumps(dashboard, separators=(",", ":"))


def panel_queries(dashboard: dict) -> Iterator[tuple[str, str]]:
    """(panel title, PromQL) for every query of every panel."""
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]
