"""The gateway's ServiceMonitor and its scrape-key Secret (and the /metrics-only key LiteMaaS creates)."""

import json

import pytest

from components.monitoring import GatewayMonitoring, GatewayMonitoringArgs
from config import MonitoringConfig, parse_stack_config
from tests.support.manifests import validate
from tests.support.pulumi_program import has_secret_envelope

SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
SCRAPE_KEY = "sk-scrape-only-key"


def deploy(mocked, **config):
    def program():
        import pulumi
        GatewayMonitoring("litellm-monitoring", GatewayMonitoringArgs(
            namespace="ai", config=MonitoringConfig(enabled=True, **config),
            scrape_key=pulumi.Output.secret(SCRAPE_KEY)))
    return mocked.run({}, program=program).recorder


def test_the_service_monitor_scrapes_with_the_token_from_a_secret(mocked):
    recorder = deploy(mocked, interval="15s")
    monitor = recorder.one(SERVICE_MONITOR).manifest
    validate(monitor)  # against tests/support/servicemonitor_crd.yaml
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics/" and endpoint["interval"] == "15s"
    assert endpoint["authorization"] == {"type": "Bearer",
                                         "credentials": {"name": "litellm-metrics-token", "key": "token"}}
    assert "bearerTokenFile" not in endpoint  # OpenShift user-workload monitoring rejects it
    assert monitor["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "litellm"
    secret = recorder.one("kubernetes:core/v1:Secret")
    assert has_secret_envelope(secret.inputs["stringData"]) and secret.manifest["stringData"]["token"] == SCRAPE_KEY
    assert SCRAPE_KEY not in json.dumps(monitor)


def test_the_schema_catches_what_the_operator_would_refuse(mocked):
    import jsonschema
    monitor = deploy(mocked).one(SERVICE_MONITOR).manifest
    for broken in ({"interval": "30 seconds"}, {"scheme": "ftp"}, {"authorisation": {}}):
        bad = json.loads(json.dumps(monitor))
        bad["spec"]["endpoints"][0].update(broken)
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)


def test_the_scrape_key_may_call_metrics_only_and_is_not_the_master_key(mocked):
    from components.litemaas import LiteMaaS

    def program():
        LiteMaaS("litemaas", parse_stack_config({"monitoring": {"enabled": True}}))
    recorder = mocked.run({}, program=program).recorder
    key = recorder.one("pulumi-python:dynamic/litellm:VirtualKey", "litellm-metrics-key")
    assert key.inputs["allowed_routes"] == ["/metrics"] and key.inputs["key_alias"] == "litemaas-metrics"
    assert not key.inputs.get("models")  # allowed_routes, not models, is what confines it
    # The token Secret holds the key's value (an engine-computed output, absent under mocks), never the master key.
    token_secret = recorder.one("kubernetes:core/v1:Secret", "litellm-monitoring-token")
    master = recorder.one("kubernetes:core/v1:Secret", "litellm-credentials").manifest["stringData"]
    assert master["LITELLM_MASTER_KEY"] not in json.dumps(token_secret.manifest)
    assert any(dep.endswith("::litellm-metrics-key") for dep in token_secret.dependencies)


PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
GRAFANA_DASHBOARD = "kubernetes:grafana.integreatly.org/v1beta1:GrafanaDashboard"


def deploy_with(mocked, monitoring: dict, backups: bool = False):
    from config import parse_stack_config

    config = parse_stack_config({"monitoring": {"enabled": True, **monitoring}}).monitoring

    def program():
        import pulumi
        GatewayMonitoring("litellm-monitoring", GatewayMonitoringArgs(
            namespace="ai", config=config, scrape_key=pulumi.Output.secret(SCRAPE_KEY), backups=backups))
    return mocked.run({}, program=program).recorder


def test_the_prometheus_rule_has_every_alert_with_severity_and_summary(mocked):
    from config.monitoring import ALERTS

    rule = deploy_with(mocked, {}, backups=True).one(PROMETHEUS_RULE).manifest
    validate(rule)  # against tests/support/prometheusrule_crd.yaml
    (group,) = rule["spec"]["groups"]
    assert [r["alert"] for r in group["rules"]] == list(ALERTS)
    for alert in group["rules"]:
        assert alert["labels"]["severity"] in ("warning", "critical")
        assert alert["annotations"]["summary"] and alert["annotations"]["description"]
        assert 'namespace="ai"' in alert["expr"]  # two stacks in one cluster stay apart
    assert SCRAPE_KEY not in json.dumps(rule)


def test_thresholds_and_switches_reach_the_rule(mocked):
    rule = deploy_with(mocked, {"alerts": {"budgetLowPercent": 35, "spendPerDay": 1234.5, "latencyP95Seconds": 12,
                                           "disabled": ["LiteLLMTeamSpendPerHourHigh", "LiteLLMGatewayDown"],
                                           "for": "30s"}}).one(PROMETHEUS_RULE).manifest
    rules = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert "LiteLLMTeamSpendPerHourHigh" not in rules and "LiteLLMGatewayDown" not in rules
    assert "LiteMaaSBackupFailed" not in rules  # no backups configured
    assert "< 0.35" in rules["LiteLLMKeyBudgetLow"]["expr"] and "> 1234.5" in rules["LiteLLMSpendPerDayHigh"]["expr"]
    assert rules["LiteLLMLatencyHigh"]["expr"].endswith("> 12")
    assert {r["for"] for r in rules.values()} == {"30s"}


def test_alerts_can_be_switched_off_entirely(mocked):
    recorder = deploy_with(mocked, {"alerts": {"enabled": False}})
    assert recorder.of_type(PROMETHEUS_RULE) == [] and len(recorder.of_type(SERVICE_MONITOR)) == 1


def test_the_grafana_dashboard_selects_the_admins_instance(mocked):
    from components.dashboard import load_dashboard

    recorder = deploy_with(mocked, {"grafana": {"instanceLabels": {"dashboards": "grafana"}, "folder": "LiteMaaS",
                                                "datasource": "Thanos"}})
    dashboard = recorder.one(GRAFANA_DASHBOARD).manifest
    validate(dashboard)  # against tests/support/grafanadashboard_crd.yaml
    spec = dashboard["spec"]
    assert spec["instanceSelector"] == {"matchLabels": {"dashboards": "grafana"}}
    assert spec["folder"] == "LiteMaaS" and spec["allowCrossNamespaceImport"] is True
    model = json.loads(spec["json"])
    assert model["panels"] == load_dashboard()["panels"]  # the file in the repository, as it is
    pickers = {v["name"]: v["current"] for v in model["templating"]["list"]}
    assert pickers == {"datasource": {"text": "Thanos", "value": "Thanos"}, "namespace": {"text": "ai", "value": ["ai"]}}
    assert model["uid"].startswith("litemaas-litellm-ai-") and len(model["uid"]) <= 40 and "(ai)" in model["title"]
    assert SCRAPE_KEY not in spec["json"]
    assert deploy_with(mocked, {}).of_type(GRAFANA_DASHBOARD) == []  # only with monitoring.grafana


def test_the_new_schemas_catch_what_the_operators_would_refuse(mocked):
    import jsonschema

    recorder = deploy_with(mocked, {"grafana": {"instanceLabels": {"dashboards": "grafana"}}})
    rule, dashboard = recorder.one(PROMETHEUS_RULE).manifest, recorder.one(GRAFANA_DASHBOARD).manifest
    for manifest, path, broken in [(rule, ("spec", "groups", 0, "rules", 0), {"for": "5 minutes"}),
                                   (rule, ("spec", "groups", 0), {"name": ""}),
                                   (dashboard, ("spec",), {"instanceSelector": None}),
                                   (dashboard, ("spec",), {"resyncPeriod": "ten minutes"}),
                                   (dashboard, ("spec",), {"dashboardJson": "{}"})]:
        bad = json.loads(json.dumps(manifest))
        target = bad
        for step in path:
            target = target[step]
        target.update(broken)
        if broken.get("instanceSelector", "") is None:
            del target["instanceSelector"]
        with pytest.raises(jsonschema.ValidationError):
            validate(bad)
