"""Prometheus scraping of the gateway: the scrape key's Secret and a ServiceMonitor (monitoring.coreos.com/v1)
for OpenShift user-workload monitoring (or any prometheus-operator); the alerts as a PrometheusRule; and the
dashboard as a GrafanaDashboard (grafana-operator) when `monitoring.grafana` is set."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.alert_rules import rule_groups
from components.dashboard import dashboard_json
from components.litellm_gateway import COMPONENT as GATEWAY, METRICS_PATH
from config import MonitoringConfig

TOKEN_SECRET = "litellm-metrics-token"
TOKEN_KEY = "token"
RULE_NAME = "litellm-alerts"
DASHBOARD_NAME = "litellm"


@dataclass
class GatewayMonitoringArgs:
    namespace: pulumi.Input[str]
    config: MonitoringConfig
    scrape_key: pulumi.Input[str]  # secret: a virtual key limited to /metrics (allowed_routes)
    backups: bool = False  # the postgres-backup CronJob exists: its alerts are added


class GatewayMonitoring(pulumi.ComponentResource):
    """`/metrics/` scraped with a bearer token read from a Secret: user-workload monitoring refuses
    bearerTokenFile, and the key is not the master key, so the monitoring stack never holds admin rights."""

    def __init__(self, name: str, args: GatewayMonitoringArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:GatewayMonitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.secret = k8s.core.v1.Secret(
            f"{name}-token",
            metadata=kube.metadata(TOKEN_SECRET, args.namespace, GATEWAY),
            type="Opaque",
            string_data={TOKEN_KEY: pulumi.Output.secret(args.scrape_key)},
            opts=child)
        self.service_monitor = k8s.apiextensions.CustomResource(
            f"{name}-service-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata=kube.metadata("litellm", args.namespace, GATEWAY),
            spec={
                "selector": {"matchLabels": kube.selector_labels(GATEWAY)},
                "endpoints": [{
                    "port": "http",
                    "path": METRICS_PATH,
                    "scheme": "http",
                    "interval": args.config.interval,
                    "scrapeTimeout": "10s",
                    "authorization": {"type": "Bearer",
                                      "credentials": {"name": TOKEN_SECRET, "key": TOKEN_KEY}},
                }],
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret]))
        self.rule = None
        alerts = args.config.alerts
        if alerts.active(args.backups):
            groups = pulumi.Output.from_input(args.namespace).apply(
                lambda namespace: rule_groups(alerts, namespace, args.backups))
            self.rule = k8s.apiextensions.CustomResource(
                f"{name}-rule",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata=kube.metadata(RULE_NAME, args.namespace, GATEWAY),
                spec={"groups": groups},
                opts=child)
        self.dashboard = None
        grafana = args.config.grafana
        if grafana is not None:
            spec: dict = {
                "instanceSelector": {"matchLabels": dict(grafana.instance_labels)},
                "allowCrossNamespaceImport": grafana.allow_cross_namespace_import,
                "json": pulumi.Output.from_input(args.namespace).apply(
                    lambda namespace: dashboard_json(namespace, grafana.datasource)),
            }
            if grafana.folder:
                spec["folder"] = grafana.folder
            self.dashboard = k8s.apiextensions.CustomResource(
                f"{name}-dashboard",
                api_version="grafana.integreatly.org/v1beta1",
                kind="GrafanaDashboard",
                metadata=kube.metadata(DASHBOARD_NAME, args.namespace, GATEWAY),
                spec=spec,
                opts=child)
        self.register_outputs({})
