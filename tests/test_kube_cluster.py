"""The local Kubernetes cluster used by the end-to-end tests runs workloads to readiness.

pulumi-kubernetes waits until Deployments are available, StatefulSets ready and Jobs complete,
and the stack creates an OpenShift Route; these tests show the local cluster gets there for
real (kube-controller-manager, kube-scheduler, kwok) and validates Routes like OpenShift.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.kube_cluster import (
    NODE_NAME, REQUIRED_BINARIES, STORAGE_CLASS, ClusterError, KubeApiError,
    LocalCluster, ensure_binaries,
)
from tests.support.kube_workloads import (
    WORKLOAD_TIMEOUT, condition, container, install_cloudnativepg_crd, pinned_kubernetes_version, pods_of, route,
    stack_cluster, wait_until,
)

pytestmark = pytest.mark.kube

NAMESPACE = "litemaas-kube-test"


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Iterator[LocalCluster]:
    failures_before = request.session.testsfailed
    with LocalCluster() as started:
        yield started
        if request.session.testsfailed > failures_before:
            started.mark_failed()


@pytest.fixture(scope="module")
def namespace(cluster: LocalCluster) -> str:
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    return NAMESPACE


def test_api_server_reports_the_pinned_version(cluster: LocalCluster) -> None:
    version = cluster.api.get("/version")
    assert version["gitVersion"] == pinned_kubernetes_version()
    assert (version["major"], version["minor"]) == tuple(version["gitVersion"][1:].split(".")[:2])


def test_kubeconfig_points_at_the_server_with_admin_credentials(cluster: LocalCluster) -> None:
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    assert config["clusters"][0]["cluster"]["server"] == cluster.server
    assert cluster.server.startswith("https://127.0.0.1:")
    review = cluster.api.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
        "apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": {"verb": "*", "group": "*", "resource": "*"}}})
    assert review["status"]["allowed"] is True


def test_node_is_faked_by_kwok_and_ready(cluster: LocalCluster) -> None:
    node = cluster.api.get(f"/api/v1/nodes/{NODE_NAME}")
    assert condition(node, "Ready") == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"].startswith("kwok-")


@pytest.fixture(scope="module")
def gateway_deployment(cluster: LocalCluster, namespace: str) -> dict[str, Any]:
    """A two-replica Deployment, returned once it reports both replicas available."""
    labels = {"app": "gateway"}
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "gateway", "namespace": namespace},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}}},
    })
    return wait_until(
        cluster, f"/apis/apps/v1/namespaces/{namespace}/deployments/gateway",
        lambda d: d.get("status", {}).get("availableReplicas") == 2
        and d["status"].get("observedGeneration", 0) >= d["metadata"]["generation"],
        "Deployment gateway to have 2 available replicas")


def test_deployment_becomes_available(cluster: LocalCluster, namespace: str,
                                      gateway_deployment: dict[str, Any]) -> None:
    deployment = gateway_deployment

    assert condition(deployment, "Available") == "True"
    replica_sets = cluster.api.get(f"/apis/apps/v1/namespaces/{namespace}/replicasets",
                                   labelSelector="app=gateway")["items"]
    assert [rs["metadata"]["ownerReferences"][0]["name"] for rs in replica_sets] == ["gateway"]
    pods = pods_of(cluster, namespace, "app=gateway")
    assert len(pods) == 2
    assert {(p["spec"]["nodeName"], p["status"]["phase"]) for p in pods} == {(NODE_NAME, "Running")}
    assert all(p["status"].get("podIP") for p in pods)


def test_service_gets_the_ready_pods_as_endpoints(cluster: LocalCluster, namespace: str,
                                                  gateway_deployment: dict[str, Any]) -> None:
    # pulumi-kubernetes waits for a Service's endpoints; kube-controller-manager fills them from
    # the pods kwok reports Ready.
    cluster.api.create({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "gateway-svc", "namespace": namespace},
        "spec": {"selector": {"app": "gateway"},
                 "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
    })
    pod_ips = {p["status"]["podIP"] for p in pods_of(cluster, namespace, "app=gateway")}

    def ready_addresses(slices: dict[str, Any]) -> set[str]:
        return {address for item in slices.get("items", []) for endpoint in item.get("endpoints") or []
                if endpoint.get("conditions", {}).get("ready") for address in endpoint["addresses"]}

    slices = wait_until(
        cluster, f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"
                 "?labelSelector=kubernetes.io/service-name%3Dgateway-svc",
        lambda s: len(ready_addresses(s)) == 2, "EndpointSlices of gateway-svc")

    assert len(pod_ips) == 2
    assert ready_addresses(slices) == pod_ips
    assert [p["port"] for item in slices["items"] for p in item["ports"]] == [8080]
    endpoints = wait_until(
        cluster, f"/api/v1/namespaces/{namespace}/endpoints/gateway-svc",
        lambda e: sum(len(s.get("addresses", [])) for s in e.get("subsets", [])) == 2,
        "Endpoints of gateway-svc")
    assert {a["ip"] for s in endpoints["subsets"] for a in s["addresses"]} == pod_ips


def test_statefulset_with_volume_claim_template_becomes_ready(cluster: LocalCluster, namespace: str) -> None:
    labels = {"app": "postgres"}
    cluster.api.create({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "postgres", "namespace": namespace},
        "spec": {"clusterIP": "None", "selector": labels, "ports": [{"name": "pg", "port": 5432}]},
    })
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "postgres", "namespace": namespace},
        "spec": {
            "serviceName": "postgres", "replicas": 1, "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{
                **container("postgres"),
                "volumeMounts": [{"name": "data", "mountPath": "/var/lib/pgsql/data"}]}]}},
            "volumeClaimTemplates": [{
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "1Gi"}}}}],
        },
    })

    statefulset = wait_until(
        cluster, f"/apis/apps/v1/namespaces/{namespace}/statefulsets/postgres",
        lambda s: s.get("status", {}).get("readyReplicas") == 1
        and s["status"].get("currentRevision") == s["status"].get("updateRevision"),
        "StatefulSet postgres to have 1 ready replica")

    assert statefulset["status"]["availableReplicas"] == 1
    claim = cluster.api.get(f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/data-postgres-0")
    assert claim["status"]["phase"] == "Bound"
    assert claim["spec"]["storageClassName"] == STORAGE_CLASS
    volume = cluster.api.get(f"/api/v1/persistentvolumes/{claim['spec']['volumeName']}")
    assert volume["spec"]["capacity"]["storage"] == "1Gi"
    pod = cluster.api.get(f"/api/v1/namespaces/{namespace}/pods/postgres-0")
    assert condition(pod, "Ready") == "True"


def test_job_completes(cluster: LocalCluster, namespace: str) -> None:
    cluster.api.create({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": "migrate", "namespace": namespace},
        "spec": {"backoffLimit": 0, "template": {"spec": {
            "restartPolicy": "Never", "containers": [container("migrate")]}}},
    })

    job = wait_until(
        cluster, f"/apis/batch/v1/namespaces/{namespace}/jobs/migrate",
        lambda j: condition(j, "Complete") == "True" or condition(j, "Failed") == "True",
        "Job migrate to finish")

    assert condition(job, "Complete") == "True"
    assert job["status"]["succeeded"] == 1
    [pod] = pods_of(cluster, namespace, "job-name=migrate")
    assert pod["status"]["phase"] == "Succeeded"


def test_route_is_stored_with_the_api_defaults(cluster: LocalCluster, namespace: str) -> None:
    cluster.api.create(route(namespace, "gateway"))

    stored = cluster.api.get(f"/apis/route.openshift.io/v1/namespaces/{namespace}/routes/gateway")

    assert stored["spec"]["to"] == {"kind": "Service", "name": "gateway", "weight": 100}
    assert stored["spec"]["wildcardPolicy"] == "None"
    assert stored["spec"]["tls"]["termination"] == "edge"


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"tls__termination": "edgy"}, "spec.tls.termination"),
    ({"tls__insecureEdgeTerminationPolicy": "Sometimes"}, "spec.tls.insecureEdgeTerminationPolicy"),
    ({"to__weight": 257}, "spec.to.weight"),
    ({"host": "not a host"}, "spec.host"),
    ({"path": "no-leading-slash"}, "spec.path"),
    ({"tls__termination": "passthrough", "tls__insecureEdgeTerminationPolicy": "Allow"},
     "passthrough"),
    ({"tls__termination": "edge", "tls__destinationCACertificate": "pem"},
     "spec.tls.destinationCACertificate"),
    ({"tls__termination": "passthrough", "path": "/v1"}, "spec.path"),
    ({"port__targetPort": 0}, "spec.port.targetPort"),
    ({"httpHeaders": {"actions": {"request": [{"name": "Cookie", "action": {"type": "Delete"}}]}}},
     "cookie header may not be modified"),
], ids=["termination", "insecure-policy", "weight", "host", "path", "passthrough-allow",
        "edge-destination-ca", "passthrough-path", "target-port-zero", "cookie-header"])
def test_invalid_route_is_rejected(cluster: LocalCluster, namespace: str,
                                   changes: dict[str, Any], complaint: str) -> None:
    name = "invalid-" + "-".join(changes).replace("__", "-").lower()

    with pytest.raises(KubeApiError) as rejected:
        cluster.api.create(route(namespace, name, **changes))

    assert rejected.value.status == 422
    assert complaint in str(rejected.value)
    assert cluster.api.get_or_none(
        f"/apis/route.openshift.io/v1/namespaces/{namespace}/routes/{name}") is None


def test_namespace_deletion_finishes(cluster: LocalCluster) -> None:
    # `pulumi destroy` waits until the namespace is gone: kube-controller-manager empties it, and
    # kwok removes the terminating pods that a kubelet would otherwise remove.
    doomed = "litemaas-kube-doomed"
    cluster.api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": doomed}})
    labels = {"app": "doomed"}
    cluster.api.create({
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "doomed", "namespace": doomed},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": {"containers": [container()]}}},
    })
    cluster.api.create(route(doomed, "doomed"))
    wait_until(cluster, f"/api/v1/namespaces/{doomed}/pods?labelSelector=app%3Ddoomed",
               lambda pods: any(condition(p, "Ready") == "True" for p in pods["items"]),
               "the doomed pod to be Ready")

    cluster.api.delete(f"/api/v1/namespaces/{doomed}")

    def gone() -> bool:
        cluster.check_alive()
        return cluster.api.get_or_none(f"/api/v1/namespaces/{doomed}") is None

    try:
        cluster.api.wait_for(gone, timeout=WORKLOAD_TIMEOUT, description=f"namespace {doomed} to go")
    except TimeoutError as timeout:
        cluster.mark_failed()
        pytest.fail(f"{timeout}\n{cluster.log_report()}")


def test_failed_start_stops_everything_it_started(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    # A tool directory without kwok stages makes start() fail after etcd, kube-apiserver,
    # kube-controller-manager and kube-scheduler are already running.
    real_bin = ensure_binaries() / "bin"
    (tmp_path / "bin").mkdir()
    (tmp_path / "kwok-stages").mkdir()
    for binary in REQUIRED_BINARIES:
        (tmp_path / "bin" / binary).symlink_to(real_bin / binary)
    broken = LocalCluster(tool_dir=tmp_path, keep_work_dir=False)

    with pytest.raises(ClusterError, match="no kwok stages"):
        broken.start()
    request.addfinalizer(lambda: shutil.rmtree(broken.work_dir, ignore_errors=True))

    started = [c.process for c in broken._components]
    assert [p.args[0].rsplit("/", 1)[-1] for p in started] == [
        "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
    assert all(p.poll() is not None for p in started)
    for process in started:
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)
    assert broken.work_dir.is_dir(), "logs of a failed start are kept"
    assert (broken.work_dir / "logs" / "kube-apiserver.log").stat().st_size > 0


@pytest.mark.parametrize("api_group", ["postgresql.cnpg.io", "postgresql.k8s.enterprisedb.io"])
def test_cloudnativepg_crd_accepts_the_stacks_cluster_and_rejects_invalid_ones(
        cluster: LocalCluster, namespace: str, mocked: Any, api_group: str) -> None:
    install_cloudnativepg_crd(cluster, api_group)
    manifest = stack_cluster(mocked, namespace, api_group)

    cluster.api.create(manifest)

    stored = cluster.api.get(cluster.api.path_of(manifest))
    assert stored["spec"]["bootstrap"] == {"initdb": {"database": "litellm", "owner": "litellm"}}
    assert stored["spec"]["instances"] == 3 and stored["spec"]["storage"]["size"] == "1Gi"
    # The CRD's defaults are applied like the operator's: nothing the stack sent was pruned.
    assert stored["spec"]["storage"]["resizeInUseVolumes"] is True
    assert stored["spec"]["primaryUpdateStrategy"] == "unsupervised"
    assert stored["metadata"]["annotations"]["pulumi.com/waitFor"] == "condition=Ready"
    for change, complaint in [({"instances": 0}, "spec.instances"),
                              ({"resources": {"requests": {"memory": "lots"}}}, "spec.resources.requests")]:
        invalid = copy.deepcopy(manifest)
        invalid["metadata"]["name"] = "invalid"
        invalid["spec"].update(change)
        with pytest.raises(KubeApiError) as rejected:
            cluster.api.create(invalid)
        assert rejected.value.status == 422 and complaint in str(rejected.value)


def test_backup_cron_job_and_claim_are_accepted(cluster: LocalCluster, namespace: str, mocked: Any) -> None:
    from components.litemaas import LiteMaaS
    from config import parse_stack_config

    config = parse_stack_config({"postgres": {"backup": {"retain": 3, "storageSize": "1Gi"},
                                              "deleteDataOnDestroy": True}})
    recorder = mocked.run({}, program=lambda: LiteMaaS("litemaas", config)).recorder
    for typ in ("kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:batch/v1:CronJob"):
        (manifest,) = [r.manifest for r in recorder.of_type(typ) if "backup" in r.manifest["metadata"]["name"]]
        manifest["metadata"]["namespace"] = namespace
        cluster.api.request("POST", cluster.api.resource_path(manifest["apiVersion"], manifest["kind"], namespace),
                            manifest, params={"fieldValidation": "Strict"})
    cron_job = cluster.api.get(f"/apis/batch/v1/namespaces/{namespace}/cronjobs/postgres-backup")
    assert cron_job["spec"]["concurrencyPolicy"] == "Forbid"
    claim = wait_until(cluster, f"/api/v1/namespaces/{namespace}/persistentvolumeclaims/postgres-backups",
                       lambda c: c.get("status", {}).get("phase") == "Bound", "the backup claim to be bound")
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"


def test_monitoring_crds_accept_the_stacks_objects_and_reject_invalid_ones(
        cluster: LocalCluster, namespace: str, mocked: Any) -> None:
    """The ServiceMonitor, PrometheusRule and GrafanaDashboard, served by our CRD schemas (tests/support/*_crd.yaml)."""
    from components.litemaas import LiteMaaS
    from config import parse_stack_config
    from tests.support.manifests import CUSTOM_RESOURCE_CRDS

    for crd_file in sorted(set(CUSTOM_RESOURCE_CRDS.values())):
        cluster.install_crd(yaml.safe_load(crd_file.read_text()))
    config = parse_stack_config({"monitoring": {"enabled": True, "grafana": {"instanceLabels": {"dashboards": "g"}}},
                                 "postgres": {"backup": {}}})
    recorder = mocked.run({}, program=lambda: LiteMaaS("litemaas", config)).recorder
    created = {}
    for kind in ("ServiceMonitor", "PrometheusRule", "GrafanaDashboard"):
        (manifest,) = [r.manifest for r in recorder.kubernetes() if r.manifest["kind"] == kind]
        manifest["metadata"]["namespace"] = namespace
        path = cluster.api.resource_path(manifest["apiVersion"], kind, namespace)
        cluster.api.request("POST", path, manifest, params={"fieldValidation": "Strict"})
        created[kind] = (manifest, cluster.api.get(f"{path}/{manifest['metadata']['name']}"))
    rule, stored_rule = created["PrometheusRule"]
    assert stored_rule["spec"] == rule["spec"]  # nothing pruned
    assert len(stored_rule["spec"]["groups"][0]["rules"]) == 18
    dashboard, stored_dashboard = created["GrafanaDashboard"]
    assert stored_dashboard["spec"]["json"] == dashboard["spec"]["json"]
    assert stored_dashboard["spec"]["resyncPeriod"] == "10m0s"  # the CRD's default, as the operator's
    for manifest, change, complaint in [
            (rule, lambda s: s["groups"][0]["rules"][0].update({"for": "five minutes"}), "spec.groups[0].rules[0].for"),
            (dashboard, lambda s: s.pop("instanceSelector"), "spec.instanceSelector"),
            (dashboard, lambda s: s.update({"folder": "a", "folderUID": "b"}), "folder field cannot be set")]:
        invalid = copy.deepcopy(manifest)
        invalid["metadata"]["name"] = "invalid"
        change(invalid["spec"])
        with pytest.raises(KubeApiError) as rejected:
            cluster.api.create(invalid)
        assert rejected.value.status == 422 and complaint in str(rejected.value), str(rejected.value)
