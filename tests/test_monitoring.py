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
