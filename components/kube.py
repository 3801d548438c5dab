"""Shared Kubernetes building blocks: labels, pod security, probes, resources.

OpenShift's restricted-v2 SCC assigns the UID, GID and fsGroup from the namespace's range and rejects
fixed values outside it, so on `openshift` pods carry no IDs at all. Plain Kubernetes has no such
admission, so there the pods name the non-root UIDs their images were built for.
"""

from __future__ import annotations

import asyncio
from typing import Mapping, Optional, Sequence

import pulumi

import pulumi_kubernetes as k8s

from config import ResourcesConfig

PART_OF = "litemaas"

# The label the PostgreSQL NetworkPolicy admits: only the gateway pods and the migration Job carry it.
DATABASE_CLIENT_LABEL = "litemaas.io/database-client"

# The label the Redis NetworkPolicy admits: only the gateway pods carry it.
REDIS_CLIENT_LABEL = "litemaas.io/redis-client"
# OpenShift labels the router's namespace with this policy group; NetworkPolicies admit it by label.
OPENSHIFT_INGRESS_POLICY_GROUP = "policy-group.network.openshift.io/ingress"

# UIDs baked into the upstream images (used on the kubernetes platform only).
LITELLM_NON_ROOT_UID = 65534  # `nobody` in ghcr.io/berriai/litellm-non_root
POSTGRES_ALPINE_UID = 70  # `postgres` in the Alpine variants of docker.io/library/postgres
POSTGRES_DEBIAN_UID = 999  # `postgres` in the Debian variants
REDIS_ALPINE_UID = 999  # `redis` in the Alpine variants of docker.io/library/redis
LITEMAAS_APP_UID = 1001  # `default` in the UBI Node.js and nginx images of the LiteMaaS backend and frontend


def labels(component: str, instance: str = PART_OF) -> dict[str, str]:
    """Recommended app.kubernetes.io labels; the selector subset is `selector_labels`."""
    return {**selector_labels(component, instance), "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": "pulumi"}


def selector_labels(component: str, instance: str = PART_OF) -> dict[str, str]:
    """Immutable labels used in selectors (never add version labels here)."""
    return {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": instance}


def postgres_uid(image: str) -> int:
    """The postgres user's UID for a docker.io/library/postgres image tag."""
    return POSTGRES_ALPINE_UID if "alpine" in image.rsplit(":", 1)[-1] else POSTGRES_DEBIAN_UID


def pod_security_context(openshift: bool, uid: int) -> k8s.core.v1.PodSecurityContextArgs:
    """restricted-v2-compatible pod security; explicit IDs only where no SCC assigns them."""
    seccomp = k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")
    if openshift:
        return k8s.core.v1.PodSecurityContextArgs(run_as_non_root=True, seccomp_profile=seccomp)
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True, run_as_user=uid, run_as_group=uid, fs_group=uid, seccomp_profile=seccomp)


def container_security_context() -> k8s.core.v1.SecurityContextArgs:
    """The container half of restricted-v2 (and the Kubernetes `restricted` Pod Security Standard)."""
    return k8s.core.v1.SecurityContextArgs(
        allow_privilege_escalation=False,
        run_as_non_root=True,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def resource_requirements(resources: ResourcesConfig) -> k8s.core.v1.ResourceRequirementsArgs:
    return k8s.core.v1.ResourceRequirementsArgs(requests=dict(resources.requests), limits=dict(resources.limits))


def http_probe(path: str, port: str, *, period: int, timeout: int, failures: int,
               initial_delay: int = 0) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        initial_delay_seconds=initial_delay, period_seconds=period, timeout_seconds=timeout,
        failure_threshold=failures)


def exec_probe(command: Sequence[str], *, period: int, timeout: int, failures: int,
               initial_delay: int = 0) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        exec_=k8s.core.v1.ExecActionArgs(command=list(command)),
        initial_delay_seconds=initial_delay, period_seconds=period, timeout_seconds=timeout,
        failure_threshold=failures)


# pg_isready only asks whether the server accepts connections, for which host and port are enough. It exits 3
# ("invalid parameters") on any query parameter libpq does not know, and an external DATABASE_URL may carry
# Prisma's (`schema`, `connection_limit`, `pgbouncer`, `pool_timeout`, ...), so the query string is dropped.
WAIT_FOR_DATABASE = 'until pg_isready -q -d "${DATABASE_URL%%[?]*}"; do echo waiting for the database; sleep 3; done'


def wait_for_database_container(image: str, env: Sequence[k8s.core.v1.EnvVarArgs]) -> k8s.core.v1.ContainerArgs:
    """An init container that waits until the PostgreSQL in `DATABASE_URL` (from `env`) accepts connections."""
    return k8s.core.v1.ContainerArgs(
        name="wait-for-database",
        image=image,
        command=["sh", "-c", WAIT_FOR_DATABASE],
        env=list(env),
        resources=k8s.core.v1.ResourceRequirementsArgs(
            requests={"cpu": "10m", "memory": "32Mi"}, limits={"cpu": "100m", "memory": "64Mi"}),
        security_context=container_security_context(),
    )


def empty_dir_volume(name: str, size_limit: str = "1Gi") -> k8s.core.v1.VolumeArgs:
    return k8s.core.v1.VolumeArgs(name=name, empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=size_limit))


def secret_env(names: Sequence[str], secret_name: str) -> list[k8s.core.v1.EnvVarArgs]:
    """Env vars read from keys of the same name in one Secret (values never appear in the pod spec)."""
    return [env for name in names for env in secret_key_env(name, secret_name, name)]


def secret_key_env(name: str, secret_name: str, key: str) -> list[k8s.core.v1.EnvVarArgs]:
    """One env var read from a Secret key of another name (e.g. an operator's generated Secret)."""
    return [k8s.core.v1.EnvVarArgs(name=name, value_from=k8s.core.v1.EnvVarSourceArgs(
        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(name=secret_name, key=key)))]


def plain_env(values: Mapping[str, str]) -> list[k8s.core.v1.EnvVarArgs]:
    return [k8s.core.v1.EnvVarArgs(name=name, value=value) for name, value in values.items()]


def metadata(name: str, namespace: pulumi.Input[str], component: str,
             annotations: Optional[Mapping[str, str]] = None) -> k8s.meta.v1.ObjectMetaArgs:
    return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels=labels(component),
                                      annotations=dict(annotations) if annotations else None)


def router_peers(openshift: bool, ingress_namespaces: Sequence[str]) -> list[k8s.networking.v1.NetworkPolicyPeerArgs]:
    """Who may open connections from outside the namespace: the OpenShift router, or the Ingress controllers."""
    if openshift:
        return [k8s.networking.v1.NetworkPolicyPeerArgs(
            namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={OPENSHIFT_INGRESS_POLICY_GROUP: ""}))]
    return [k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_expressions=[
            k8s.meta.v1.LabelSelectorRequirementArgs(
                key="kubernetes.io/metadata.name", operator="In", values=list(ingress_namespaces))]))]


def ingress_policy(name: str, namespace: pulumi.Input[str], component: str, selector: Mapping[str, str],
                   admitted: Sequence[k8s.networking.v1.NetworkPolicyPeerArgs], port: int,
                   opts: pulumi.ResourceOptions) -> k8s.networking.v1.NetworkPolicy:
    """A NetworkPolicy admitting `admitted` to one TCP port of the selected pods, and nothing else."""
    return k8s.networking.v1.NetworkPolicy(
        name,
        metadata=metadata(component, namespace, component),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(selector)),
            policy_types=["Ingress"],
            ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                from_=list(admitted), ports=[k8s.networking.v1.NetworkPolicyPortArgs(protocol="TCP", port=port)])],
        ),
        opts=opts)


def edge_route(name: str, namespace: pulumi.Input[str], component: str, service: str, *, timeout: str,
               host: Optional[pulumi.Input[str]] = None, path: Optional[str] = None,
               opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    """An OpenShift Route: edge TLS, HTTP redirected to HTTPS, the router timeout for long requests."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version="route.openshift.io/v1",
        kind="Route",
        metadata=metadata(service, namespace, component, annotations={"haproxy.router.openshift.io/timeout": timeout}),
        spec={
            **({"host": host} if host is not None else {}),
            **({"path": path} if path else {}),
            "to": {"kind": "Service", "name": service, "weight": 100},
            "port": {"targetPort": "http"},
            "tls": {"termination": "edge", "insecureEdgeTerminationPolicy": "Redirect"},
            "wildcardPolicy": "None",
        },
        opts=opts)


def assigned_host(route: str):
    """spec -> the host the OpenShift router wrote into spec.host; unknown at preview, an error if never assigned."""
    def host_of(spec: Optional[dict]) -> pulumi.Input[str]:
        host = (spec or {}).get("host")
        if host:
            return host
        if pulumi.runtime.is_dry_run():
            return _unknown()
        raise pulumi.RunError(f"The {route} Route has no host: the API server did not assign one (is this "
                              "OpenShift?). Set the host in the stack config or use `platform: kubernetes`.")
    return host_of


def _unknown() -> pulumi.Output[str]:
    """An Output that is unknown during preview, like any value the engine computes later."""
    loop = asyncio.get_event_loop()
    value, known = loop.create_future(), loop.create_future()
    value.set_result(None)
    known.set_result(False)
    return pulumi.Output(set(), value, known)


def client_ingress_policy(name: str, namespace: pulumi.Input[str], component: str, port: int, client_label: str,
                          opts: pulumi.ResourceOptions) -> k8s.networking.v1.NetworkPolicy:
    """Only pods labelled `<client_label>=true` may reach `component`'s pods, on `port` only."""
    return ingress_policy(name, namespace, component, selector_labels(component),
                          [k8s.networking.v1.NetworkPolicyPeerArgs(
                              pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={client_label: "true"}))],
                          port, opts)
