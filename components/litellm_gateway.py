"""The LiteLLM gateway: credentials, schema migration Job, Deployment, Service, Route or Ingress."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from config import IngressConfig, LiteLLMConfig

COMPONENT = "litellm"
PORT = 4000
SECRET_NAME = "litellm-credentials"
# LiteLLM's standalone migration entrypoint, relative to the image's working directory /app.
MIGRATION_SCRIPT = "litellm/proxy/prisma_migration.py"
CREDENTIAL_KEYS = ["LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "UI_USERNAME", "UI_PASSWORD", "DATABASE_URL"]
CERT_MANAGER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
# Under an arbitrary UID the image's HOME (/app) is not writable: point HOME, TMPDIR and the caches at an
# emptyDir. PRISMA_BINARY_CACHE_DIR stays as the image sets it, because hiding baked engines forces a
# download that fails offline.
RUNTIME_DIRS = {"HOME": "/var/tmp/litellm", "TMPDIR": "/tmp", "XDG_CACHE_HOME": "/var/tmp/litellm/.cache",
                "NPM_CONFIG_CACHE": "/var/tmp/litellm/.npm"}


def gateway_settings(log_level: str) -> dict[str, str]:
    """The plain environment the gateway sets itself (besides the credentials from the Secret)."""
    return {
        "STORE_MODEL_IN_DB": "True",
        "DISABLE_SCHEMA_UPDATE": "true",  # the migration Job owns the schema
        "LITELLM_MODE": "PRODUCTION",
        "LITELLM_LOG": log_level,
        **RUNTIME_DIRS,
    }


# Every variable this component sets (the migration Job's are a subset); `litellm.extraEnv` may not set these.
MANAGED_ENV = frozenset(CREDENTIAL_KEYS) | frozenset(gateway_settings("INFO"))


@dataclass
class LiteLLMGatewayArgs:
    namespace: pulumi.Input[str]
    config: LiteLLMConfig
    openshift: bool
    database_url: pulumi.Input[str]  # secret
    wait_image: str  # an image with pg_isready (the PostgreSQL image)
    hostname: Optional[str] = None
    ingress_class_name: Optional[str] = None
    ingress: IngressConfig = field(default_factory=IngressConfig)  # TLS of the Ingress (kubernetes platform)
    ingress_namespaces: tuple[str, ...] = ("ingress-nginx",)  # kubernetes platform only
    master_key: Optional[pulumi.Input[str]] = None  # secret; generated when None
    protect_salt_key: bool = True
    # (Secret, key) holding DATABASE_URL, e.g. CloudNativePG's app Secret; `database_url` then only names the
    # database (migration Job name, pod roll digest) and is not copied into litellm-credentials.
    database_url_secret: Optional[tuple[str, str]] = None
    database_dependencies: Sequence[pulumi.Resource] = ()  # the migration Job waits for these (e.g. a Cluster)


def migration_job_name(image: str, database_url: pulumi.Input[str], salt_key: pulumi.Input[str]) -> pulumi.Output[str]:
    """`litellm-migrate-<tag>`, a new name (so a new Job, which migrates) for a new image or a new database.

    Job specs are immutable and the gateway never migrates (DISABLE_SCHEMA_UPDATE=true), so the Job's name must
    follow everything that decides which schema it migrates: the image and the whole DATABASE_URL (host, port,
    database, user, password, `?schema=`). The URL is secret and its password may be a weak, user-chosen one,
    so the tag is an HMAC keyed by the salt key (secret, at least 32 characters, fixed for the life of the
    database): whoever can list Jobs cannot test password guesses against it. That is why it may be unsecreted.
    A rerun Job is harmless: `prisma migrate deploy` applies only the migrations the database lacks.
    """
    def tag(values: list[str]) -> str:
        key, url = values
        return hmac.new(key.encode(), f"{image}\0{url}".encode(), hashlib.sha256).hexdigest()[:10]

    return pulumi.Output.unsecret(pulumi.Output.all(salt_key, database_url).apply(tag)).apply(
        lambda digest: f"litellm-migrate-{digest}")


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


_assigned_host = assigned_host("litellm")  # hostname: `pulumi config set hostname <host>`


def _unknown() -> pulumi.Output[str]:
    """An Output that is unknown during preview, like any value the engine computes later."""
    loop = asyncio.get_event_loop()
    value, known = loop.create_future(), loop.create_future()
    value.set_result(None)
    known.set_result(False)
    return pulumi.Output(set(), value, known)


class LiteLLMGateway(pulumi.ComponentResource):
    """LiteLLM's proxy with its admin UI, migrated before it starts and reachable through the router."""

    gateway_url: pulumi.Output[str]
    admin_ui_url: pulumi.Output[str]
    master_key: pulumi.Output[str]
    admin_password: pulumi.Output[str]

    def __init__(self, name: str, args: LiteLLMGatewayArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:LiteLLMGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        selector = kube.selector_labels(COMPONENT)

        if args.master_key is None:
            generated = random.RandomPassword(f"{name}-master-key", length=48, special=False, opts=child)
            self.master_key = pulumi.Output.secret(pulumi.Output.concat("sk-", generated.result))
        else:
            self.master_key = pulumi.Output.secret(args.master_key)
        # The salt key encrypts every credential LiteLLM stores; a new one makes them unreadable, so it is
        # generated once, never has keepers, and is protected while the database outlives the stack.
        if config.salt_key is not None:
            self.salt_key = config.salt_key
        else:
            self.salt_key = random.RandomPassword(
                f"{name}-salt-key", length=64, special=False,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect_salt_key)).result
        if config.ui_password is not None:
            self.admin_password = config.ui_password
        else:
            self.admin_password = random.RandomPassword(
                f"{name}-ui-password", length=24, special=False, opts=child).result
        self.admin_username = pulumi.Output.from_input(config.ui_username)

        self.secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=kube.metadata(SECRET_NAME, args.namespace, COMPONENT),
            type="Opaque",
            string_data={
                "LITELLM_MASTER_KEY": self.master_key,
                "LITELLM_SALT_KEY": self.salt_key,
                "UI_USERNAME": config.ui_username,
                "UI_PASSWORD": self.admin_password,
                **({} if args.database_url_secret else {"DATABASE_URL": args.database_url}),
            },
            opts=child)

        pod_security = kube.pod_security_context(args.openshift, kube.LITELLM_NON_ROOT_UID)
        database_env = (kube.secret_key_env("DATABASE_URL", *args.database_url_secret) if args.database_url_secret
                        else kube.secret_env(["DATABASE_URL"], SECRET_NAME))
        wait_for_database = k8s.core.v1.ContainerArgs(
            name="wait-for-database",
            image=args.wait_image,
            command=["sh", "-c", 'until pg_isready -q -d "$DATABASE_URL"; do echo waiting for the database; sleep 3; done'],
            env=database_env,
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": "10m", "memory": "32Mi"}, limits={"cpu": "100m", "memory": "64Mi"}),
            security_context=kube.container_security_context(),
        )
        runtime_mounts = [k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                          k8s.core.v1.VolumeMountArgs(name="home", mount_path="/var/tmp/litellm")]
        runtime_volumes = [kube.empty_dir_volume("tmp"), kube.empty_dir_volume("home")]
        client_labels = {**kube.labels(COMPONENT), kube.DATABASE_CLIENT_LABEL: "true"}

        self.migration_job = k8s.batch.v1.Job(
            f"{name}-migration",
            metadata=kube.metadata(migration_job_name(config.image, args.database_url, self.salt_key),
                                   args.namespace, "litellm-migration"),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=4,
                active_deadline_seconds=1800,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels={**client_labels, "app.kubernetes.io/name": "litellm-migration"}),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        security_context=pod_security,
                        init_containers=[wait_for_database],
                        containers=[k8s.core.v1.ContainerArgs(
                            name="migrate",
                            image=config.image,
                            working_dir="/app",
                            command=["python", MIGRATION_SCRIPT],
                            # `prisma migrate deploy` with LiteLLM's shipped migrations (its default since 1.6x).
                            env=database_env + kube.plain_env({
                                "DISABLE_SCHEMA_UPDATE": "false", **RUNTIME_DIRS}),
                            resources=kube.resource_requirements(config.resources),
                            security_context=kube.container_security_context(),
                            volume_mounts=runtime_mounts,
                        )],
                        volumes=runtime_volumes,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret, *args.database_dependencies]))

        managed = gateway_settings(config.log_level)
        # Managed values win over extraEnv (config refuses such names anyway); merging `managed` a second
        # time keeps today's variable order, so existing Deployments see no change.
        env = kube.secret_env([k for k in CREDENTIAL_KEYS if k != "DATABASE_URL"], SECRET_NAME) + database_env + kube.plain_env(
            {**managed, **config.extra_env, **managed})
        # Pods read credentials only at start; this digest rolls them when a credential changes without
        # putting any secret material in the spec (a truncated hash of high-entropy values).
        credentials_digest = pulumi.Output.unsecret(
            pulumi.Output.all(self.master_key, self.salt_key, self.admin_password, args.database_url)
            .apply(lambda values: hashlib.sha256("\0".join(values).encode()).hexdigest()[:16]))

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=config.replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels=client_labels,
                        annotations={"litemaas.io/credentials-digest": credentials_digest}),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=pod_security,
                        termination_grace_period_seconds=90,
                        # Replicas on different nodes when the cluster has them; never blocks scheduling.
                        topology_spread_constraints=[k8s.core.v1.TopologySpreadConstraintArgs(
                            max_skew=1, topology_key="kubernetes.io/hostname", when_unsatisfiable="ScheduleAnyway",
                            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                        )] if config.replicas > 1 else None,
                        containers=[k8s.core.v1.ContainerArgs(
                            name="litellm",
                            image=config.image,
                            args=["--port", str(PORT)],
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT)],
                            env=env,
                            resources=kube.resource_requirements(config.resources),
                            security_context=kube.container_security_context(),
                            # Startup allows ~5 minutes (Prisma client generation on first boot).
                            startup_probe=kube.http_probe("/health/readiness", "http", period=10, timeout=5, failures=30),
                            readiness_probe=kube.http_probe("/health/readiness", "http", period=10, timeout=5, failures=3),
                            liveness_probe=kube.http_probe("/health/liveliness", "http", period=15, timeout=5, failures=5),
                            volume_mounts=runtime_mounts,
                        )],
                        volumes=runtime_volumes,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.migration_job]))

        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=selector,
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=PORT, target_port="http")]),
            opts=child)

        self.disruption_budget = None
        if config.replicas > 1:
            self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
                f"{name}-disruption-budget",
                metadata=kube.metadata("litellm", args.namespace, COMPONENT),
                spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                    min_available=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector)),
                opts=child)

        self.route = self.ingress = None
        if args.openshift:
            self.route = kube.edge_route(f"{name}-route", args.namespace, COMPONENT, "litellm",
                                         timeout=config.route_timeout, host=args.hostname,
                                         opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]))
            # Without a configured host the router assigns one and writes it back into spec.host.
            host = pulumi.Output.from_input(args.hostname) if args.hostname else self.route.spec.apply(_assigned_host)
            self.gateway_url = pulumi.Output.concat("https://", host)
        elif args.hostname is None:
            # No host to route: an Ingress rule without one would match every host of its class. The gateway
            # stays in-cluster (the stack's gatewayUrl says how the providers reach it).
            self.gateway_url = pulumi.Output.concat("http://litellm.", args.namespace, f".svc:{PORT}")
        else:
            tls_secret = args.ingress.secret_name
            issuer = args.ingress.cluster_issuer
            self.ingress = k8s.networking.v1.Ingress(
                f"{name}-ingress",
                metadata=kube.metadata("litellm", args.namespace, COMPONENT,
                                       annotations={CERT_MANAGER_ISSUER_ANNOTATION: issuer} if issuer else None),
                spec=k8s.networking.v1.IngressSpecArgs(
                    ingress_class_name=args.ingress_class_name,
                    tls=[k8s.networking.v1.IngressTLSArgs(hosts=[args.hostname], secret_name=tls_secret)]
                    if tls_secret else None,
                    rules=[k8s.networking.v1.IngressRuleArgs(
                        host=args.hostname,
                        http=k8s.networking.v1.HTTPIngressRuleValueArgs(paths=[k8s.networking.v1.HTTPIngressPathArgs(
                            path="/", path_type="Prefix",
                            backend=k8s.networking.v1.IngressBackendArgs(
                                service=k8s.networking.v1.IngressServiceBackendArgs(
                                    name="litellm", port=k8s.networking.v1.ServiceBackendPortArgs(name="http"))),
                        )]))]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]))
            self.gateway_url = pulumi.Output.from_input(f"{'https' if tls_secret else 'http'}://{args.hostname}")

        # Pods of the same namespace (admin tooling, the port-forward workflow, the LiteMaaS backend) may reach
        # the API too.
        admitted = [*kube.router_peers(args.openshift, args.ingress_namespaces),
                    k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs())]
        self.network_policy = kube.ingress_policy(f"{name}-network-policy", args.namespace, COMPONENT, selector,
                                                  admitted, PORT, child)

        self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")
        self.register_outputs({
            "gatewayUrl": self.gateway_url,
            "adminUiUrl": self.admin_ui_url,
            "adminUsername": self.admin_username,
            "adminPassword": self.admin_password,
            "masterKey": self.master_key,
        })
