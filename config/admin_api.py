"""`adminApi.*`: how the dynamic providers reach the LiteLLM admin API, validated with key paths in the messages.

The values mean what they mean to the providers and the `litemaas` command: one settings type, one set of defaults
(litemaas_common/admin_settings.py)."""

from __future__ import annotations

from typing import Optional

from litemaas_common.admin_settings import ADMIN_API, DEFAULTS, PEM_CERTIFICATE, SETTING_KEYS, AdminSettings, \
    ca_bundle_problem

from config.reader import Reader, check_simple_duration, seconds

AdminApiConfig = AdminSettings  # the name the stack config and its callers know
ADMIN_API_KEYS = list(SETTING_KEYS)


def parse_admin_api(top: Reader) -> AdminSettings:
    section = top.child(ADMIN_API, ADMIN_API_KEYS)
    readiness = section.string("readinessTimeout", check=check_simple_duration)
    request = section.string("requestTimeout", check=check_simple_duration)
    return AdminSettings(
        readiness_timeout=seconds(readiness) if readiness else DEFAULTS.readiness_timeout,
        request_timeout=seconds(request) if request else DEFAULTS.request_timeout,
        verify_tls=section.boolean("verifyTls", DEFAULTS.verify_tls),
        allow_insecure_http=section.boolean("allowInsecureHttp", DEFAULTS.allow_insecure_http),
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
