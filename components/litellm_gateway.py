"""The LiteLLM gateway: credentials, schema migration Job, Deployment, Service, Route or Ingress."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components import kube
from components.litellm_proxy_settings import (  # noqa: F401 - re-exported: the gateway's settings, imported from here
    AUTH_CACHE_TTL_SECONDS, CREDENTIAL_KEYS, MANAGED_ENV, REDIS_URL_KEY, RUNTIME_DIRS, SLACK_WEBHOOK_KEY,
    gateway_settings, proxy_config)
from dynamic_providers.salt_key import SaltKeyGuard
from config import AlertingConfig, IngressConfig, LiteLLMConfig, MonitoringConfig

COMPONENT = "litellm"
PORT = 4000
SECRET_NAME = "litellm-credentials"
# LiteLLM's standalone migration entrypoint, relative to the image's working directory /app.
MIGRATION_SCRIPT = "litellm/proxy/prisma_migration.py"
CONFIG_MAP_NAME = "litellm-config"
CONFIG_DIR = "/etc/litellm"
CONFIG_FILE = f"{CONFIG_DIR}/config.yaml"
# The Prometheus endpoint LiteLLM mounts (a Starlette mount: /metrics answers with a redirect to it).
METRICS_PATH = "/metrics/"
CERT_MANAGER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"
# Where OpenShift runs the Prometheus of user-workload monitoring (it scrapes ServiceMonitors of user namespaces).
OPENSHIFT_USER_WORKLOAD_MONITORING = "openshift-user-workload-monitoring"
# Labels of the pods that reach the database (the migration Job's and the gateway's), and their writable dirs.
DATABASE_CLIENT_LABELS = {**kube.labels(COMPONENT), kube.DATABASE_CLIENT_LABEL: "true"}
RUNTIME_MOUNTS = (k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                  k8s.core.v1.VolumeMountArgs(name="home", mount_path="/var/tmp/litellm"))
RUNTIME_VOLUMES = (kube.empty_dir_volume("tmp"), kube.empty_dir_volume("home"))


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
    redis_url: Optional[pulumi.Input[str]] = None  # secret; the shared Redis of several pods
    monitoring: MonitoringConfig = field(default_factory=MonitoringConfig)
    alerting: AlertingConfig = field(default_factory=AlertingConfig)


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


_assigned_host = kube.assigned_host("litellm")  # hostname: `pulumi config set hostname <host>`


class LiteLLMGateway(pulumi.ComponentResource):
    """LiteLLM's proxy with its admin UI, migrated before it starts and reachable through the router."""

    gateway_url: pulumi.Output[str]
    admin_ui_url: pulumi.Output[str]
    master_key: pulumi.Output[str]
    admin_password: pulumi.Output[str]

    def __init__(self, name: str, args: LiteLLMGatewayArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:LiteLLMGateway", name, None, opts)
        self._credentials(name, args)
        optional_credentials = _optional_credentials(args)
        self._credentials_secret(name, args, optional_credentials)
        config_text = self._config_file(name, args)
        self._migration_job(name, args)
        self._deployment(name, args, optional_credentials, config_text)
        self._autoscaler(name, args)
        self._service(name, args)
        self._disruption_budget(name, args)
        self._exposure(name, args)
        self._network_policy(name, args)
        self.admin_ui_url = pulumi.Output.concat(self.gateway_url, "/ui")
        self.register_outputs({
            "gatewayUrl": self.gateway_url,
            "adminUiUrl": self.admin_ui_url,
            "adminUsername": self.admin_username,
            "adminPassword": self.admin_password,
            "masterKey": self.master_key,
        })

    def _credentials(self, name: str, args: LiteLLMGatewayArgs) -> None:
        """The master key, the salt key and its guard, and the admin UI's login."""
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        if args.master_key is None:
            generated = random.RandomPassword(f"{name}-master-key", length=48, special=False, opts=child)
            self.master_key = pulumi.Output.secret(pulumi.Output.concat("sk-", generated.result))
        else:
            self.master_key = pulumi.Output.secret(args.master_key)
        # The salt key encrypts every credential LiteLLM stores; a new one makes them unreadable, so it is
        # generated once, never has keepers, and is protected while it is the one in use and the database
        # outlives the stack. It is generated even when `litellm.saltKey` is set: a stack that generated one can
        # then adopt that very value in config (the protected resource stays), and the guard below refuses any
        # other value at preview.
        generated_salt_key = random.RandomPassword(
            f"{name}-salt-key", length=64, special=False,
            opts=pulumi.ResourceOptions(parent=self,
                                        protect=args.protect_salt_key and config.salt_key is None)).result
        self.salt_key = config.salt_key if config.salt_key is not None else generated_salt_key
        self.salt_key_guard = SaltKeyGuard(
            f"{name}-salt-key-guard", salt_key=self.salt_key,
            source="generated" if config.salt_key is None else "config",
            acknowledged=config.acknowledge_new_salt_key, namespace=args.namespace, opts=child)
        if config.ui_password is not None:
            self.admin_password = config.ui_password
        else:
            self.admin_password = random.RandomPassword(
                f"{name}-ui-password", length=24, special=False, opts=child).result
        self.admin_username = pulumi.Output.from_input(config.ui_username)

    def _credentials_secret(self, name: str, args: LiteLLMGatewayArgs,
                            optional_credentials: dict[str, pulumi.Input[str]]) -> None:
        self.secret = k8s.core.v1.Secret(
            f"{name}-credentials",
            metadata=kube.metadata(SECRET_NAME, args.namespace, COMPONENT),
            type="Opaque",
            string_data={
                "LITELLM_MASTER_KEY": self.master_key,
                "LITELLM_SALT_KEY": self.salt_key,
                "UI_USERNAME": args.config.ui_username,
                "UI_PASSWORD": self.admin_password,
                **({} if args.database_url_secret else {"DATABASE_URL": args.database_url}),
                **optional_credentials,
            },
            # Nothing takes a new salt key before the guard has accepted it (`up --skip-preview` included).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.salt_key_guard]))

    def _config_file(self, name: str, args: LiteLLMGatewayArgs) -> Optional[str]:
        """The ConfigMap of the proxy's config file when a feature needs one; returns the file's text."""
        settings = proxy_config(args.redis_url is not None, args.monitoring, args.alerting)
        self.config_map = None
        if not settings:
            return None
        # JSON is YAML; sorted keys keep the file (and its digest) stable between runs.
        config_text = json.dumps(settings, indent=2, sort_keys=True) + "\n"
        self.config_map = k8s.core.v1.ConfigMap(
            f"{name}-config",
            metadata=kube.metadata(CONFIG_MAP_NAME, args.namespace, COMPONENT),
            data={"config.yaml": config_text},
            opts=pulumi.ResourceOptions(parent=self))
        return config_text

    def _migration_job(self, name: str, args: LiteLLMGatewayArgs) -> None:
        config = args.config
        database_env = _database_env(args)
        self.migration_job = k8s.batch.v1.Job(
            f"{name}-migration",
            metadata=kube.metadata(migration_job_name(config.image, args.database_url, self.salt_key),
                                   args.namespace, "litellm-migration"),
            spec=k8s.batch.v1.JobSpecArgs(
                backoff_limit=4,
                active_deadline_seconds=1800,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        labels={**DATABASE_CLIENT_LABELS, "app.kubernetes.io/name": "litellm-migration"}),
                    spec=k8s.core.v1.PodSpecArgs(
                        restart_policy="Never",
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.LITELLM_NON_ROOT_UID),
                        init_containers=[kube.wait_for_database_container(args.wait_image, database_env)],
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
                            volume_mounts=list(RUNTIME_MOUNTS),
                        )],
                        volumes=list(RUNTIME_VOLUMES),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.secret, *args.database_dependencies]))

    def _deployment(self, name: str, args: LiteLLMGatewayArgs, optional_credentials: dict[str, pulumi.Input[str]],
                    config_text: Optional[str]) -> None:
        config = args.config
        selector = kube.selector_labels(COMPONENT)
        labels = {**DATABASE_CLIENT_LABELS, **({kube.REDIS_CLIENT_LABEL: "true"} if args.redis_url is not None else {})}
        mounts, volumes, config_args = list(RUNTIME_MOUNTS), list(RUNTIME_VOLUMES), []
        if config_text is not None:
            mounts.append(k8s.core.v1.VolumeMountArgs(name="config", mount_path=CONFIG_DIR, read_only=True))
            volumes.append(k8s.core.v1.VolumeArgs(
                name="config", config_map=k8s.core.v1.ConfigMapVolumeSourceArgs(name=CONFIG_MAP_NAME)))
            config_args = ["--config", CONFIG_FILE]
        managed = gateway_settings(config.log_level)
        # Managed values win over extraEnv (config refuses such names anyway); merging `managed` a second
        # time keeps today's variable order, so existing Deployments see no change.
        env = kube.secret_env([*(k for k in CREDENTIAL_KEYS if k != "DATABASE_URL"), *optional_credentials],
                              SECRET_NAME) + _database_env(args) + kube.plain_env(
            {**managed, **config.extra_env, **managed})
        # Pods read credentials only at start; this digest rolls them when a credential changes without
        # putting any secret material in the spec (a truncated hash of high-entropy values).
        credentials_digest = pulumi.Output.unsecret(
            pulumi.Output.all(self.master_key, self.salt_key, self.admin_password, args.database_url,
                              *optional_credentials.values())
            .apply(lambda values: hashlib.sha256("\0".join(values).encode()).hexdigest()[:16]))
        pod_annotations = {"litemaas.io/credentials-digest": credentials_digest}
        if config_text is not None:
            # LiteLLM reads its config file only at start: a changed file rolls the pods.
            pod_annotations["litemaas.io/config-digest"] = hashlib.sha256(config_text.encode()).hexdigest()[:16]

        self.deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # With autoscaling the HorizontalPodAutoscaler owns the count: the field is left out, so an `up`
                # never resets it (server-side apply releases the field).
                replicas=None if config.autoscaling else config.replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0)),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels, annotations=pod_annotations),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,
                        security_context=kube.pod_security_context(args.openshift, kube.LITELLM_NON_ROOT_UID),
                        termination_grace_period_seconds=90,
                        # Replicas on different nodes when the cluster has them; never blocks scheduling.
                        topology_spread_constraints=[k8s.core.v1.TopologySpreadConstraintArgs(
                            max_skew=1, topology_key="kubernetes.io/hostname", when_unsatisfiable="ScheduleAnyway",
                            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector),
                        )] if config.max_pods > 1 else None,
                        containers=[k8s.core.v1.ContainerArgs(
                            name="litellm",
                            image=config.image,
                            args=["--port", str(PORT), *config_args],
                            ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=PORT)],
                            env=env,
                            resources=kube.resource_requirements(config.resources),
                            security_context=kube.container_security_context(),
                            # Startup allows ~5 minutes (Prisma client generation on first boot).
                            startup_probe=kube.http_probe("/health/readiness", "http", period=10, timeout=5, failures=30),
                            readiness_probe=kube.http_probe("/health/readiness", "http", period=10, timeout=5, failures=3),
                            liveness_probe=kube.http_probe("/health/liveliness", "http", period=15, timeout=5, failures=5),
                            volume_mounts=mounts,
                        )],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.migration_job]))

    def _autoscaler(self, name: str, args: LiteLLMGatewayArgs) -> None:
        autoscaling = args.config.autoscaling
        self.autoscaler = None
        if not autoscaling:
            return
        self.autoscaler = k8s.autoscaling.v2.HorizontalPodAutoscaler(
            f"{name}-autoscaler",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
                scale_target_ref=k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(
                    api_version="apps/v1", kind="Deployment", name="litellm"),
                min_replicas=autoscaling.min_replicas,
                max_replicas=autoscaling.max_replicas,
                metrics=[k8s.autoscaling.v2.MetricSpecArgs(
                    type="Resource",
                    resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
                        name="cpu", target=k8s.autoscaling.v2.MetricTargetArgs(
                            type="Utilization", average_utilization=autoscaling.target_cpu_utilization)))],
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.deployment]))

    def _service(self, name: str, args: LiteLLMGatewayArgs) -> None:
        self.service = k8s.core.v1.Service(
            f"{name}-service",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.core.v1.ServiceSpecArgs(
                type="ClusterIP", selector=kube.selector_labels(COMPONENT),
                ports=[k8s.core.v1.ServicePortArgs(name="http", port=PORT, target_port="http")]),
            opts=pulumi.ResourceOptions(parent=self))

    def _disruption_budget(self, name: str, args: LiteLLMGatewayArgs) -> None:
        self.disruption_budget = None
        if args.config.min_pods <= 1:
            return
        autoscaling = args.config.autoscaling
        # Fixed replicas: one pod always serves. Autoscaling: at the minReplicas floor one pod may still be
        # drained, and above it as many as the HPA added.
        self.disruption_budget = k8s.policy.v1.PodDisruptionBudget(
            f"{name}-disruption-budget",
            metadata=kube.metadata("litellm", args.namespace, COMPONENT),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                min_available=autoscaling.min_replicas - 1 if autoscaling else 1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=kube.selector_labels(COMPONENT))),
            opts=pulumi.ResourceOptions(parent=self))

    def _exposure(self, name: str, args: LiteLLMGatewayArgs) -> None:
        """A Route (OpenShift) or an Ingress for the host, or none; sets gateway_url."""
        self.route = self.ingress = None
        if args.openshift:
            self.route = kube.edge_route(f"{name}-route", args.namespace, COMPONENT, "litellm",
                                         timeout=args.config.route_timeout, host=args.hostname,
                                         opts=pulumi.ResourceOptions(parent=self, depends_on=[self.service]))
            # Without a configured host the router assigns one and writes it back into spec.host.
            host = pulumi.Output.from_input(args.hostname) if args.hostname else self.route.spec.apply(_assigned_host)
            self.gateway_url = pulumi.Output.concat("https://", host)
        elif args.hostname is None:
            # No host to route: an Ingress rule without one would match every host of its class. The gateway
            # stays in-cluster (the stack's gatewayUrl says how the providers reach it).
            self.gateway_url = pulumi.Output.concat("http://litellm.", args.namespace, f".svc:{PORT}")
        else:
            self._ingress(name, args)

    def _ingress(self, name: str, args: LiteLLMGatewayArgs) -> None:
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

    def _network_policy(self, name: str, args: LiteLLMGatewayArgs) -> None:
        """Admits the router, the Prometheus that scrapes /metrics when monitoring, and the namespace's pods."""
        admitted = kube.router_peers(args.openshift, args.ingress_namespaces)
        if args.monitoring.enabled:
            # The Prometheus that scrapes /metrics (OpenShift: user-workload monitoring).
            scrapers = args.monitoring.prometheus_namespaces or (
                (OPENSHIFT_USER_WORKLOAD_MONITORING,) if args.openshift else ("monitoring",))
            admitted.append(k8s.networking.v1.NetworkPolicyPeerArgs(
                namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_expressions=[
                    k8s.meta.v1.LabelSelectorRequirementArgs(
                        key="kubernetes.io/metadata.name", operator="In", values=list(scrapers))])))
        # Pods of the same namespace (admin tooling, the port-forward workflow, the LiteMaaS backend) may reach
        # the API too.
        admitted.append(k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs()))
        self.network_policy = kube.ingress_policy(f"{name}-network-policy", args.namespace, COMPONENT,
                                                  kube.selector_labels(COMPONENT), admitted, PORT,
                                                  pulumi.ResourceOptions(parent=self))


def _optional_credentials(args: LiteLLMGatewayArgs) -> dict[str, pulumi.Input[str]]:
    """Credentials of the features that are on (Redis, Slack) and the secret extraEnv, in the Secret's order."""
    return {
        **({REDIS_URL_KEY: args.redis_url} if args.redis_url is not None else {}),
        **({SLACK_WEBHOOK_KEY: args.alerting.slack_webhook_url} if args.alerting.enabled else {}),
        **args.config.secret_extra_env,
    }


def _database_env(args: LiteLLMGatewayArgs) -> list[k8s.core.v1.EnvVarArgs]:
    """DATABASE_URL from the gateway's Secret, or from the database's own Secret when it has one."""
    if args.database_url_secret:
        return kube.secret_key_env("DATABASE_URL", *args.database_url_secret)
    return kube.secret_env(["DATABASE_URL"], SECRET_NAME)

