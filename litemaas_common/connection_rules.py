"""What a connection to the LiteLLM admin API must satisfy: pure checks shared by the stack config (at preview),
the providers and the admin client (at call time), and the `litemaas` command.

A leaf module (no project imports), so the config layer can apply the client's own rules without importing the
provider code.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Optional
from urllib.parse import urlsplit

# Plain HTTP is fine where nobody else is on the wire: this host, or the cluster's service network.
_IN_CLUSTER_SUFFIXES = (".svc", ".svc.cluster.local")
PLAIN_HTTP_REFUSED = "refusing to send the master key over plain HTTP"
PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----"


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


def ca_bundle_problem(value: str) -> Optional[str]:
    """Why `value` (inline PEM or a file path) is not a usable CA bundle, or None."""
    import ssl

    if PEM_CERTIFICATE not in value and not os.path.isfile(value):
        return "is neither PEM certificates (-----BEGIN CERTIFICATE-----) nor an existing file"
    try:
        ssl.create_default_context(**({"cadata": value} if PEM_CERTIFICATE in value else {"cafile": value}))
    except (ssl.SSLError, OSError, ValueError) as exc:
        return f"holds no usable PEM certificate ({exc})"
    return None


def is_header_token(value: str) -> bool:
    """Printable, without whitespace: what a credential must be to travel in a header or URL."""
    return value.isprintable() and not any(c.isspace() for c in value)
