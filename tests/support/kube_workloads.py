"""Objects and waits of the local-cluster tests (tests/test_kube_cluster.py): a container kwok runs, a valid Route
and its variants, the stack's CloudNativePG Cluster under mocks, and polling an object until it is ready."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.kube_cluster import KUBE_TOOLS, LocalCluster

WORKLOAD_TIMEOUT = 120


def wait_until(cluster: LocalCluster, path: str, ready: Callable[[dict[str, Any]], bool],
               description: str) -> dict[str, Any]:
    """Poll an object until ``ready(obj)``; on timeout fail with the object and component logs."""
    seen: dict[str, Any] = {}

    def probe() -> dict[str, Any] | None:
        cluster.check_alive()
        seen["obj"] = cluster.api.get_or_none(path)
        return seen["obj"] if seen["obj"] and ready(seen["obj"]) else None

    try:
        return cluster.api.wait_for(probe, timeout=WORKLOAD_TIMEOUT, description=description)
    except TimeoutError as timeout:
        cluster.mark_failed()
        pytest.fail(f"{timeout}\nlast state: {seen.get('obj')}\n{cluster.log_report()}")


def condition(obj: dict[str, Any], kind: str) -> str | None:
    """The status of an object's condition of type `kind`, or None before a controller wrote one."""
    for item in (obj.get("status") or {}).get("conditions") or []:  # null until a controller writes it
        if item["type"] == kind:
            return item["status"]
    return None


def pods_of(cluster: LocalCluster, namespace: str, selector: str) -> list[dict[str, Any]]:
    """The pods of `namespace` with the label `selector`."""
    return cluster.api.get(f"/api/v1/namespaces/{namespace}/pods", labelSelector=selector)["items"]


def pinned_kubernetes_version() -> str:
    """The Kubernetes version scripts/kube-tools builds."""
    match = re.search(r"^KUBERNETES_VERSION=(\S+)$", KUBE_TOOLS.read_text(), re.MULTILINE)
    assert match, "scripts/kube-tools pins no KUBERNETES_VERSION"
    return match.group(1)


def container(name: str = "app") -> dict[str, Any]:
    """A container spec kwok runs without pulling its image."""
    return {"name": name, "image": "registry.example/litemaas/app:1.0",
            "ports": [{"name": "http", "containerPort": 8080}]}


VALID_ROUTE: dict[str, Any] = {
    "apiVersion": "route.openshift.io/v1", "kind": "Route",
    "metadata": {"name": "gateway"},
    "spec": {"host": "litellm.apps.example.com", "to": {"kind": "Service", "name": "gateway"},
             "port": {"targetPort": "http"},
             "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"}},
}


def route(namespace: str, name: str, **spec_changes: Any) -> dict[str, Any]:
    """VALID_ROUTE named `name`, with `spec` fields changed (`tls__termination="x"` sets spec.tls.termination)."""
    obj = copy.deepcopy(VALID_ROUTE)
    obj["metadata"] = {"name": name, "namespace": namespace}
    for dotted, value in spec_changes.items():
        *parents, leaf = dotted.split("__")
        target = obj["spec"]
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return obj


def install_cloudnativepg_crd(cluster: LocalCluster, api_group: str) -> None:
    from tests.support.manifests import cloudnativepg_crd

    cluster.install_crd(cloudnativepg_crd(api_group))


def stack_cluster(mocked: Any, namespace: str, api_group: str) -> dict[str, Any]:
    """The Cluster manifest the stack builds (under Pulumi mocks) for `postgres.mode: cloudnativepg`."""
    from components.litemaas import LiteMaaS
    from config import parse_stack_config

    config = parse_stack_config({"postgres": {"mode": "cloudnativepg", "storageSize": "1Gi",
                                              "cloudnativepg": {"instances": 3, "apiGroup": api_group}}})
    recorder = mocked.run({}, program=lambda: LiteMaaS("litemaas", config)).recorder
    manifest = recorder.one(f"kubernetes:{api_group}/v1:Cluster").manifest
    manifest["metadata"]["namespace"] = namespace
    return manifest
