"""What the LiteLLM proxy process is told: its credential variables, plain environment and config file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.gateway import (  # noqa: F401 - re-exported: the variables the gateway sets are config's vocabulary
    CREDENTIAL_KEYS, MANAGED_ENV, REDIS_URL_KEY, RUNTIME_DIRS, SLACK_WEBHOOK_KEY, gateway_settings)

if TYPE_CHECKING:
    from config import AlertingConfig, MonitoringConfig

# How long another pod may still accept a deleted key (see proxy_config).
AUTH_CACHE_TTL_SECONDS = 10


def proxy_config(redis: bool, monitoring: MonitoringConfig, alerting: AlertingConfig) -> dict:
    """LiteLLM settings that only its config file can carry; credentials only as `os.environ/VAR` references.

    Read by LiteLLM 1.108.7 at start-up (litellm/proxy/proxy_server.py, ProxyConfig.load_config); keys set here
    are config-owned, so the admin UI cannot override them (it answers 400 for those).
    """
    general: dict = {}
    litellm_settings: dict = {}
    if redis:
        # The coordination Redis: cross-pod rpm/tpm limits, spend counters and the pod lock, and the pub/sub
        # broadcasts that evict a blocked/deleted key and changed models/config on every pod. The explicit block
        # fails the start when Redis is wrong, where the REDIS_* variables alone fall back to per-pod state after a
        # failed 2 s ping (proxy_server.py _init_coordination_redis / _init_coordination_redis_env_fallback).
        general["coordination_redis"] = {"url": f"os.environ/{REDIS_URL_KEY}"}
        # A blocked key is evicted on every pod through that Redis, but a deleted one only on the pod that
        # deleted it (management_endpoints/key_management_endpoints.py delete_verification_tokens broadcasts the
        # JWT mappings only): the other pods keep serving it from their auth cache until it expires (60 s by
        # default). A shorter cache bounds that; it costs one key lookup per key, pod and period.
        general["user_api_key_cache_ttl"] = AUTH_CACHE_TTL_SECONDS
    if monitoring.enabled:
        litellm_settings["callbacks"] = ["prometheus"]
        # The default in 1.108.7 (litellm/__init__.py); set anyway so no DB value can turn it off.
        litellm_settings["require_auth_for_metrics_endpoint"] = True
        if monitoring.initialize_budget_metrics:
            litellm_settings["prometheus_initialize_budget_metrics"] = True
    if alerting.enabled:
        general.update({
            "alerting": ["slack"],  # the webhook comes from SLACK_WEBHOOK_URL
            "alert_types": list(alerting.alert_types),
            "alerting_threshold": alerting.slow_request_seconds,
            "alerting_args": {"budget_alert_ttl": alerting.budget_alert_ttl_seconds},
            "spend_report_frequency": alerting.spend_report_frequency,
        })
    config: dict = {}
    if general:
        config["general_settings"] = general
    if litellm_settings:
        config["litellm_settings"] = litellm_settings
    return config
