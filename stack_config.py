"""Typed LiteMaaS stack configuration: the one place where `litemaas:*` config is read and validated.

Every other module takes the dataclasses below, never raw `pulumi.Config`. All problems found in the
stack config are collected and raised as a single `ConfigError` before any resource is declared, so
`pulumi preview` fails fast with messages that name the key path and the fix.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional, Sequence
from urllib.parse import urlsplit

import pulumi
from pulumi.runtime import config as runtime_config

from dynamic_providers.admin_client import PEM_CERTIFICATE, ca_bundle_problem, insecure_transport_problem

PROJECT = "litemaas"

DEFAULT_LITELLM_IMAGE = "ghcr.io/berriai/litellm-non_root:main-v1.108.7-stable"
DEFAULT_POSTGRES_IMAGE = "docker.io/library/postgres:16.10-alpine"

# LiteLLM's `database_connection_pool_limit` default: connections per worker process.
LITELLM_DB_POOL_PER_POD = 10
POSTGRES_RESERVED_CONNECTIONS = 20

PLATFORMS = ("openshift", "kubernetes")
DEFAULT_INGRESS_TLS_SECRET = "litellm-tls"  # where cert-manager writes the certificate it issues
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def managed_gateway_env() -> frozenset[str]:
    """The environment variables the gateway component sets; `litellm.extraEnv` must not override them."""
    # The component owns the list; imported here, not at the top, because the components import this module.
    from components.litellm_gateway import MANAGED_ENV

    return MANAGED_ENV


_QUANTITY = re.compile(r"^[+]?((\d+(\.\d*)?)|(\.\d+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITELLM_DURATION = re.compile(r"^(\d+)(s|m|h|d|w|mo)$")
_HAPROXY_TIMEOUT = re.compile(r"^\d+(us|ms|s|m|h|d)?$")
_SIMPLE_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_SECONDS_PER_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000}

# Pricing keys LiteLLM drops from model_info; they belong in litellm_params.
_MODEL_PRICING_KEYS = frozenset(
    {"input_cost_per_token", "output_cost_per_token", "input_cost_per_second", "output_cost_per_second"}
)


def parse_litellm_duration(value: str) -> int:
    """Seconds in a LiteLLM duration (`30s`, `15m`, `12h`, `30d`, `2w`, `1mo`); ValueError otherwise."""
    match = _LITELLM_DURATION.match(value) if isinstance(value, str) else None
    if not match or int(match.group(1)) == 0:
        raise ValueError(
            f"{value!r} is not a LiteLLM duration: use a positive whole number followed by "
            "s, m, h, d, w or mo (e.g. 30d, 12h, 1mo)"
        )
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]


def max_connections_needed(gateway_replicas: int) -> int:
    """PostgreSQL connections the gateway can open: each pod, one surge pod and the migration Job."""
    return LITELLM_DB_POOL_PER_POD * (gateway_replicas + 2) + POSTGRES_RESERVED_CONNECTIONS


class ConfigError(pulumi.RunError):
    """The stack config is invalid; the message lists every problem with its key path and fix."""


@dataclass(frozen=True)
class ResourcesConfig:
    """Container resource requests and limits (Kubernetes quantities)."""

    requests: Mapping[str, str]
    limits: Mapping[str, str]


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
    log_level: str = "INFO"
    ingress_namespaces: tuple[str, ...] = ("ingress-nginx",)  # kubernetes platform: who may reach the pods
    # Bring-your-own secrets (e.g. to reattach a kept database); generated once when unset.
    salt_key: Optional[pulumi.Output[str]] = None
    ui_password: Optional[pulumi.Output[str]] = None


@dataclass(frozen=True)
class PostgresConfig:
    image: str = DEFAULT_POSTGRES_IMAGE
    storage_size: str = "10Gi"
    storage_class: Optional[str] = None
    resources: ResourcesConfig = field(
        default_factory=lambda: ResourcesConfig({"cpu": "250m", "memory": "512Mi"}, {"cpu": "1", "memory": "1Gi"})
    )
    max_connections: int = 100
    external_database_url: Optional[pulumi.Output[str]] = None  # secret
    password: Optional[pulumi.Output[str]] = None  # secret; generated once when unset
    delete_data_on_destroy: bool = False


@dataclass(frozen=True)
class AdminApiConfig:
    """How the dynamic providers talk to the LiteLLM admin API."""

    readiness_timeout: float = 600.0  # seconds to wait for /health/readiness to report the DB connected
    request_timeout: float = 60.0  # seconds per HTTP call
    verify_tls: bool = True
    allow_insecure_http: bool = False  # the master key over plain HTTP off this host and off the cluster
    ca_bundle: Optional[str] = None  # PEM text of the CA(s) that signed the gateway's certificate


@dataclass(frozen=True)
class IngressConfig:
    """TLS of the gateway's Ingress on the kubernetes platform (`ingress`)."""

    tls_secret_name: Optional[str] = None  # a kubernetes.io/tls Secret in the namespace
    cluster_issuer: Optional[str] = None  # a cert-manager ClusterIssuer that fills that Secret

    @property
    def secret_name(self) -> Optional[str]:
        """The Secret the Ingress serves its certificate from; None means no TLS."""
        return self.tls_secret_name or (DEFAULT_INGRESS_TLS_SECRET if self.cluster_issuer else None)


@dataclass(frozen=True)
class ModelConfig:
    """One model deployment served by the gateway (`models[]`). Treat the mappings as read-only."""

    name: str
    model: str
    api_base: Optional[str] = None
    api_key: Optional[pulumi.Output[str]] = None  # always a secret Output when set
    api_version: Optional[str] = None
    rpm: Optional[int] = None
    tpm: Optional[int] = None
    timeout: Optional[float] = None
    max_retries: Optional[int] = None
    input_cost_per_token: Optional[float] = None
    output_cost_per_token: Optional[float] = None
    model_info: Mapping[str, Any] = field(default_factory=dict)
    extra_params: Mapping[str, Any] = field(default_factory=dict)
    id: Optional[str] = None


@dataclass(frozen=True)
class TeamConfig:
    """A LiteLLM team (`teams[]`)."""

    alias: str
    models: tuple[str, ...] = ()
    max_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    id: Optional[str] = None


@dataclass(frozen=True)
class KeyConfig:
    """A virtual key handed to a user (`keys[]`); `team` is a TeamConfig alias."""

    alias: str
    models: tuple[str, ...] = ()
    team: Optional[str] = None
    user_id: Optional[str] = None
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    max_parallel_requests: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blocked: bool = False


@dataclass(frozen=True)
class StackConfig:
    namespace: str = "litemaas"
    create_namespace: bool = True
    platform: str = "openshift"
    hostname: Optional[str] = None
    ingress_class_name: Optional[str] = None
    ingress: IngressConfig = field(default_factory=IngressConfig)
    deploy_gateway: bool = True
    gateway_url: Optional[str] = None
    master_key: Optional[pulumi.Output[str]] = None  # secret; generated by the gateway when unset
    litellm: LiteLLMConfig = field(default_factory=LiteLLMConfig)
    postgres: PostgresConfig = field(default_factory=PostgresConfig)
    admin_api: AdminApiConfig = field(default_factory=AdminApiConfig)
    models: tuple[ModelConfig, ...] = ()
    teams: tuple[TeamConfig, ...] = ()
    keys: tuple[KeyConfig, ...] = ()

    @property
    def openshift(self) -> bool:
        return self.platform == "openshift"


_MISSING = object()


class _Reader:
    """Typed access to one config object that records problems instead of stopping at the first."""

    def __init__(self, problems: list[str], path: str, data: Mapping[str, Any], known: Sequence[str]):
        self.problems = problems
        self.path = path
        self.data = data
        for key in data:
            if key not in known:
                self.fail_key(key, f"unknown key{_did_you_mean(key, known)}; known keys: {', '.join(known)}")

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail_key(self, key: str, message: str) -> None:
        self.problems.append(f"{PROJECT}:{self.key_path(key)}: {message}")

    def raw(self, key: str) -> Any:
        return self.data.get(key, _MISSING)

    def string(self, key: str, default: Optional[str] = None, *, check: Optional[Callable[[str], Optional[str]]] = None,
               required: bool = False, secret: bool = False) -> Optional[str]:
        value = self.raw(key)
        if value is _MISSING or value is None:
            if required:
                self.fail_key(key, "is required")
            return default
        if not isinstance(value, str):
            self.fail_key(key, f"must be a string, got {_type_name(value)}")
            return default
        if required and not value.strip():
            self.fail_key(key, "must not be empty")
            return default
        if check:
            problem = check(value)
            if problem:
                # Secret values never appear in messages.
                shown = "the value" if secret else repr(value)
                self.fail_key(key, f"{shown} {problem}")
                return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail_key(key, f"must be true or false, got {value!r}")
        return default

    def integer(self, key: str, default: Optional[int] = None, *, minimum: int = 0) -> Optional[int]:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail_key(key, f"must be a whole number, got {value!r}")
            return default
        if value < minimum:
            self.fail_key(key, f"must be {minimum} or more, got {value}")
            return default
        return value

    def number(self, key: str, default: Optional[float] = None, *, positive: bool = False) -> Optional[float]:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail_key(key, f"must be a number, got {value!r}")
            return default
        if value < 0 or (positive and value == 0):
            self.fail_key(key, f"must be {'greater than 0' if positive else '0 or more'}, got {value}")
            return default
        return float(value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            self.fail_key(key, f"must be an object (map), got {_type_name(value)}")
            return {}
        return dict(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        value = self.raw(key)
        if value is _MISSING or value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail_key(key, "must be a list of non-empty strings")
            return ()
        return tuple(value)

    def child(self, key: str, known: Sequence[str]) -> "_Reader":
        return _Reader(self.problems, self.key_path(key), self.mapping(key), known)


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)


def _did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[key.lower()]] if key.lower() in lowered else []
    return f" (did you mean `{close[0]}`?)" if close else ""


def _check_quantity(value: str) -> Optional[str]:
    if not _QUANTITY.match(value):
        return ("is not a Kubernetes quantity; use a number with an optional suffix such as "
                "10Gi, 512Mi (memory, storage) or 500m, 2 (CPU)")
    return None


def _check_positive_quantity(value: str) -> Optional[str]:
    problem = _check_quantity(value)
    if problem is None and float(re.match(r"[+]?[\d.]+", value).group(0) or 0) <= 0:
        return "must be a positive quantity such as 10Gi"
    return problem


def _check_url(value: str) -> Optional[str]:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL; use e.g. https://litellm.apps.example.com or http://127.0.0.1:4000"
    return None


def _check_litellm_duration(value: str) -> Optional[str]:
    try:
        parse_litellm_duration(value)
    except ValueError:
        return "is not a duration LiteLLM accepts; use a whole number followed by s, m, h, d, w or mo (e.g. 30d, 1mo)"
    return None


def _check_simple_duration(value: str) -> Optional[str]:
    if not _SIMPLE_DURATION.match(value) or int(value[:-1]) == 0:
        return "is not a duration; use a positive whole number followed by s, m or h (e.g. 60s, 10m)"
    return None


def _seconds(value: str) -> float:
    return float(int(value[:-1]) * _SECONDS_PER_UNIT[value[-1]])


def _read_resources(parent: _Reader, key: str, default: ResourcesConfig) -> ResourcesConfig:
    section = parent.child(key, ["requests", "limits"])
    result = {}
    for kind in ("requests", "limits"):
        values = section.child(kind, ["cpu", "memory", "ephemeral-storage"])
        merged = dict(getattr(default, kind))
        for name in ("cpu", "memory", "ephemeral-storage"):
            quantity = values.string(name, check=_check_quantity)
            if quantity is not None:
                merged[name] = quantity
        result[kind] = merged
    return ResourcesConfig(requests=result["requests"], limits=result["limits"])


_TOP_LEVEL_KEYS = [
    "namespace", "createNamespace", "platform", "hostname", "ingressClassName", "deployGateway",
    "gatewayUrl", "masterKey", "litellm", "postgres", "adminApi", "models", "teams", "keys",
    "ingress",
]
_LITELLM_KEYS = ["image", "replicas", "resources", "uiUsername", "routeTimeout", "extraEnv", "logLevel",
                 "ingressNamespaces", "saltKey", "uiPassword"]
_POSTGRES_KEYS = ["image", "storageSize", "storageClass", "resources", "maxConnections", "externalDatabaseUrl",
                  "deleteDataOnDestroy", "password"]
_ADMIN_API_KEYS = ["readinessTimeout", "requestTimeout", "verifyTls", "allowInsecureHttp", "caBundle"]
_INGRESS_KEYS = ["tlsSecretName", "clusterIssuer"]
_MODEL_KEYS = ["name", "model", "apiBase", "apiKey", "apiVersion", "rpm", "tpm", "timeout", "maxRetries",
               "inputCostPerToken", "outputCostPerToken", "modelInfo", "extraParams", "id"]
_TEAM_KEYS = ["alias", "models", "maxBudget", "budgetDuration", "tpmLimit", "rpmLimit", "metadata", "id"]
_KEY_KEYS = ["alias", "models", "team", "userId", "maxBudget", "softBudget", "budgetDuration", "duration",
             "tpmLimit", "rpmLimit", "maxParallelRequests", "metadata", "blocked"]


def _raw_stack_config() -> tuple[dict[str, Any], set[str]]:
    """All `litemaas:*` values (objects JSON-decoded) and the names of the secret ones."""
    import json

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values: dict[str, Any] = {}
    secret: set[str] = set()
    prefix = f"{PROJECT}:"
    for full_key, value in merged.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix):]
        if isinstance(value, str) and value[:1] in "[{":
            try:
                value = json.loads(value)
            except ValueError:
                pass
        values[key] = value
        if runtime_config.is_config_secret(full_key) or full_key in runtime_config.get_config_secret_keys_env():
            secret.add(key)
    return values, secret


def load_stack_config() -> StackConfig:
    """Read and validate the current stack's `litemaas:*` config; raise one ConfigError listing every problem."""
    values, secret_keys = _raw_stack_config()
    return parse_stack_config(values, secret_keys)


def parse_stack_config(values: Mapping[str, Any], secret_keys: set[str] | frozenset[str] = frozenset()) -> StackConfig:
    """Build a StackConfig from decoded config values (keys without the `litemaas:` prefix)."""
    problems: list[str] = []
    top = _Reader(problems, "", values, _TOP_LEVEL_KEYS)
    defaults = StackConfig()

    namespace = top.string("namespace", defaults.namespace,
                           check=lambda v: None if _DNS_LABEL.match(v) else
                           "is not a valid namespace name; use lower-case letters, digits and '-' (max 63 characters)")
    platform = top.string("platform", defaults.platform,
                          check=lambda v: None if v in PLATFORMS else f"is not a platform; use one of {', '.join(PLATFORMS)}")
    hostname = top.string("hostname", check=lambda v: None if _DNS_SUBDOMAIN.match(v) else
                          "is not a valid host name; use a lower-case DNS name such as litellm.apps.example.com")
    ingress_class = top.string("ingressClassName")
    if ingress_class is not None and platform == "openshift":
        top.fail_key("ingressClassName", "applies to the kubernetes platform only; on openshift a Route is created. "
                     "Fix: `pulumi config rm ingressClassName`, or `pulumi config set platform kubernetes`")
    create_namespace = top.boolean("createNamespace", True)
    deploy_gateway = top.boolean("deployGateway", True)
    gateway_url = top.string("gatewayUrl", check=_check_url)
    if gateway_url:
        gateway_url = gateway_url.rstrip("/")

    master_key: Optional[pulumi.Output[str]] = None
    master_key_value = top.string(
        "masterKey", secret=True,
        check=lambda v: None if v.startswith("sk-") and len(v) > 3 else
        "does not start with `sk-`; LiteLLM requires master keys of the form sk-<random>")
    if master_key_value is not None:
        if "masterKey" not in secret_keys:
            top.fail_key("masterKey", "is stored in plain text; set it with `pulumi config set --secret masterKey sk-…`")
        master_key = pulumi.Output.secret(master_key_value)
    if not deploy_gateway:
        if gateway_url is None and top.raw("gatewayUrl") is _MISSING:
            top.fail_key("gatewayUrl", "is required when deployGateway is false (the admin API of the existing "
                         "LiteLLM); set it with `pulumi config set gatewayUrl https://…`")
        if master_key_value is None and top.raw("masterKey") is _MISSING:
            top.fail_key("masterKey", "is required when deployGateway is false; set the existing gateway's key "
                         "with `pulumi config set --secret masterKey sk-…`")

    if deploy_gateway and platform == "kubernetes" and hostname is None and gateway_url is None:
        top.fail_key("hostname", "is required on the kubernetes platform (there is no router to assign one): "
                     "`pulumi config set hostname litellm.example.com`, or set gatewayUrl")
    litellm = _parse_litellm(top, "litellm" in secret_keys)
    postgres = _parse_postgres(top, litellm.replicas, secret_keys)
    admin_api = _parse_admin_api(top)
    ingress = _parse_ingress(top, platform, hostname, ingress_class, deploy_gateway, admin_api)
    if gateway_url and (problem := insecure_transport_problem(gateway_url, admin_api.allow_insecure_http)):
        top.fail_key("gatewayUrl", f"{gateway_url!r}: {problem}")
    models = _parse_models(top, "models" in secret_keys)
    teams = _parse_teams(top, {m.name for m in models})
    keys = _parse_keys(top, {m.name for m in models}, {t.alias: t for t in teams})

    if problems:
        raise ConfigError("Invalid stack config:\n" + "\n".join(f"  - {p}" for p in problems))
    return StackConfig(
        namespace=namespace, create_namespace=create_namespace, platform=platform,
        hostname=hostname, ingress_class_name=ingress_class, deploy_gateway=deploy_gateway, gateway_url=gateway_url,
        master_key=master_key, litellm=litellm, postgres=postgres, admin_api=admin_api,
        models=models, teams=teams, keys=keys,
        ingress=ingress,
    )


def _secret_string(section: _Reader, key: str, stored_as_secret: bool, min_length: int = 0) -> Optional[pulumi.Output[str]]:
    """An optional credential inside an object; refused when the object is not stored encrypted."""
    value = section.string(key, secret=True, check=lambda v: None if len(v) >= min_length else
                           f"is shorter than {min_length} characters")
    if value is None:
        return None
    if not stored_as_secret:
        section.fail_key(key, f"is stored in plain text; set it with "
                         f"`pulumi config set --secret --path {section.key_path(key)} …`")
    return pulumi.Output.secret(value)


def _parse_litellm(top: _Reader, stored_as_secret: bool) -> LiteLLMConfig:
    section = top.child("litellm", _LITELLM_KEYS)
    defaults = LiteLLMConfig()
    replicas = section.integer("replicas", defaults.replicas, minimum=1)
    extra_env = {}
    managed_env = managed_gateway_env()
    for name, value in section.mapping("extraEnv").items():
        key = f"extraEnv.{name}"
        if not _ENV_NAME.match(name):
            section.fail_key(key, "is not a valid environment variable name")
        elif name in managed_env:
            section.fail_key(key, "is set by LiteMaaS itself and cannot be overridden; remove it from extraEnv")
        elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
            section.fail_key(key, "must be a string (quote numbers and booleans)")
        else:
            extra_env[name] = str(value)
    log_level = section.string("logLevel", defaults.log_level,
                               check=lambda v: None if v in LOG_LEVELS else f"is not a log level; use one of {', '.join(LOG_LEVELS)}")
    return LiteLLMConfig(
        image=section.string("image", defaults.image, check=lambda v: None if ":" in v.rsplit("/", 1)[-1] or "@" in v
                             else "has no tag; pin a version, e.g. ghcr.io/berriai/litellm-non_root:main-v1.108.7-stable"),
        replicas=replicas,
        resources=_read_resources(section, "resources", defaults.resources),
        ui_username=section.string("uiUsername", defaults.ui_username,
                                   check=lambda v: None if v.strip() else "must not be empty"),
        route_timeout=section.string("routeTimeout", defaults.route_timeout,
                                     check=lambda v: None if _HAPROXY_TIMEOUT.match(v) else
                                     "is not a router timeout; use a whole number with a unit such as 600s, 10m or 1h"),
        extra_env=extra_env,
        log_level=log_level,
        ingress_namespaces=section.string_list("ingressNamespaces") or defaults.ingress_namespaces,
        salt_key=_secret_string(section, "saltKey", stored_as_secret, min_length=32),
        ui_password=_secret_string(section, "uiPassword", stored_as_secret, min_length=12),
    )


def _parse_postgres(top: _Reader, gateway_replicas: int, secret_keys: set[str] | frozenset[str]) -> PostgresConfig:
    section = top.child("postgres", _POSTGRES_KEYS)
    defaults = PostgresConfig()
    needed = max_connections_needed(gateway_replicas)
    max_connections = section.integer("maxConnections", max(100, needed), minimum=1)
    if section.raw("maxConnections") is not _MISSING and max_connections is not None and max_connections < needed:
        section.fail_key("maxConnections", f"{max_connections} is too low for {gateway_replicas} gateway replica(s): "
                         f"they can open up to {needed} connections; set it to {needed} or more")
    external_url = section.string(
        "externalDatabaseUrl", secret=True,
        check=lambda v: None if urlsplit(v).scheme in ("postgresql", "postgres") and urlsplit(v).hostname else
        "is not a PostgreSQL URL; use postgresql://user:password@host:5432/database")
    if external_url is not None and "postgres" not in secret_keys:
        section.fail_key("externalDatabaseUrl", "holds a password but is stored in plain text; set it with "
                         "`pulumi config set --secret --path postgres.externalDatabaseUrl postgresql://…`")
    return PostgresConfig(
        image=section.string("image", defaults.image),
        storage_size=section.string("storageSize", defaults.storage_size, check=_check_positive_quantity),
        storage_class=section.string("storageClass"),
        resources=_read_resources(section, "resources", defaults.resources),
        max_connections=max_connections,
        external_database_url=pulumi.Output.secret(external_url) if external_url is not None else None,
        delete_data_on_destroy=section.boolean("deleteDataOnDestroy", False),
        password=_secret_string(section, "password", "postgres" in secret_keys, min_length=16),
    )


def _parse_admin_api(top: _Reader) -> AdminApiConfig:
    section = top.child("adminApi", _ADMIN_API_KEYS)
    readiness = section.string("readinessTimeout", "10m", check=_check_simple_duration)
    request = section.string("requestTimeout", "60s", check=_check_simple_duration)
    return AdminApiConfig(readiness_timeout=_seconds(readiness), request_timeout=_seconds(request),
                          verify_tls=section.boolean("verifyTls", True),
                          allow_insecure_http=section.boolean("allowInsecureHttp", False),
                          ca_bundle=_read_ca_bundle(section))


def _read_ca_bundle(section: _Reader) -> Optional[str]:
    """adminApi.caBundle as PEM text: a path is read here, so the providers never need the file."""
    value = section.string("caBundle")
    if value is None:
        return None
    problem = ca_bundle_problem(value)
    if problem:
        shown = "the PEM text" if PEM_CERTIFICATE in value else repr(value)
        section.fail_key("caBundle", f"{shown} {problem}; give the CA certificate(s) of the gateway as PEM text "
                         "(`pulumi config set --path adminApi.caBundle -- \"$(cat router-ca.pem)\"`) or the path "
                         "of a PEM file")
        return None
    if PEM_CERTIFICATE in value:
        return value
    with open(value, encoding="utf-8") as handle:
        return handle.read()


def _check_object_name(value: str) -> Optional[str]:
    if not _DNS_SUBDOMAIN.match(value):
        return "is not a Kubernetes object name; use lower-case letters, digits, '-' and '.' (e.g. litellm-tls)"
    return None


def _parse_ingress(top: _Reader, platform: Optional[str], hostname: Optional[str], ingress_class: Optional[str],
                   deploy_gateway: bool, admin_api: AdminApiConfig) -> IngressConfig:
    """The Ingress's TLS; an Ingress exists only on kubernetes with a hostname, and never serves plain HTTP
    unless the admin accepts it (adminApi.allowInsecureHttp)."""
    section = top.child("ingress", _INGRESS_KEYS)
    ingress = IngressConfig(tls_secret_name=section.string("tlsSecretName", check=_check_object_name),
                            cluster_issuer=section.string("clusterIssuer", check=_check_object_name))
    configured = [key for key in _INGRESS_KEYS if section.raw(key) is not _MISSING]
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


def _list_items(top: _Reader, key: str, known: Sequence[str]) -> list[_Reader]:
    value = top.raw(key)
    if value is _MISSING or value is None:
        return []
    if not isinstance(value, list):
        top.fail_key(key, f"must be a list, got {_type_name(value)}")
        return []
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            top.fail_key(f"{key}[{index}]", f"must be an object, got {_type_name(item)}")
            continue
        items.append(_Reader(top.problems, f"{key}[{index}]", item, known))
    return items


def _unique(reader: _Reader, key: str, value: Optional[str], seen: dict[str, str], what: str) -> None:
    if value is None:
        return
    if value in seen:
        reader.fail_key(key, f"duplicate {what} {value!r} (already used by {seen[value]}); {what}s must be unique")
    else:
        seen[value] = reader.key_path(key)


def _check_models_declared(reader: _Reader, models: tuple[str, ...], declared: set[str]) -> None:
    unknown = [m for m in models if m not in declared]
    if unknown:
        listed = ", ".join(sorted(declared)) or "none"
        reader.fail_key("models", f"names model(s) the stack does not declare: {', '.join(unknown)}; "
                        f"declared models: {listed}")


def _parse_models(top: _Reader, stored_as_secret: bool) -> tuple[ModelConfig, ...]:
    models = []
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for item in _list_items(top, "models", _MODEL_KEYS):
        name = item.string("name", required=True)
        _unique(item, "name", name, names, "model name")
        model_id = item.string("id")
        _unique(item, "id", model_id, ids, "model id")
        model = item.string("model", required=True, check=lambda v: None if "/" in v.strip("/") else
                            "is not a LiteLLM model; use provider/model, e.g. openai/granite-8b-instruct")
        api_key = item.string("apiKey", secret=True)
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", f"is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        model_info = item.mapping("modelInfo")
        for pricing in sorted(_MODEL_PRICING_KEYS & set(model_info)):
            item.fail_key(f"modelInfo.{pricing}", "is dropped by LiteLLM inside model_info; use "
                          "inputCostPerToken / outputCostPerToken (or extraParams) instead")
        extra_params = item.mapping("extraParams")
        for reserved in sorted({"model", "api_key", "api_base", "api_version"} & set(extra_params)):
            item.fail_key(f"extraParams.{reserved}", "duplicates a first-class field; use the model's own key instead")
        models.append(ModelConfig(
            name=name or "", model=model or "",
            api_base=item.string("apiBase", check=_check_url),
            api_key=pulumi.Output.secret(api_key) if api_key is not None else None,
            api_version=item.string("apiVersion"),
            rpm=item.integer("rpm"), tpm=item.integer("tpm"),
            timeout=item.number("timeout", positive=True), max_retries=item.integer("maxRetries"),
            input_cost_per_token=item.number("inputCostPerToken"),
            output_cost_per_token=item.number("outputCostPerToken"),
            model_info=model_info, extra_params=extra_params, id=model_id,
        ))
    return tuple(models)


def _parse_teams(top: _Reader, declared_models: set[str]) -> tuple[TeamConfig, ...]:
    teams = []
    aliases: dict[str, str] = {}
    ids: dict[str, str] = {}
    for item in _list_items(top, "teams", _TEAM_KEYS):
        alias = item.string("alias", required=True)
        _unique(item, "alias", alias, aliases, "team alias")
        team_id = item.string("id")
        _unique(item, "id", team_id, ids, "team id")
        models = item.string_list("models")
        _check_models_declared(item, models, declared_models)
        teams.append(TeamConfig(
            alias=alias or "", models=models, max_budget=item.number("maxBudget"),
            budget_duration=item.string("budgetDuration", check=_check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            metadata=item.mapping("metadata"), id=team_id,
        ))
    return tuple(teams)


def _parse_keys(top: _Reader, declared_models: set[str], teams: Mapping[str, TeamConfig]) -> tuple[KeyConfig, ...]:
    keys = []
    aliases: dict[str, str] = {}
    for item in _list_items(top, "keys", _KEY_KEYS):
        alias = item.string("alias", required=True)
        _unique(item, "alias", alias, aliases, "key alias")
        models = item.string_list("models")
        _check_models_declared(item, models, declared_models)
        team = item.string("team")
        if team is not None and team not in teams:
            item.fail_key("team", f"{team!r} is not a team of this stack; declared teams: "
                          f"{', '.join(sorted(teams)) or 'none'}")
        elif team is not None and teams[team].models:
            outside = [m for m in models if m not in teams[team].models]
            if outside:
                item.fail_key("models", f"{', '.join(outside)} not allowed for team {team!r} "
                              f"(team models: {', '.join(teams[team].models)}); add them to the team or drop them here")
        max_budget = item.number("maxBudget")
        soft_budget = item.number("softBudget")
        if max_budget is not None and soft_budget is not None and soft_budget > max_budget:
            item.fail_key("softBudget", f"{soft_budget:g} is greater than maxBudget {max_budget:g}; "
                          "the soft budget is the alert threshold below the hard limit")
        keys.append(KeyConfig(
            alias=alias or "", models=models, team=team, user_id=item.string("userId"),
            max_budget=max_budget, soft_budget=soft_budget,
            budget_duration=item.string("budgetDuration", check=_check_litellm_duration),
            duration=item.string("duration", check=_check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            max_parallel_requests=item.integer("maxParallelRequests", minimum=1),
            metadata=item.mapping("metadata"), blocked=item.boolean("blocked", False),
        ))
    return tuple(keys)
