"""LiteLLM gateway component: manifests, probes, rollout, exposure, network policy, config file, autoscaling.
The migration Job is tests/test_litellm_gateway_migration.py; credentials and env tests/test_litellm_gateway_credentials.py."""

import json

import pytest

from config import IngressConfig
from tests.support.gateway_program import (
    DEPLOYMENT, EVERY_FEATURE, INGRESS, JOB, REDIS_URL, ROUTE, SECRET, SLACK_WEBHOOK, container,
    deploy, run_gateway,
)
from tests.support.manifests import restricted_v2_violations, validate


@pytest.mark.parametrize("openshift", [True, False])
def test_manifests_are_valid_and_restricted(mocked, openshift):
    recorder = deploy(mocked, openshift=openshift, replicas=2)
    kinds = sorted(r.manifest["kind"] for r in recorder.kubernetes())
    exposure = "Route" if openshift else "Ingress"
    assert kinds == sorted(["Secret", "Job", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy",
                            exposure])
    for registration in recorder.kubernetes():
        validate(registration.manifest)
    for typ in (DEPLOYMENT, JOB):
        pod = recorder.one(typ).manifest["spec"]["template"]["spec"]
        assert restricted_v2_violations(pod, openshift=openshift) == []
        if not openshift:
            assert pod["securityContext"]["runAsUser"] == 65534


def test_probes_have_timeouts_of_several_seconds(mocked):
    c = container(deploy(mocked))
    assert c["startupProbe"]["httpGet"]["path"] == "/health/readiness"
    assert c["readinessProbe"]["httpGet"]["path"] == "/health/readiness"
    assert c["livenessProbe"]["httpGet"]["path"] == "/health/liveliness"
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["timeoutSeconds"] >= 5
    assert c["startupProbe"]["periodSeconds"] * c["startupProbe"]["failureThreshold"] >= 300


def test_rolling_update_and_writable_runtime_dirs(mocked):
    recorder = deploy(mocked, replicas=3)
    spec = recorder.one(DEPLOYMENT).manifest["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": 0}
    c = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in c["env"]}
    mounts = {m["mountPath"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["template"]["spec"]["volumes"]}
    assert all("emptyDir" in v for v in volumes.values())
    for variable in ("HOME", "TMPDIR"):
        assert any(env[variable].startswith(mount) for mount in mounts), variable
    assert "PRISMA_BINARY_CACHE_DIR" not in env  # baked engines must stay visible
    assert recorder.one("kubernetes:policy/v1:PodDisruptionBudget").manifest["spec"]["minAvailable"] == 1


def test_replicas_spread_over_nodes_without_blocking_scheduling(mocked):
    pod = deploy(mocked, replicas=2).one(DEPLOYMENT).manifest["spec"]["template"]["spec"]
    (spread,) = pod["topologySpreadConstraints"]
    assert spread["topologyKey"] == "kubernetes.io/hostname" and spread["whenUnsatisfiable"] == "ScheduleAnyway"


def test_single_replica_has_no_disruption_budget_or_spread(mocked):
    recorder = deploy(mocked, replicas=1)
    assert recorder.of_type("kubernetes:policy/v1:PodDisruptionBudget") == []
    assert "topologySpreadConstraints" not in recorder.one(DEPLOYMENT).manifest["spec"]["template"]["spec"]


def test_route_is_edge_tls_with_redirect_and_timeout(mocked):
    route = deploy(mocked, route_timeout="900s").one(ROUTE).manifest
    assert route["spec"]["tls"] == {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}
    assert route["metadata"]["annotations"]["haproxy.router.openshift.io/timeout"] == "900s"
    assert route["spec"]["to"]["name"] == "litellm" and route["spec"]["port"]["targetPort"] == "http"


def test_kubernetes_platform_uses_ingress(mocked):
    recorder = deploy(mocked, openshift=False)
    assert recorder.of_type(ROUTE) == []
    ingress = recorder.one(INGRESS).manifest["spec"]
    assert ingress["ingressClassName"] == "nginx" and ingress["rules"][0]["host"] == "litellm.example.com"


@pytest.mark.parametrize("ingress, annotations", [
    (IngressConfig(tls_secret_name="litellm-cert"), {}),
    (IngressConfig(cluster_issuer="letsencrypt-prod"), {"cert-manager.io/cluster-issuer": "letsencrypt-prod"}),
], ids=["own-secret", "cert-manager"])
def test_kubernetes_ingress_serves_tls_and_the_url_is_https(mocked, ingress, annotations):
    run = run_gateway(mocked, openshift=False, exposure={"ingress": ingress})
    manifest = run.recorder.one(INGRESS).manifest
    validate(manifest)
    assert manifest["spec"]["tls"] == [{"hosts": ["litellm.example.com"], "secretName": ingress.secret_name}]
    assert {k: v for k, v in manifest["metadata"].get("annotations", {}).items() if "cert-manager" in k} == annotations
    assert run.exports["gatewayUrl"] == "https://litellm.example.com"


def test_an_ingress_without_tls_is_plain_http(mocked):
    # Only reachable with adminApi.allowInsecureHttp: config refuses it otherwise.
    run = run_gateway(mocked, openshift=False)
    assert "tls" not in run.recorder.one(INGRESS).manifest["spec"]
    assert run.exports["gatewayUrl"] == "http://litellm.example.com"


def test_kubernetes_without_hostname_has_no_ingress_and_an_in_cluster_url(mocked):
    run = run_gateway(mocked, openshift=False, exposure={"hostname": None, "ingress_class_name": None})
    assert run.recorder.of_type(INGRESS) == [] and run.recorder.of_type(ROUTE) == []
    assert run.exports["gatewayUrl"] == "http://litellm.ai.svc:4000"  # the Service, never http://None


@pytest.mark.parametrize("openshift, peer", [
    (True, {"namespaceSelector": {"matchLabels": {"policy-group.network.openshift.io/ingress": ""}}}),
    (False, {"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["ingress-nginx"]}]}}),
])
def test_network_policy_admits_the_router(mocked, openshift, peer):
    policy = deploy(mocked, openshift=openshift).one("kubernetes:networking.k8s.io/v1:NetworkPolicy").manifest
    (rule,) = policy["spec"]["ingress"]
    assert peer in rule["from"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 4000}]


def test_network_policy_leaves_egress_open_for_model_servers(mocked):
    # The gateway calls providers on the internet and OpenShift AI predictors in other namespaces (README,
    # "OpenShift AI models"): only the model namespace's ingress policy needs to admit it.
    policy = deploy(mocked).one("kubernetes:networking.k8s.io/v1:NetworkPolicy").manifest
    assert policy["spec"]["policyTypes"] == ["Ingress"] and "egress" not in policy["spec"]


def test_preview_before_anything_exists(mocked):
    recorder = deploy(mocked, preview=True)
    assert recorder.one(DEPLOYMENT) and recorder.one(ROUTE) and recorder.one(JOB)


CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"


def test_without_production_features_there_is_no_config_file(mocked):
    recorder = deploy(mocked)
    assert recorder.of_type(CONFIG_MAP) == [] and container(recorder)["args"] == ["--port", "4000"]


def test_litellm_settings_come_from_a_mounted_config_map_without_secrets(mocked):
    import pulumi
    recorder = deploy(mocked, **EVERY_FEATURE(pulumi))
    config_map = recorder.one(CONFIG_MAP).manifest
    validate(config_map)
    text = config_map["data"]["config.yaml"]
    settings = json.loads(text)  # JSON is YAML
    assert settings["general_settings"]["coordination_redis"] == {"url": "os.environ/REDIS_URL"}
    assert settings["general_settings"]["alerting"] == ["slack"]
    assert "budget_alerts" in settings["general_settings"]["alert_types"]
    assert settings["litellm_settings"]["callbacks"] == ["prometheus"]
    assert settings["litellm_settings"]["require_auth_for_metrics_endpoint"] is True
    assert "redis-pass-word" not in text and "webhook-secret" not in text
    c = container(recorder)
    assert c["args"] == ["--port", "4000", "--config", "/etc/litellm/config.yaml"]
    assert {"name": "config", "mountPath": "/etc/litellm", "readOnly": True} in c["volumeMounts"]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in c["env"] if "valueFrom" in e}
    assert refs["REDIS_URL"] == refs["SLACK_WEBHOOK_URL"] == "litellm-credentials"
    secret = recorder.one(SECRET).manifest["stringData"]
    assert secret["REDIS_URL"] == REDIS_URL and secret["SLACK_WEBHOOK_URL"] == SLACK_WEBHOOK
    labels = recorder.one(DEPLOYMENT).manifest["spec"]["template"]["metadata"]["labels"]
    assert labels["litemaas.io/redis-client"] == "true"  # the Redis NetworkPolicy admits the gateway
    assert "redis-client" not in json.dumps(recorder.one(JOB).manifest)  # the migration never needs Redis


def test_a_changed_config_file_rolls_the_pods(mocked):
    import pulumi

    from config import AlertingConfig

    def digest(**kwargs):
        pod = deploy(mocked, **kwargs).one(DEPLOYMENT).manifest["spec"]["template"]["metadata"]
        return pod["annotations"]["litemaas.io/config-digest"]

    features = EVERY_FEATURE(pulumi)
    other = {**features, "alerting": AlertingConfig(slack_webhook_url=pulumi.Output.secret(SLACK_WEBHOOK),
                                                    alert_types=("budget_alerts",))}
    assert digest(**features) == digest(**features) != digest(**other)


def test_autoscaling_makes_an_hpa_and_leaves_the_replica_count_to_it(mocked):
    import pulumi

    from config import AutoscalingConfig
    recorder = deploy(mocked, autoscaling=AutoscalingConfig(min_replicas=3, max_replicas=8, target_cpu_utilization=60),
                      redis_url=pulumi.Output.secret(REDIS_URL))
    hpa = recorder.one(HPA).manifest
    validate(hpa)
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "litellm"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 8)
    assert hpa["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}]
    deployment = recorder.one(DEPLOYMENT).manifest["spec"]
    assert "replicas" not in deployment  # an `up` never resets what the HPA chose
    assert "topologySpreadConstraints" in deployment["template"]["spec"]
    assert recorder.one(PDB).manifest["spec"]["minAvailable"] == 2  # minReplicas - 1: a drain at the floor works


def test_autoscaling_from_one_pod_has_no_disruption_budget(mocked):
    from config import AutoscalingConfig
    recorder = deploy(mocked, autoscaling=AutoscalingConfig(min_replicas=1, max_replicas=4))
    assert recorder.of_type(PDB) == [] and recorder.one(HPA)


@pytest.mark.parametrize("openshift, scrapers", [(True, ["openshift-user-workload-monitoring"]),
                                                 (False, ["monitoring"])])
def test_the_network_policy_admits_prometheus_when_monitoring(mocked, openshift, scrapers):
    import pulumi
    policy = deploy(mocked, openshift=openshift, **EVERY_FEATURE(pulumi)).one(
        "kubernetes:networking.k8s.io/v1:NetworkPolicy").manifest
    peers = policy["spec"]["ingress"][0]["from"]
    assert {"namespaceSelector": {"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": scrapers}]}} in peers
