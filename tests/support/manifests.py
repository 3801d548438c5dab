"""Offline validation of the manifests the program produces.

Built-in kinds go through kubernetes-validate (strict: unknown fields fail). The Route, the CloudNativePG
Cluster, OpenShift's OAuthClient, the ServiceMonitor, PrometheusRule and GrafanaDashboard have no schema there,
so they are checked against the openAPIV3Schema of our CRDs (tests/support/*_crd.yaml), made strict by
forbidding properties the schema does not declare.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import kubernetes_validate
import yaml

ROUTE_CRD = Path(__file__).with_name("route_crd.yaml")
CNPG_CLUSTER_CRD = Path(__file__).with_name("cnpg_cluster_crd.yaml")
OAUTH_CLIENT_CRD = Path(__file__).with_name("oauthclient_crd.yaml")
# The community operator's group and EDB's (same Cluster schema); see config.postgres.CLOUDNATIVEPG_API_GROUPS.
CNPG_API_GROUPS = ("postgresql.cnpg.io", "postgresql.k8s.enterprisedb.io")
SERVICE_MONITOR_CRD = Path(__file__).with_name("servicemonitor_crd.yaml")
PROMETHEUS_RULE_CRD = Path(__file__).with_name("prometheusrule_crd.yaml")
GRAFANA_DASHBOARD_CRD = Path(__file__).with_name("grafanadashboard_crd.yaml")
# Custom resources checked against our CRDs, by (apiVersion, kind).
CUSTOM_RESOURCE_CRDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): SERVICE_MONITOR_CRD,
    ("monitoring.coreos.com/v1", "PrometheusRule"): PROMETHEUS_RULE_CRD,
    ("grafana.integreatly.org/v1beta1", "GrafanaDashboard"): GRAFANA_DASHBOARD_CRD,
}
# OpenShift 4.17 ships Kubernetes 1.30; the newest schema set is whatever kubernetes-validate carries.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())
POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "Job", "DaemonSet", "ReplicaSet"}
# The volume types OpenShift's restricted-v2 SCC admits (its `volumes` list); any other source is refused.
RESTRICTED_V2_VOLUMES = frozenset({"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                   "persistentVolumeClaim", "projected", "secret"})


def _strict(schema: Any) -> Any:
    """CRD structural schema -> JSON Schema: int-or-string, nullable, and no undeclared properties."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    result = {k: _strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string"):
        result.pop("type", None)
        result["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if result.pop("nullable", False) and "type" in result:
        result["type"] = [result["type"], "null"]
    if "properties" in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
        result.setdefault("additionalProperties", False)
    return result


def cloudnativepg_crd(api_group: str = CNPG_API_GROUPS[0]) -> dict:
    """Our Cluster CRD served under `api_group` (EDB's build uses another group, same schema)."""
    crd = yaml.safe_load(CNPG_CLUSTER_CRD.read_text())
    crd["spec"]["group"] = api_group
    crd["metadata"]["name"] = f"{crd['spec']['names']['plural']}.{api_group}"
    return crd


def _crd_validator(crd: dict) -> jsonschema.Draft7Validator:
    schema = _strict(copy.deepcopy(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]))
    # metadata is validated by the API server's ObjectMeta rules, not by the CRD.
    schema["properties"]["metadata"] = {"type": "object"}
    return jsonschema.Draft7Validator(schema)


@functools.lru_cache(maxsize=None)
def crd_validator(crd_file: Path) -> jsonschema.Draft7Validator:
    return _crd_validator(yaml.safe_load(crd_file.read_text()))


def route_validator() -> jsonschema.Draft7Validator:
    return crd_validator(ROUTE_CRD)


@functools.lru_cache(maxsize=1)
def cloudnativepg_validator() -> jsonschema.Draft7Validator:
    return _crd_validator(cloudnativepg_crd())


@functools.lru_cache(maxsize=1)
def oauth_client_validator() -> jsonschema.Draft7Validator:
    return _crd_validator(yaml.safe_load(OAUTH_CLIENT_CRD.read_text()))


def _custom_validator(manifest: dict) -> jsonschema.Draft7Validator | None:
    api_version = manifest.get("apiVersion")
    if api_version == "route.openshift.io/v1":
        return route_validator()
    if (api_version, manifest.get("kind")) in CUSTOM_RESOURCE_CRDS:
        return crd_validator(CUSTOM_RESOURCE_CRDS[api_version, manifest.get("kind")])
    if api_version == "oauth.openshift.io/v1" and manifest.get("kind") == "OAuthClient":
        return oauth_client_validator()
    if manifest.get("kind") == "Cluster" and api_version in {f"{g}/v1" for g in CNPG_API_GROUPS}:
        return cloudnativepg_validator()
    return None


def validate(manifest: dict) -> None:
    """Raise if the manifest is not valid for every supported Kubernetes version (or our CRD schemas)."""
    custom = _custom_validator(manifest)
    if custom is not None:
        errors = sorted(custom.iter_errors(manifest), key=lambda e: list(e.path))
        if errors:
            raise jsonschema.ValidationError(f"{manifest.get('kind')} {manifest['metadata'].get('name')}: "
                                             f"{errors[0].message} at {'.'.join(map(str, errors[0].path))}")
        return
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(manifest, version, strict=True)


def pod_templates(manifest: dict) -> Iterator[dict]:
    """The pod specs a manifest will create (StatefulSet/Deployment/Job/CronJob templates, or a bare Pod)."""
    if manifest.get("kind") in POD_TEMPLATE_KINDS:
        yield manifest["spec"]["template"]["spec"]
    elif manifest.get("kind") == "CronJob":
        yield manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    elif manifest.get("kind") == "Pod":
        yield manifest["spec"]


def restricted_v2_violations(pod_spec: dict, *, openshift: bool) -> list[str]:
    """What OpenShift's restricted-v2 SCC (and the `restricted` Pod Security Standard) would reject."""
    problems = []
    pod_ctx = pod_spec.get("securityContext") or {}
    if openshift:
        for field in ("runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"):
            if field in pod_ctx:
                problems.append(f"pod securityContext.{field} is fixed (restricted-v2 assigns it)")
    elif not pod_ctx.get("runAsUser"):
        problems.append("pod securityContext.runAsUser must name the image's non-root UID on kubernetes")
    if pod_spec.get("hostNetwork") or pod_spec.get("hostPID") or pod_spec.get("hostIPC"):
        problems.append("host namespaces are not allowed")
    for volume in pod_spec.get("volumes") or []:
        for source in sorted(set(volume) - {"name"} - RESTRICTED_V2_VOLUMES):
            problems.append(f"volume {volume['name']} uses {source}, which restricted-v2 does not allow "
                            f"(allowed: {', '.join(sorted(RESTRICTED_V2_VOLUMES))})")
    containers = (pod_spec.get("initContainers") or []) + (pod_spec.get("containers") or [])
    for container in containers:
        ctx = container.get("securityContext") or {}
        name = container["name"]
        if ctx.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name}: allowPrivilegeEscalation must be false")
        if ctx.get("privileged"):
            problems.append(f"{name}: privileged")
        if "ALL" not in ((ctx.get("capabilities") or {}).get("drop") or []):
            problems.append(f"{name}: capabilities must drop ALL")
        if (ctx.get("capabilities") or {}).get("add"):
            problems.append(f"{name}: adds capabilities")
        if not (ctx.get("runAsNonRoot") or pod_ctx.get("runAsNonRoot")):
            problems.append(f"{name}: runAsNonRoot must be true")
        seccomp = (ctx.get("seccompProfile") or pod_ctx.get("seccompProfile") or {}).get("type")
        if seccomp != "RuntimeDefault":
            problems.append(f"{name}: seccompProfile must be RuntimeDefault")
        if openshift and ("runAsUser" in ctx or "runAsGroup" in ctx):
            problems.append(f"{name}: fixed runAsUser/runAsGroup")
        if not openshift and ctx.get("runAsUser") == 0:
            problems.append(f"{name}: runs as root")
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                problems.append(f"{name}: hostPort")
    return problems
