"""`litemaas:adminApi`, read one way by the program, the dynamic providers and the `litemaas` command.

A leaf: the standard library and `durations` only, so every layer may import it. The program validates the section
strictly at preview (config/admin_api.py, with key paths in its messages); the providers and the command read the
same values tolerantly with `AdminSettings.from_section` (the program has refused anything bad already), and the
two agree on what each value means: `verifyTls: "false"` is false everywhere.
"""

from __future__ import annotations

import ipaddress
import json
import os
import ssl
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

from litemaas_common.durations import simple_duration_seconds

ADMIN_API = "adminApi"  # the stack config section
# camelCase key of the stack config -> field of AdminSettings
SETTING_KEYS = {"readinessTimeout": "readiness_timeout", "requestTimeout": "request_timeout",
                "verifyTls": "verify_tls", "allowInsecureHttp": "allow_insecure_http", "caBundle": "ca_bundle"}
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"
PLAIN_HTTP_REFUSED = "refusing to send the master key over plain HTTP"
# Plain HTTP is fine where nobody else is on the wire: this host, or the cluster's service network.
_IN_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local")


@dataclass(frozen=True)
class AdminSettings:
    """How to talk to a LiteLLM admin API, beyond its URL and master key. The defaults are the documented ones."""

    request_timeout: float = 60.0  # seconds per HTTP call
    readiness_timeout: float = 600.0  # seconds to wait for /health/readiness to report the database connected
    verify_tls: bool = True
    allow_insecure_http: bool = False  # the master key over plain HTTP off this host and off the cluster
    ca_bundle: Optional[str] = None  # PEM text, or a file path: the CA(s) that signed the gateway's certificate

    @classmethod
    def from_section(cls, section: Any, *, relative_to: Optional[str] = None,
                     defaults: Optional["AdminSettings"] = None) -> "AdminSettings":
        """The `adminApi` section as a dict or its JSON text (how the engine hands it to a provider); unset keys
        keep `defaults` (DEFAULTS). A relative caBundle path is taken from `relative_to` (the project directory).

        ValueError for a value no reader accepts (the program reports those at preview)."""
        if isinstance(section, str):
            section = json.loads(section) if section.strip() else {}
        if section is None:
            section = {}
        if not isinstance(section, Mapping):
            raise ValueError(f"{ADMIN_API} must be an object, got {type(section).__name__}")
        values: dict[str, Any] = {}
        for key, name in SETTING_KEYS.items():
            value = section.get(key)
            if value is None:
                continue
            if name.endswith("_timeout"):
                values[name] = simple_duration_seconds(str(value))
            elif name == "ca_bundle":
                values[name] = bundle_path(str(value), relative_to)
            else:
                values[name] = flag(value)
                if values[name] is None:
                    raise ValueError(f"{ADMIN_API}.{key} must be true or false, got {value!r}")
        return replace(defaults or DEFAULTS, **values)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_timeout(self, seconds: Optional[float]) -> "AdminSettings":
        """These settings with every wait bounded by `seconds` (None: unchanged)."""
        return self if seconds is None else replace(self, request_timeout=seconds, readiness_timeout=seconds)


DEFAULTS = AdminSettings()
# The `litemaas` command: a person is waiting, so calls are bounded sooner unless the stack's adminApi or --timeout
# says otherwise (it never waits for readiness: it reports what it finds).
COMMAND_DEFAULTS = AdminSettings(request_timeout=30.0, readiness_timeout=30.0)
SETTING_NAMES = tuple(f.name for f in fields(AdminSettings))


def flag(value: Any) -> Optional[bool]:
    """True or False from a YAML boolean or its quoted form ("true"/"false", any case); None for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def bundle_path(value: str, relative_to: Optional[str]) -> str:
    """PEM text as it is; a relative path from `relative_to` (a path in the stack config is the project's)."""
    if PEM_CERTIFICATE in value or relative_to is None or os.path.isabs(value):
        return value
    return os.path.join(relative_to, value)


def ca_bundle_problem(value: str) -> Optional[str]:
    """Why `value` (inline PEM or a file path) is not a usable CA bundle, or None."""
    if PEM_CERTIFICATE not in value and not os.path.isfile(value):
        return "is neither PEM certificates (-----BEGIN CERTIFICATE-----) nor an existing file"
    try:
        ssl.create_default_context(**({"cadata": value} if PEM_CERTIFICATE in value else {"cafile": value}))
    except (ssl.SSLError, OSError, ValueError) as exc:
        return f"holds no usable PEM certificate ({exc})"
    return None


def _local_or_in_cluster(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(_IN_CLUSTER_SUFFIXES):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_transport_problem(url: str, allow_insecure_http: bool = False) -> Optional[str]:
    """Why credentials must not be sent to `url` (plain http:// off this host and off the cluster), or None."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or allow_insecure_http or _local_or_in_cluster(parts.hostname):
        return None
    return (f"{PLAIN_HTTP_REFUSED} to {parts.hostname}: anyone on the path could read it. Use an https:// URL "
            "(on Kubernetes: ingress.tlsSecretName or ingress.clusterIssuer), a port-forward "
            "(http://127.0.0.1:4000) or an in-cluster address (http://litellm.<namespace>.svc:4000); or accept "
            "plain HTTP with `pulumi config set --path adminApi.allowInsecureHttp true`")


def is_header_token(value: str) -> bool:
    """Printable, without whitespace: what a credential must be to travel in a header or URL."""
    return value.isprintable() and not any(c.isspace() for c in value)
