"""LiteLLM gateway component: credentials, migration ordering, probes, exposure, security."""

import json
import os
import subprocess

import pytest

from components.kube import WAIT_FOR_DATABASE
from components.litellm_gateway import LiteLLMGateway, LiteLLMGatewayArgs
from config import IngressConfig, LiteLLMConfig
from litemaas_common.litellm_versions import DEFAULT_VERSION, TESTED_VERSIONS
from tests.support.manifests import pod_templates, restricted_v2_violations, validate
from tests.support.pulumi_program import has_secret_envelope
from tests.support.real_litellm import free_port

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
JOB = "kubernetes:batch/v1:Job"
ROUTE = "kubernetes:route.openshift.io/v1:Route"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
SECRET = "kubernetes:core/v1:Secret"
RANDOM = "random:index/randomPassword:RandomPassword"
DATABASE_URL = "postgresql://litellm:pw@postgres.ai.svc:5432/litellm?sslmode=disable"


def EVERY_FEATURE(pulumi):
    """Gateway arguments that turn on Redis, metrics and alerts (pass with ** to run_gateway / deploy)."""
    from config import AlertingConfig, MonitoringConfig
    return {"redis_url": pulumi.Output.secret(REDIS_URL), "monitoring": MonitoringConfig(enabled=True),
            "alerting": AlertingConfig(slack_webhook_url=pulumi.Output.secret(SLACK_WEBHOOK))}


REDIS_URL = "redis://:redis-pass-word@redis.ai.svc:6379/0"
SLACK_WEBHOOK = "https://hooks.slack.com/services/T0/B0/webhook-secret"


def run_gateway(mocked, openshift=True, preview=False, master_key=None, protect_salt_key=True, exposure=None,
                database_url=DATABASE_URL, redis_url=None, monitoring=None, alerting=None, **config):
    """One gateway under mocks; `exposure` overrides hostname / ingress_class_name / ingress. Exports gatewayUrl."""

    def program():
        import pulumi
        exposed = {"hostname": None if openshift else "litellm.example.com",
                   "ingress_class_name": None if openshift else "nginx", **(exposure or {})}
        gateway = LiteLLMGateway("litellm", LiteLLMGatewayArgs(
            namespace="ai", config=LiteLLMConfig(**config), openshift=openshift,
            database_url=pulumi.Output.secret(database_url), wait_image="postgres:16.10-alpine",
            master_key=master_key, protect_salt_key=protect_salt_key, redis_url=redis_url,
            **({"monitoring": monitoring} if monitoring else {}), **({"alerting": alerting} if alerting else {}),
            **exposed))
        pulumi.export("gatewayUrl", gateway.gateway_url)
    return mocked.run({}, program=program, preview=preview)


def deploy(mocked, **kwargs):
    return run_gateway(mocked, **kwargs).recorder


def container(recorder, typ=DEPLOYMENT):
    return recorder.one(typ).manifest["spec"]["template"]["spec"]["containers"][0]


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


def test_deployment_waits_for_the_migration_job(mocked):
    recorder = deploy(mocked)
    deployment, job = recorder.one(DEPLOYMENT), recorder.one(JOB)
    assert any(dep.endswith(f"::{job.name}") for dep in deployment.dependencies)
    job_spec = job.manifest["spec"]["template"]["spec"]
    assert job_spec["initContainers"][0]["name"] == "wait-for-database"
    assert "pg_isready" in job_spec["initContainers"][0]["command"][-1]
    env = {e["name"]: e.get("value") for e in job_spec["containers"][0]["env"]}
    assert env["DISABLE_SCHEMA_UPDATE"] == "false"
    served = {e["name"]: e.get("value") for e in container(recorder)["env"]}
    assert served["DISABLE_SCHEMA_UPDATE"] == "true"
    assert served["STORE_MODEL_IN_DB"] == "True" and served["LITELLM_MODE"] == "PRODUCTION"


@pytest.mark.real_litellm
@pytest.mark.parametrize("version", TESTED_VERSIONS)
def test_the_migration_entrypoint_exists_in_each_tested_litellm(version):
    """The Job runs a file of LiteLLM's source tree; every tested version ships it, and the default image names the
    version the real proxy of the tests runs."""
    from components.litellm_gateway import MIGRATION_SCRIPT
    from config import DEFAULT_LITELLM_IMAGE
    from tests.support.real_litellm import Installation

    (site,) = (Installation.find(version).root / "venv" / "lib").glob("python3*/site-packages")
    (dist,) = site.glob("litellm-*.dist-info")
    assert dist.name.removeprefix("litellm-").removesuffix(".dist-info") == version
    assert DEFAULT_LITELLM_IMAGE == f"ghcr.io/berriai/litellm-non_root:v{DEFAULT_VERSION}"
    assert "run_server" in (site / MIGRATION_SCRIPT).read_text()


# Prisma's connection parameters the README documents for postgres.externalDatabaseUrl, plus a libpq one.
PRISMA_PARAMETERS = ["schema=litellm", "connection_limit=5", "pgbouncer=true", "pool_timeout=20",
                     "schema=litellm&connection_limit=5&pgbouncer=true&sslmode=disable"]


def wait_commands(mocked, database_url: str) -> dict[str, list[str]]:
    """The wait-for-database init containers of the migration Job and the LiteMaaS backend, for a stack whose
    gateway and backend use external databases at `database_url`."""
    recorder = mocked.run({"postgres": {"externalDatabaseUrl": database_url},
                           "backend": {"enabled": True, "databaseUrl": database_url}},
                          secret_keys=("postgres", "backend")).recorder
    commands = {}
    for registration in recorder.kubernetes():
        for pod in pod_templates(registration.manifest):
            for init in pod.get("initContainers", []):
                if init["name"] == "wait-for-database":
                    commands[registration.name] = init["command"]
    return commands


def test_every_database_wait_runs_the_same_command(mocked):
    commands = wait_commands(mocked, "postgresql://litellm:pw@db.example.com:5432/litellm?schema=litellm")
    assert set(commands) == {"litellm-migration", "litemaas-app-backend"}
    assert all(command == ["sh", "-c", WAIT_FOR_DATABASE] for command in commands.values())


def run_wait(command: list[str], database_url: str, postgres_bin) -> subprocess.Popen:
    env = {"DATABASE_URL": database_url, "PATH": f"{postgres_bin}:{os.environ['PATH']}"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.parametrize("parameters", PRISMA_PARAMETERS)
def test_the_database_wait_ends_on_a_url_with_prisma_parameters(mocked, postgres_server, parameters):
    """pg_isready refuses Prisma's parameters (exit 3, "invalid connection option") on every try; the wait must
    not loop until the Job's deadline on a database that is up."""
    url = f"postgresql://postgres:p%40ss%3Fw%23rd@127.0.0.1:{postgres_server.port}/litellm?{parameters}"
    pg_isready = str(postgres_server.install.postgres_bin / "pg_isready")
    if "schema" in parameters:  # the failure this guards against is real for this pg_isready
        assert subprocess.run([pg_isready, "-q", "-d", url]).returncode == 3
    for name, command in wait_commands(mocked, url).items():
        wait = run_wait(command, url, postgres_server.install.postgres_bin)
        try:
            output, _ = wait.communicate(timeout=60)
        finally:
            wait.kill()
        assert wait.returncode == 0, f"{name}: {output}"
        assert "waiting for the database" not in output


def test_the_database_wait_waits_while_nothing_listens(postgres_server):
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/litellm?schema=litellm&connection_limit=5"
    wait = run_wait(["sh", "-c", WAIT_FOR_DATABASE], url, postgres_server.install.postgres_bin)
    try:
        assert [wait.stdout.readline() for _ in range(2)] == ["waiting for the database\n"] * 2
        assert wait.poll() is None
    finally:
        wait.kill()
        wait.communicate()


def test_a_new_image_gets_a_new_migration_job(mocked):
    first = deploy(mocked, image="ghcr.io/berriai/litellm-non_root:v1.108.7").one(JOB)
    second = deploy(mocked, image="ghcr.io/berriai/litellm-non_root:v1.108.14").one(JOB)
    assert first.manifest["metadata"]["name"] != second.manifest["metadata"]["name"]
    assert first.name == second.name  # same Pulumi resource: the change is a replacement


def test_managed_env_is_exactly_what_the_gateway_sets(mocked):
    """config refuses these names in extraEnv; the list must be what the containers really get."""
    import config

    import pulumi

    recorder = deploy(mocked, extra_env={"HTTPS_PROXY": "http://proxy:3128"}, **EVERY_FEATURE(pulumi))
    served = {e["name"] for e in container(recorder)["env"]}
    migration = {e["name"] for e in container(recorder, JOB)["env"]}
    assert config.managed_gateway_env() == (served | migration) - {"HTTPS_PROXY"}


def test_extra_env_never_overrides_a_managed_variable(mocked):
    # config refuses these at preview; the component keeps its own values even if handed them.
    env = {e["name"]: e.get("value") for e in container(deploy(mocked, extra_env={"HOME": "/app", "NO_PROXY": ".svc"}))["env"]}
    assert env["HOME"] == "/var/tmp/litellm" and env["NO_PROXY"] == ".svc"


def migration_job_name(mocked, **kwargs) -> str:
    return deploy(mocked, **kwargs).one(JOB).manifest["metadata"]["name"]


@pytest.mark.parametrize("other_database", [
    "postgresql://litellm:pw@postgres.other-ns.svc:5432/litellm?sslmode=disable",  # namespace / service
    "postgresql://litellm:pw@postgres.ai.svc:5432/litellm2?sslmode=disable",  # database name
    "postgresql://admin:pw@postgres.ai.svc:5432/litellm?sslmode=disable",  # user
    "postgresql://litellm:pw2@postgres.ai.svc:5432/litellm?sslmode=disable",  # password
    "postgresql://u:p@db.example.com:5432/litellm?schema=litemaas",  # an external database
])
def test_a_new_database_gets_a_new_migration_job(mocked, other_database):
    """The gateway runs with DISABLE_SCHEMA_UPDATE=true, so only a new Job migrates a database it was moved to."""
    assert migration_job_name(mocked) == migration_job_name(mocked)
    assert migration_job_name(mocked) != migration_job_name(mocked, database_url=other_database)


def test_the_migration_job_name_reveals_nothing_about_the_database_url(mocked):
    import pulumi
    job = deploy(mocked).one(JOB)
    name = job.manifest["metadata"]["name"]
    assert not has_secret_envelope(job.inputs["metadata"]["name"])  # plain, so the preview can show it
    assert "pw" not in json.dumps(job.manifest) and "postgres.ai.svc" not in json.dumps(job.manifest)
    # Keyed by the salt key: without it, a name cannot be used to test guesses of the database password.
    salted = migration_job_name(mocked, salt_key=pulumi.Output.secret("another-salt-key-" + "x" * 32))
    assert salted != name and len(name) <= 63


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


def test_credentials_live_only_in_the_secret(mocked):
    recorder = deploy(mocked)
    secret = recorder.one(SECRET)
    assert has_secret_envelope(secret.inputs["stringData"])
    data = secret.manifest["stringData"]
    assert data["LITELLM_MASTER_KEY"].startswith("sk-") and data["DATABASE_URL"] == DATABASE_URL
    assert data["LITELLM_SALT_KEY"] == "litellm-salt-key-Gen3rated:/@#%"
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container(recorder)["env"] if "valueFrom" in e}
    assert refs == {k: "litellm-credentials" for k in data}


def test_salt_key_is_generated_once_and_protected(mocked):
    recorder = deploy(mocked)
    salt = recorder.one(RANDOM, "litellm-salt-key")
    assert salt.request.protect is True and "keepers" not in salt.inputs and salt.inputs["length"] >= 32
    unprotected = deploy(mocked, protect_salt_key=False).one(RANDOM, "litellm-salt-key")
    assert not unprotected.request.protect


def test_configured_master_key_is_used_instead_of_generating_one(mocked):
    import pulumi
    recorder = deploy(mocked, master_key=pulumi.Output.secret("sk-configured"))
    assert [r.name for r in recorder.of_type(RANDOM)] == ["litellm-salt-key", "litellm-ui-password"]
    assert recorder.one(SECRET).manifest["stringData"]["LITELLM_MASTER_KEY"] == "sk-configured"


def test_preview_before_anything_exists(mocked):
    recorder = deploy(mocked, preview=True)
    assert recorder.one(DEPLOYMENT) and recorder.one(ROUTE) and recorder.one(JOB)


# --- Redis, autoscaling, metrics, alerts -------------------------------------------------------------------

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


PROXY_WITH_PASSWORD = "http://svc-proxy:pr0xy-pa55@proxy.example.com:3128"


def test_extra_env_of_an_encrypted_litellm_reaches_the_pods_through_the_secret(mocked):
    """`pulumi config set --secret --path litellm.extraEnv.HTTPS_PROXY …` encrypts the whole `litellm` object: its
    values must stay secret in the Deployment and the state."""
    import json as json_text
    recorder = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": PROXY_WITH_PASSWORD, "NO_PROXY": ".svc"}}},
                          secret_keys=("litellm",)).recorder
    deployment = recorder.one(DEPLOYMENT, "litellm-deployment")
    env = {e["name"]: e for e in container(recorder)["env"]}
    assert env["HTTPS_PROXY"] == {"name": "HTTPS_PROXY", "valueFrom": {"secretKeyRef": {
        "name": "litellm-credentials", "key": "HTTPS_PROXY"}}}
    assert "valueFrom" in env["NO_PROXY"]  # no telling which value the admin encrypted: all of them
    assert "pr0xy-pa55" not in json_text.dumps(deployment.inputs)
    secret = recorder.one(SECRET, "litellm-credentials")
    assert has_secret_envelope(secret.inputs["stringData"])
    assert secret.manifest["stringData"]["HTTPS_PROXY"] == PROXY_WITH_PASSWORD
    # A new value rolls the pods (the spec itself does not change).
    other = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": PROXY_WITH_PASSWORD + "0", "NO_PROXY": ".svc"}}},
                       secret_keys=("litellm",)).recorder
    digest = "litemaas.io/credentials-digest"
    assert deployment.manifest["spec"]["template"]["metadata"]["annotations"][digest] != \
        other.one(DEPLOYMENT, "litellm-deployment").manifest["spec"]["template"]["metadata"]["annotations"][digest]


def test_plain_extra_env_stays_plain(mocked):
    recorder = mocked.run({"litellm": {"extraEnv": {"HTTPS_PROXY": "http://proxy.example.com:3128"}}}).recorder
    env = {e["name"]: e for e in container(recorder)["env"]}
    assert env["HTTPS_PROXY"] == {"name": "HTTPS_PROXY", "value": "http://proxy.example.com:3128"}


def test_a_configured_salt_key_leaves_the_generated_one_unprotected_and_unused(mocked):
    """Adopting the generated value in config keeps the resource (protect cannot stop the `up`); only the guard
    decides whether the effective salt key may change."""
    import pulumi
    configured = "configured-salt-" + "c" * 32
    recorder = deploy(mocked, salt_key=pulumi.Output.secret(configured))
    assert recorder.one(RANDOM, "litellm-salt-key").request.protect is False
    assert recorder.one(SECRET).manifest["stringData"]["LITELLM_SALT_KEY"] == configured


def test_the_salt_key_guard_holds_the_effective_key_as_a_secret_before_the_secret_takes_it(mocked):
    import pulumi
    for kwargs, source, value in [({}, "generated", "litellm-salt-key-Gen3rated:/@#%"),
                                  ({"salt_key": pulumi.Output.secret("s" * 40), "acknowledge_new_salt_key": True},
                                   "config", "s" * 40)]:
        recorder = deploy(mocked, **kwargs)
        guard = recorder.one("pulumi-python:dynamic/litemaas:SaltKeyGuard", "litellm-salt-key-guard")
        assert has_secret_envelope(guard.inputs["salt_key"]) and guard.inputs["salt_key"]["value"] == value
        assert guard.inputs["source"] == source and guard.inputs["acknowledged"] == ("salt_key" in kwargs)
        assert "salt_key" in guard.request.additionalSecretOutputs
        assert any(d.endswith("::litellm-salt-key-guard") for d in recorder.one(SECRET).dependencies)
