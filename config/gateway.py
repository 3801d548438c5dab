"""`litellm.*` and `ingress.*`: the gateway Deployment and how it is exposed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional

import pulumi

from config.admin_api import AdminApiConfig
from config.reader import ENV_NAME, HAPROXY_TIMEOUT, KUBERNETES_INT32, MISSING, Reader, check_image, check_namespace, \
    holds_credential, ResourcesConfig, check_object_name, read_resources, secret_string
from litemaas_common.litellm_versions import DEFAULT_IMAGE, TESTED_VERSIONS, image_version, tested_range


DEFAULT_LITELLM_IMAGE = DEFAULT_IMAGE


DEFAULT_INGRESS_TLS_SECRET = "litellm-tls"  # where cert-manager writes the certificate it issues


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def check_litellm_image(image: str) -> Optional[str]:
    """A pinned image, of a LiteLLM version not older than the tested ones (None when it is fine)."""
    unpinned = check_image(DEFAULT_IMAGE)(image)
    if unpinned is not None:
        return unpinned
    version, oldest = image_version(image), tested_range()[0]
    if version is not None and version < oldest:
        # Older than every tested version: the providers were not tested against its admin API, and going back
        # below a schema that a newer LiteLLM's migration Job made is not possible (migrations only go forward).
        return (f"names LiteLLM {version}, older than the versions LiteMaaS is tested with "
                f"({', '.join(TESTED_VERSIONS)}); use {DEFAULT_IMAGE} or a newer tested tag (README: LiteLLM versions)")
    return None


# The gateway container's environment, set by components/litellm_gateway.py: declared here, below the component,
# because `litellm.extraEnv` is checked against it at preview.
CREDENTIAL_KEYS = ["LITELLM_MASTER_KEY", "LITELLM_SALT_KEY", "UI_USERNAME", "UI_PASSWORD", "DATABASE_URL"]
# Optional credentials, in the same Secret when the feature is on.
REDIS_URL_KEY = "REDIS_URL"
SLACK_WEBHOOK_KEY = "SLACK_WEBHOOK_URL"  # LiteLLM's Slack alerting reads exactly this variable
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


# Every variable the gateway component sets (the migration Job's are a subset); `litellm.extraEnv` may not set these.
MANAGED_ENV = frozenset(CREDENTIAL_KEYS) | frozenset(gateway_settings("INFO")) | {REDIS_URL_KEY, SLACK_WEBHOOK_KEY}


def managed_gateway_env() -> frozenset[str]:
    """The environment variables the gateway component sets; `litellm.extraEnv` must not override them."""
    return MANAGED_ENV


@dataclass(frozen=True)
class AutoscalingConfig:
    """`litellm.autoscaling`: a HorizontalPodAutoscaler on CPU decides the gateway's pod count."""

    min_replicas: int = 2
    max_replicas: int = 5
    target_cpu_utilization: int = 70  # percent of the CPU request


@dataclass(frozen=True)
class LiteLLMConfig:
    image: str = DEFAULT_LITELLM_IMAGE
    replicas: int = 1
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "500m", "memory": "1Gi"}, {"cpu": "2", "memory": "2Gi"})
    )
    ui_username: str = "admin"
    route_timeout: str = "600s"
    extra_env: Mapping[str, str] = field(default_factory=dict)
    # extraEnv of a `litellm` stored encrypted: into the gateway's Secret, read with secretKeyRef.
    secret_extra_env: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    log_level: str = "INFO"
    ingress_namespaces: tuple[str, ...] = ("ingress-nginx",)  # kubernetes platform: who may reach the pods
    # Bring-your-own secrets (e.g. to reattach a kept database); generated once when unset.
    salt_key: Optional[pulumi.Output[str]] = None
    # A change of the effective salt key is refused at preview unless this is set for that `up`.
    acknowledge_new_salt_key: bool = False
    ui_password: Optional[pulumi.Output[str]] = None
    autoscaling: Optional[AutoscalingConfig] = None
    # Several pods without a shared Redis: each enforces limits and budgets on its own (accepted explicitly).
    allow_replicas_without_redis: bool = False

    @property
    def min_pods(self) -> int:
        return self.autoscaling.min_replicas if self.autoscaling else self.replicas

    @property
    def max_pods(self) -> int:
        """The most gateway pods that can run (what database connections are sized for)."""
        return self.autoscaling.max_replicas if self.autoscaling else self.replicas


@dataclass(frozen=True)
class IngressConfig:
    """TLS of the gateway's Ingress on the kubernetes platform (`ingress`)."""

    tls_secret_name: Optional[str] = None  # a kubernetes.io/tls Secret in the namespace
    cluster_issuer: Optional[str] = None  # a cert-manager ClusterIssuer that fills that Secret

    @property
    def secret_name(self) -> Optional[str]:
        """The Secret the Ingress serves its certificate from; None means no TLS."""
        return self.tls_secret_name or (DEFAULT_INGRESS_TLS_SECRET if self.cluster_issuer else None)


LITELLM_KEYS = ["image", "replicas", "resources", "uiUsername", "routeTimeout", "extraEnv", "logLevel",
                 "ingressNamespaces", "saltKey", "acknowledgeNewSaltKey", "uiPassword", "autoscaling", "allowReplicasWithoutRedis"]


AUTOSCALING_KEYS = ["minReplicas", "maxReplicas", "targetCPUUtilization"]


# Why several pods need Redis (LiteLLM 1.108.7 keeps these per process without it); shown at preview.
WITHOUT_REDIS = ("without a shared Redis every gateway pod keeps its own rate-limit and budget counters (an rpm "
                 "limit is multiplied by the pod count) and a blocked or deleted key stays usable on the other pods "
                 "until their key cache expires")


def parse_autoscaling(section: Reader, redis_configured: bool) -> Optional[AutoscalingConfig]:
    if section.raw("autoscaling") is MISSING or section.raw("autoscaling") is None:
        return None
    scaling = section.child("autoscaling", AUTOSCALING_KEYS)
    defaults = AutoscalingConfig()
    minimum = scaling.integer("minReplicas", defaults.min_replicas, minimum=1, **KUBERNETES_INT32)
    maximum = scaling.integer("maxReplicas", defaults.max_replicas, minimum=1, **KUBERNETES_INT32)
    target = scaling.integer("targetCPUUtilization", defaults.target_cpu_utilization, minimum=1)
    if target is not None and target > 100:
        scaling.fail_key("targetCPUUtilization", f"must be a percentage of the CPU request (1-100), got {target}")
    if minimum is not None and maximum is not None and maximum < minimum:
        scaling.fail_key("maxReplicas", f"{maximum} is below minReplicas {minimum}; set it to {minimum} or more")
    if section.raw("replicas") is not MISSING:
        section.fail_key("replicas", "conflicts with litellm.autoscaling: the HorizontalPodAutoscaler sets the pod "
                         "count between minReplicas and maxReplicas. Fix: `pulumi config rm --path litellm.replicas`")
    if not redis_configured:
        section.fail_key("autoscaling", f"requires Redis: {WITHOUT_REDIS}. Fix: `pulumi config set --path "
                         "redis.enabled true`, or point at an existing one with `pulumi config set --secret "
                         "--path redis.url redis://…`")
    return AutoscalingConfig(min_replicas=minimum or defaults.min_replicas,
                             max_replicas=max(maximum or defaults.max_replicas, minimum or defaults.min_replicas),
                             target_cpu_utilization=min(target or defaults.target_cpu_utilization, 100))


INGRESS_KEYS = ["tlsSecretName", "clusterIssuer"]


def parse_litellm(top: Reader, stored_as_secret: bool, redis_configured: bool = False) -> LiteLLMConfig:
    section = top.child("litellm", LITELLM_KEYS)
    defaults = LiteLLMConfig()
    replicas = section.integer("replicas", defaults.replicas, minimum=1, **KUBERNETES_INT32)
    allow_without_redis = section.boolean("allowReplicasWithoutRedis", False)
    autoscaling = parse_autoscaling(section, redis_configured)
    if replicas is not None and replicas > 1 and not redis_configured and not allow_without_redis:
        section.fail_key("replicas", f"{replicas} pods without Redis: {WITHOUT_REDIS}. Fix: `pulumi config set "
                         "--path redis.enabled true` (or `--secret --path redis.url redis://…` for an existing "
                         "one); to accept per-pod limits: `pulumi config set --path "
                         "litellm.allowReplicasWithoutRedis true`")
    extra_env, secret_extra_env = {}, {}
    managed_env = managed_gateway_env()
    for name, value in section.mapping("extraEnv").items():
        key = f"extraEnv.{name}"
        if not ENV_NAME.match(name):
            section.fail_key(key, "is not a valid environment variable name")
        elif name in managed_env:
            section.fail_key(key, "is set by LiteMaaS itself and cannot be overridden; remove it from extraEnv")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            section.fail_key(key, "must be a string (quote numbers and booleans)")
        elif stored_as_secret:
            secret_extra_env[name] = pulumi.Output.secret(str(value))
        elif holds_credential(name, value):
            section.fail_key(key, "looks like a credential (its name, or a password in a URL) but is stored in plain "
                             "text; set it with `pulumi config set --secret --path "
                             f"'litellm.extraEnv.{name}' …` (it then reaches the pods through a Secret)")
        else:
            extra_env[name] = str(value)
    log_level = section.string("logLevel", defaults.log_level,
                               check=lambda v: None if v in LOG_LEVELS else f"is not a log level; use one of {', '.join(LOG_LEVELS)}")
    return LiteLLMConfig(
        image=section.string("image", defaults.image, check=check_litellm_image),
        replicas=replicas,
        resources=read_resources(section, "resources", defaults.resources),
        ui_username=section.string("uiUsername", defaults.ui_username,
                                   check=lambda v: None if v.strip() else "must not be empty"),
        route_timeout=section.string("routeTimeout", defaults.route_timeout,
                                     check=lambda v: None if HAPROXY_TIMEOUT.match(v) else
                                     "is not a router timeout; use a whole number with a unit such as 600s, 10m or 1h"),
        extra_env=extra_env,
        secret_extra_env=secret_extra_env,
        log_level=log_level,
        ingress_namespaces=section.string_list("ingressNamespaces", check=check_namespace) or defaults.ingress_namespaces,
        salt_key=secret_string(section, "saltKey", stored_as_secret, min_length=32),
        acknowledge_new_salt_key=section.boolean("acknowledgeNewSaltKey", False),
        ui_password=secret_string(section, "uiPassword", stored_as_secret, min_length=12),
        autoscaling=autoscaling,
        allow_replicas_without_redis=allow_without_redis,
    )


def parse_ingress(top: Reader, platform: Optional[str], hostname: Optional[str], ingress_class: Optional[str],
                   deploy_gateway: bool, admin_api: AdminApiConfig) -> IngressConfig:
    """The Ingress's TLS; an Ingress exists only on kubernetes with a hostname, and never serves plain HTTP
    unless the admin accepts it (adminApi.allowInsecureHttp)."""
    section = top.child("ingress", INGRESS_KEYS)
    ingress = IngressConfig(tls_secret_name=section.string("tlsSecretName", check=check_object_name),
                            cluster_issuer=section.string("clusterIssuer", check=check_object_name))
    configured = [key for key in INGRESS_KEYS if section.raw(key) is not MISSING]
    if platform != "kubernetes":
        for key in configured:
            section.fail_key(key, "applies to the kubernetes platform only: on openshift the Route terminates TLS "
                             f"at the router (edge). Fix: `pulumi config rm --path ingress.{key}`")
    elif hostname is None:
        for key, path in [*((k, f"--path ingress.{k}") for k in configured),
                          *([("ingressClassName", "ingressClassName")] if ingress_class is not None else [])]:
            reader = top if key == "ingressClassName" else section
            reader.fail_key(key, "has no effect: no Ingress is created without hostname (the providers use "
                            "gatewayUrl). Fix: `pulumi config set hostname litellm.example.com`, or "
                            f"`pulumi config rm {path}`")
    elif deploy_gateway and ingress.secret_name is None and not admin_api.allow_insecure_http:
        section.fail_key("tlsSecretName", f"is required for the Ingress of {hostname}: without TLS the master key "
                         "and every virtual key cross the network in clear. Fix: create a kubernetes.io/tls Secret "
                         "and `pulumi config set --path ingress.tlsSecretName <secret>`, or let cert-manager issue "
                         "one: `pulumi config set --path ingress.clusterIssuer <issuer>`; to accept plain HTTP "
                         "(lab clusters only): `pulumi config set --path adminApi.allowInsecureHttp true`")
    return ingress
