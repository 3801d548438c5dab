"""`postgres.mode: cloudnativepg`: the operator's Cluster instead of the StatefulSet, wired into the gateway."""

import pytest

from components.cloudnative_pg import APP_SECRET, CLUSTER_NAME, cluster_spec
from components.litemaas import LiteMaaS
from config import parse_stack_config
from tests.support.manifests import pod_templates, restricted_v2_violations, validate

CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
EDB_CLUSTER = "kubernetes:postgresql.k8s.enterprisedb.io/v1:Cluster"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
CNPG = {"mode": "cloudnativepg", "storageSize": "50Gi", "storageClass": "fast-ssd",
        "cloudnativepg": {"instances": 3}}


def deploy(mocked, postgres, **values):
    def program():
        LiteMaaS("litemaas", parse_stack_config({"postgres": postgres, **values}))
    return mocked.run({}, program=program).recorder


def container_env(manifest, name):
    pod = next(pod_templates(manifest))
    containers = (pod.get("initContainers") or []) + pod["containers"]
    return {e["name"]: e for c in containers if c["name"] == name for e in c["env"]}


@pytest.mark.parametrize("platform", ["openshift", "kubernetes"])
def test_the_cluster_replaces_the_statefulset_and_every_manifest_is_valid(mocked, platform):
    extra = {"platform": platform}
    if platform == "kubernetes":
        extra |= {"hostname": "litellm.example.com", "ingress": {"tlsSecretName": "litellm-tls"}}
    recorder = deploy(mocked, CNPG, **extra)
    kinds = sorted(r.manifest["kind"] for r in recorder.kubernetes())
    assert "StatefulSet" not in kinds and kinds.count("Cluster") == 1
    assert not [r for r in recorder.kubernetes() if r.manifest["metadata"].get("name") == "postgres-credentials"]
    for registration in recorder.kubernetes():
        validate(registration.manifest)  # the Cluster against our CRD schema
        for pod in pod_templates(registration.manifest):
            assert restricted_v2_violations(pod, openshift=platform == "openshift") == []


def test_cluster_has_the_instances_storage_database_and_owner(mocked):
    cluster = deploy(mocked, {**CNPG, "maxConnections": 150}).one(CLUSTER).manifest
    assert cluster["metadata"]["name"] == CLUSTER_NAME
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert spec["storage"] == {"size": "50Gi", "storageClass": "fast-ssd"}
    assert spec["bootstrap"] == {"initdb": {"database": "litellm", "owner": "litellm"}}
    assert spec["postgresql"]["parameters"] == {"max_connections": "150"}
    assert spec["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    assert spec["enableSuperuserAccess"] is False
    assert "imageName" not in spec  # the operator's default image unless configured


def test_edb_build_gets_its_api_group(mocked):
    recorder = deploy(mocked, {**CNPG, "cloudnativepg": {"apiGroup": "postgresql.k8s.enterprisedb.io"}})
    assert recorder.of_type(CLUSTER) == []
    assert recorder.one(EDB_CLUSTER).manifest["apiVersion"] == "postgresql.k8s.enterprisedb.io/v1"


def test_gateway_reads_database_url_from_the_operators_app_secret(mocked):
    recorder = deploy(mocked, CNPG)
    ref = {"valueFrom": {"secretKeyRef": {"name": APP_SECRET, "key": "uri"}}, "name": "DATABASE_URL"}
    deployment = recorder.one("kubernetes:apps/v1:Deployment").manifest
    assert container_env(deployment, "litellm")["DATABASE_URL"] == ref
    (job,) = recorder.of_type("kubernetes:batch/v1:Job")
    assert container_env(job.manifest, "migrate")["DATABASE_URL"] == ref
    assert container_env(job.manifest, "wait-for-database")["DATABASE_URL"] == ref
    credentials = [r for r in recorder.of_type("kubernetes:core/v1:Secret")
                   if r.manifest["metadata"]["name"] == "litellm-credentials"]
    assert "DATABASE_URL" not in credentials[0].manifest["stringData"]


def test_migration_waits_for_the_cluster_to_be_ready(mocked):
    recorder = deploy(mocked, CNPG)
    cluster = recorder.one(CLUSTER)
    assert cluster.manifest["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    (job,) = recorder.of_type("kubernetes:batch/v1:Job")
    assert any(dep.endswith(f"::{cluster.name}") for dep in job.dependencies)


@pytest.mark.parametrize("delete_data", [False, True])
def test_the_cluster_and_its_volumes_outlive_destroy_unless_asked(mocked, delete_data):
    cluster = deploy(mocked, {**CNPG, "deleteDataOnDestroy": delete_data}).one(CLUSTER)
    assert bool(cluster.request.retainOnDelete) is (not delete_data)


@pytest.mark.parametrize("platform, operator_namespace", [("openshift", "openshift-operators"),
                                                          ("kubernetes", "cnpg-system")])
def test_network_policy_admits_clients_the_instances_and_the_operator(mocked, platform, operator_namespace):
    extra = {"platform": platform}
    if platform == "kubernetes":
        extra |= {"hostname": "litellm.example.com", "ingress": {"tlsSecretName": "litellm-tls"}}
    (policy,) = [r.manifest for r in deploy(mocked, CNPG, **extra).of_type(POLICY)
                 if r.manifest["metadata"]["name"] == "postgres"]
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {"cnpg.io/cluster": CLUSTER_NAME}}
    clients, peers, operator = spec["ingress"]
    assert clients["from"] == [{"podSelector": {"matchLabels": {"litemaas.io/database-client": "true"}}}]
    assert clients["ports"] == [{"protocol": "TCP", "port": 5432}]
    assert peers["from"] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": CLUSTER_NAME}}}]
    assert operator["from"] == [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": operator_namespace}}}]
    assert {p["port"] for p in operator["ports"]} == {p["port"] for p in peers["ports"]} == {5432, 8000}


def test_image_name_and_operator_namespace_are_configurable(mocked):
    recorder = deploy(mocked, {**CNPG, "cloudnativepg": {"imageName": "ghcr.io/cloudnative-pg/postgresql:16.10",
                                                          "operatorNamespace": "postgres-operator"}})
    assert recorder.one(CLUSTER).manifest["spec"]["imageName"] == "ghcr.io/cloudnative-pg/postgresql:16.10"
    policies = [r.manifest for r in recorder.of_type(POLICY) if r.manifest["metadata"]["name"] == "postgres"]
    assert policies[0]["spec"]["ingress"][2]["from"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "postgres-operator"}


def test_bundled_statefulset_stays_the_default(mocked):
    recorder = deploy(mocked, {})
    assert recorder.of_type(CLUSTER) == [] and len(recorder.of_type("kubernetes:apps/v1:StatefulSet")) == 1


def test_cluster_spec_is_plain_data():
    """The kube-cluster test creates the same spec in the API server (no Pulumi there)."""
    config = parse_stack_config({"postgres": CNPG}).postgres
    assert cluster_spec(config)["instances"] == 3
