"""The one LiteLLM admin API client of every provider and the `litemaas` command, assembled from its three parts
(see dynamic_providers/admin/ and docs/dynamic-providers.md):

- transport (admin/transport.py, admin/readiness.py): a `requests` session per call scope, retries, TLS,
  timeouts, the readiness gate, and the refusal to send the master key over plain HTTP;
- errors (admin/errors.py): `LiteLLMAdminError`, classified once, with secrets redacted from every message and
  log line;
- endpoints (admin/endpoints.py, admin/reads.py): each kind's calls as a table, LiteLLM's quirks as named
  adapters beside them.

Everything imports the client from here; the names below are its API.
"""

from __future__ import annotations

from typing import Optional

from dynamic_providers.admin.endpoints import ENDPOINTS, KindCalls, hash_key
from dynamic_providers.admin.errors import REDACTED, LiteLLMAdminError, absent_as_none, log, parse_error_body, redact
from dynamic_providers.admin.readiness import reset_readiness_cache
from dynamic_providers.admin.reads import Reads
from dynamic_providers.admin.transport import CONNECTION_FIELDS, RETRY_STATUSES, Connection, RetryPolicy, Transport
from litemaas_common.admin_settings import PEM_CERTIFICATE, PLAIN_HTTP_REFUSED, ca_bundle_problem, \
    insecure_transport_problem, is_header_token

__all__ = [
    "AdminClient", "CONNECTION_FIELDS", "Connection", "ENDPOINTS", "LiteLLMAdminError", "PEM_CERTIFICATE",
    "PLAIN_HTTP_REFUSED", "REDACTED", "RETRY_POLICY", "RETRY_STATUSES", "RetryPolicy", "absent_as_none",
    "ca_bundle_problem", "hash_key", "insecure_transport_problem", "is_header_token", "log", "parse_error_body",
    "redact", "reset_readiness_cache",
]

RETRY_POLICY = RetryPolicy()  # every client's default; tests swap it for a faster one


class AdminClient(Transport, KindCalls, Reads):
    """One scope of admin API calls: `with AdminClient(conn) as api: api.team_new(...)`."""

    def __init__(self, conn: Connection, *, policy: Optional[RetryPolicy] = None, wait_ready: bool = True):
        super().__init__(conn, policy=policy or RETRY_POLICY, wait_ready=wait_ready)
