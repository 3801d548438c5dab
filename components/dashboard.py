"""The Grafana dashboard of the gateway (dashboards/litellm.json) as the GrafanaDashboard carries it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Iterator, Optional

DASHBOARD_FILE = Path(__file__).resolve().parents[1] / "dashboards" / "litellm.json"


def load_dashboard() -> dict:
    return json.loads(DASHBOARD_FILE.read_text())


def dashboard_json(namespace: Optional[str] = None, datasource: Optional[str] = None) -> str:
    """The dashboard for one stack: its own uid and title (two stacks can share a Grafana), the namespace
    picker preset to the stack's namespace, the data source picker to `datasource` (a Grafana data source name)."""
    dashboard = load_dashboard()
    if namespace:
        # Grafana's uid is at most 40 characters; a namespace name may have 63.
        digest = hashlib.sha256(namespace.encode()).hexdigest()[:8]
        dashboard["uid"] = f"{dashboard['uid']}-{namespace}"[:31] + f"-{digest}"
        dashboard["title"] = f"{dashboard['title']} ({namespace})"
    presets = {"namespace": namespace, "datasource": datasource}
    for variable in dashboard["templating"]["list"]:
        if presets.get(variable["name"]):
            value = presets[variable["name"]]
            variable["current"] = {"text": value, "value": [value] if variable.get("multi") else value}
    return json.dumps(dashboard, separators=(",", ":"))


def panel_queries(dashboard: dict) -> Iterator[tuple[str, str]]:
    """(panel title, PromQL) for every query of every panel."""
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]
