"""`adminApi.*`: how the dynamic providers reach the LiteLLM admin API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from litemaas_common.connection_rules import PEM_CERTIFICATE, ca_bundle_problem

from config.reader import Reader, check_simple_duration, seconds


@dataclass(frozen=True)
class AdminApiConfig:
    """How the dynamic providers talk to the LiteLLM admin API."""

    readiness_timeout: float = 600.0  # seconds to wait for /health/readiness to report the DB connected
    request_timeout: float = 60.0  # seconds per HTTP call
    verify_tls: bool = True
    allow_insecure_http: bool = False  # the master key over plain HTTP off this host and off the cluster
    ca_bundle: Optional[str] = None  # PEM text of the CA(s) that signed the gateway's certificate


ADMIN_API_KEYS = ["readinessTimeout", "requestTimeout", "verifyTls", "allowInsecureHttp", "caBundle"]


def parse_admin_api(top: Reader) -> AdminApiConfig:
    section = top.child("adminApi", ADMIN_API_KEYS)
    readiness = section.string("readinessTimeout", "10m", check=check_simple_duration)
    request = section.string("requestTimeout", "60s", check=check_simple_duration)
    return AdminApiConfig(readiness_timeout=seconds(readiness), request_timeout=seconds(request),
                          verify_tls=section.boolean("verifyTls", True),
                          allow_insecure_http=section.boolean("allowInsecureHttp", False),
                          ca_bundle=read_ca_bundle(section))


def read_ca_bundle(section: Reader) -> Optional[str]:
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
