"""The top-level LiteMaaS component: what one stack deploys for each configuration."""

import pytest

from components.litemaas import LiteMaaS
from config import parse_stack_config
from tests.support.manifests import pod_templates, restricted_v2_violations, validate

NAMESPACE = "kubernetes:core/v1:Namespace"
NAMESPACE_PATCH = "kubernetes:core/v1:NamespacePatch"
STS = "kubernetes:apps/v1:StatefulSet"
HOME = "pulumi-python:dynamic/litemaas:DatabaseHome"
MODELS = [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
           "apiBase": "https://granite.apps.example.com/v1"}]

BOTH_PLATFORMS = [
    {"platform": "openshift"},
    {"platform": "kubernetes", "hostname": "litellm.example.com", "ingressClassName": "nginx",
     "ingress": {"tlsSecretName": "litellm-tls"}},
]


def deploy(mocked, values, secret_keys=(), preview=False):
    def program():
        LiteMaaS("litemaas", parse_stack_config(values, set(secret_keys)))
    return mocked.run({}, program=program, preview=preview).recorder


@pytest.mark.parametrize("values", BOTH_PLATFORMS, ids=["openshift", "kubernetes"])
def test_every_manifest_is_valid_and_every_pod_restricted(mocked, values):
    recorder = deploy(mocked, {**values, "litellm": {"replicas": 2}, "redis": {"enabled": True}})
    manifests = [r.manifest for r in recorder.kubernetes()]
    # namespace, 6 for PostgreSQL (claim patch included), 8 for the gateway (its ConfigMap, PDB with 2 replicas),
    # 4 for Redis
    assert len(manifests) == 19
    for manifest in manifests:
        validate(manifest)
    pods = [pod for m in manifests for pod in pod_templates(m)]
    assert len(pods) == 4  # PostgreSQL, migration Job, gateway, Redis
    for pod in pods:
        assert restricted_v2_violations(pod, openshift=values["platform"] == "openshift") == []


PRODUCTION = {"litellm": {"autoscaling": {"minReplicas": 2, "maxReplicas": 6}}, "redis": {"enabled": True},
              "monitoring": {"enabled": True},
              "alerting": {"slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/sEcReT"}}


@pytest.mark.parametrize("values", BOTH_PLATFORMS, ids=["openshift", "kubernetes"])
def test_the_production_topology_is_valid_restricted_and_keeps_secrets_in_secrets(mocked, values):
    import json

    recorder = deploy(mocked, {**values, **PRODUCTION}, secret_keys=("alerting",))
    manifests = [r.manifest for r in recorder.kubernetes()]
    kinds = sorted(m["kind"] for m in manifests)
    assert kinds.count("HorizontalPodAutoscaler") == 1 and kinds.count("ServiceMonitor") == 1
    assert kinds.count("PrometheusRule") == 1
    assert kinds.count("ConfigMap") == 1 and kinds.count("NetworkPolicy") == 3
    for manifest in manifests:
        validate(manifest)
    for pod in [pod for m in manifests for pod in pod_templates(m)]:
        assert restricted_v2_violations(pod, openshift=values["platform"] == "openshift") == []
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container.get("resources", {}).get("limits"), container["name"]
    redis_url = next(m for m in manifests if m["kind"] == "Secret" and m["metadata"]["name"] == "litellm-credentials"
                     )["stringData"]["REDIS_URL"]
    password = redis_url.split(":")[2].split("@")[0]
    for manifest in manifests:
        if manifest["kind"] != "Secret":
            text = json.dumps(manifest)
            assert "sEcReT" not in text and password not in text, manifest["kind"]


def test_namespace_is_kept_with_the_database_volume_and_adopted_again(mocked):
    """After `destroy` the namespace stays (it holds the volume); the next `up` must adopt it, not create it."""
    recorder = deploy(mocked, {})
    assert recorder.of_type(NAMESPACE) == []
    kept = recorder.one(NAMESPACE_PATCH)  # server-side apply: creates it, or adopts the kept one
    assert kept.request.retainOnDelete is True
    assert kept.manifest["metadata"]["name"] == "litemaas"
    assert kept.manifest["metadata"]["labels"]["app.kubernetes.io/part-of"] == "litemaas"
    assert {r.manifest["metadata"]["namespace"] for r in recorder.kubernetes() if r is not kept} == {"litemaas"}
    deleted = deploy(mocked, {"postgres": {"deleteDataOnDestroy": True}})
    assert deleted.of_type(NAMESPACE_PATCH) == []
    assert not deleted.one(NAMESPACE).request.retainOnDelete


def test_switching_delete_data_on_destroy_keeps_the_namespace(mocked):
    """Namespace and NamespacePatch alias each other: the switch updates the one object, neither deletes it."""
    kept = deploy(mocked, {}).one(NAMESPACE_PATCH)
    owned = deploy(mocked, {"postgres": {"deleteDataOnDestroy": True}}).one(NAMESPACE)
    assert kept.name == owned.name
    assert NAMESPACE in kept.alias_types and NAMESPACE_PATCH in owned.alias_types


def test_existing_namespace_is_used_as_is(mocked):
    recorder = deploy(mocked, {"namespace": "shared-ai", "createNamespace": False})
    assert recorder.of_type(NAMESPACE) == []
    assert {r.manifest["metadata"]["namespace"] for r in recorder.kubernetes()} == {"shared-ai"}


def test_external_database_replaces_the_statefulset(mocked):
    recorder = deploy(mocked, {"postgres": {"externalDatabaseUrl": "postgresql://u:p@db.example.com:5432/litellm"}},
                      secret_keys=("postgres",))
    assert recorder.of_type(STS) == []
    assert recorder.one("kubernetes:core/v1:Secret").manifest["stringData"]["DATABASE_URL"] == \
        "postgresql://u:p@db.example.com:5432/litellm"


@pytest.mark.parametrize("change", [
    {"postgres": {"externalDatabaseUrl": "postgresql://u:p@db.example.com:5432/litellm"}},
    {"namespace": "litemaas-2"},
])
def test_moving_to_another_database_runs_the_migration_again(mocked, change):
    def job_name(values):
        recorder = deploy(mocked, values, secret_keys=("postgres",))
        return recorder.one("kubernetes:batch/v1:Job").manifest["metadata"]["name"]

    assert job_name(change) != job_name({})


def test_catalog_waits_for_the_gateway(mocked):
    recorder = deploy(mocked, {"models": MODELS})
    model = recorder.one("pulumi-python:dynamic/litellm:Model")
    deployment = recorder.one("kubernetes:apps/v1:Deployment")
    assert any(dep.endswith(f"::{deployment.name}") for dep in model.dependencies)


def test_without_gateway_nothing_is_deployed_to_kubernetes(mocked):
    recorder = deploy(mocked, {"deployGateway": False, "gatewayUrl": "https://litellm.example.com",
                               "masterKey": "sk-existing", "models": MODELS}, secret_keys=("masterKey",))
    assert recorder.kubernetes() == []
    assert recorder.of_type("random:index/randomPassword:RandomPassword") == []
    assert len(recorder.of_type("pulumi-python:dynamic/litellm:Model")) == 1


def test_kubernetes_with_a_gateway_url_and_no_hostname_has_no_ingress(mocked):
    import pulumi

    def program():
        litemaas = LiteMaaS("litemaas", parse_stack_config(
            {"platform": "kubernetes", "gatewayUrl": "http://127.0.0.1:4000", "models": MODELS}))
        pulumi.export("gatewayUrl", litemaas.gateway_url)
        pulumi.export("componentUrl", litemaas.gateway.gateway_url)

    run = mocked.run({}, program=program)
    assert run.recorder.of_type("kubernetes:networking.k8s.io/v1:Ingress") == []
    assert run.exports["gatewayUrl"] == "http://127.0.0.1:4000"
    assert "None" not in run.exports["componentUrl"]
    model = run.recorder.one("pulumi-python:dynamic/litellm:Model")
    # The providers read litemaas:gatewayUrl from the stack config; the generated master key still travels.
    assert "admin_url" not in model.inputs and "master_key" in model.inputs


def test_preview_works_before_the_cluster_has_anything(mocked):
    recorder = deploy(mocked, {"models": MODELS, "keys": [{"alias": "k", "models": ["granite-8b-instruct"]}]},
                      preview=True)
    assert len(recorder.kubernetes()) == 13  # one replica: no PDB
    assert recorder.one("pulumi-python:dynamic/litellm:VirtualKey")


BRING_YOUR_OWN = {"masterKey": "sk-" + "m" * 40,
                  "litellm": {"saltKey": "s" * 64, "uiPassword": "u" * 24},
                  "postgres": {"password": "p" * 32}}


def test_supplied_credentials_replace_every_generated_one(mocked):
    recorder = deploy(mocked, BRING_YOUR_OWN, secret_keys=("masterKey", "litellm", "postgres"))
    # Only the salt key is still generated, unprotected and unused: a stack that generated it may adopt its value.
    [salt] = recorder.of_type("random:index/randomPassword:RandomPassword")
    assert salt.name == "litellm-salt-key" and not salt.request.protect
    gateway_secret = next(r for r in recorder.of_type("kubernetes:core/v1:Secret")
                          if r.manifest["metadata"]["name"] == "litellm-credentials").manifest["stringData"]
    assert gateway_secret["LITELLM_SALT_KEY"] == "s" * 64 and gateway_secret["UI_PASSWORD"] == "u" * 24
    assert ":" + "p" * 32 + "@" in gateway_secret["DATABASE_URL"]


def test_supplied_credentials_must_be_encrypted(mocked):
    from config import ConfigError
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(BRING_YOUR_OWN, {"masterKey"})
    message = str(raised.value)
    for path in ("litellm.saltKey", "litellm.uiPassword", "postgres.password"):
        assert f"litemaas:{path}: is stored in plain text" in message
    assert "sss" not in message and "ppp" not in message


def test_the_database_home_is_checked_before_the_namespace_and_database_move(mocked):
    """The namespace, the database and the gateway wait for the guard: a refused move registers nothing of them."""
    recorder = deploy(mocked, {"namespace": "ai", "postgres": {"acknowledgeNewDatabase": "ai/bundled"}})
    home = recorder.one(HOME)
    assert {k: home.manifest[k] for k in ("namespace", "kind", "acknowledged", "namespace_object")} == \
        {"namespace": "ai", "kind": "bundled", "acknowledged": "ai/bundled", "namespace_object": "adopted"}
    for typ, name in ((NAMESPACE_PATCH, "litemaas-namespace"), ("litemaas:index:PostgreSQL", "postgres"),
                      ("litemaas:index:LiteLLMGateway", "litellm")):
        assert any(d.endswith("::database-home") for d in recorder.requests[(typ, name)].dependencies), typ
    external = deploy(mocked, {"postgres": {"externalDatabaseUrl": "postgresql://u:p@db.example.com:5432/litellm"}},
                      secret_keys=("postgres",))
    assert external.one(HOME).manifest["kind"] == "external"
    gatewayless = deploy(mocked, {"deployGateway": False, "gatewayUrl": "https://litellm.example.com",
                                  "masterKey": "sk-admin-0123456789abcdef"}, secret_keys=("masterKey",))
    assert gatewayless.of_type(HOME) == []  # an earlier gatewayless stack previews with no change
