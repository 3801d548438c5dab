"""`monitoring.*` and `alerting.*`: LiteLLM's Prometheus metrics (a ServiceMonitor) and its Slack alerts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional
from urllib.parse import urlsplit

import pulumi

from config.reader import MISSING, Reader, check_litellm_duration, check_namespace, check_simple_duration, \
    parse_litellm_duration, secret_string


# LiteLLM 1.108.7's AlertType values (litellm/types/integrations/slack_alerting.py); tests compare the two.
ALERT_TYPES = (
    "llm_exceptions", "llm_too_slow", "llm_requests_hanging", "budget_alerts", "spend_reports",
    "failed_tracking_spend", "user_spend_thresholds", "user_spend_anomalies", "db_exceptions", "daily_reports",
    "cooldown_deployment", "new_model_added", "model_deprecation_warnings", "outage_alerts", "region_outage_alerts",
    "fallback_reports", "new_virtual_key_created", "virtual_key_updated", "virtual_key_deleted", "new_team_created",
    "team_updated", "team_deleted", "new_internal_user_created", "internal_user_updated", "internal_user_deleted",
    "mcp_pinned_tools_changed", "mcp_tool_description_blocked",
)
# Spend and budget first: what issue 11 asks an admin to be told about.
DEFAULT_ALERT_TYPES = ("budget_alerts", "spend_reports", "failed_tracking_spend", "db_exceptions")
# The alerting features 1.108.7 keeps for LiteLLM Enterprise: email alerts come from the `litellm_enterprise`
# package (litellm/proxy/utils.py, the BaseEmailLogger imports), and custom email branding is refused without
# a premium licence (litellm/integrations/SlackAlerting/slack_alerting.py, _check_if_using_premium_email_feature).
ENTERPRISE_ALERTING_KEYS = {
    "email": "email alerts (`general_settings.alerting: [email]`) come from the litellm_enterprise package",
    "emailBranding": "custom email branding (EMAIL_LOGO_URL, EMAIL_SUPPORT_CONTACT) needs a premium licence",
}


@dataclass(frozen=True)
class MonitoringConfig:
    enabled: bool = False
    interval: str = "30s"  # ServiceMonitor scrape interval
    # Remaining-budget gauges for every key and team, not only those used since the pod started.
    initialize_budget_metrics: bool = True
    prometheus_namespaces: tuple[str, ...] = ()  # namespaces whose pods may scrape; platform default when empty


@dataclass(frozen=True)
class AlertingConfig:
    slack_webhook_url: Optional[pulumi.Output[str]] = None  # secret; alerts are on when set
    alert_types: tuple[str, ...] = DEFAULT_ALERT_TYPES
    slow_request_seconds: int = 300  # alerting_threshold: llm_too_slow / llm_requests_hanging
    budget_alert_ttl_seconds: int = 24 * 3600  # one alert per key/team and event in this window
    spend_report_frequency: str = "7d"

    @property
    def enabled(self) -> bool:
        return self.slack_webhook_url is not None


MONITORING_KEYS = ["enabled", "interval", "initializeBudgetMetrics", "prometheusNamespaces"]
ALERTING_KEYS = ["slackWebhookUrl", "alertTypes", "slowRequestThreshold", "budgetAlertTtl", "spendReportFrequency",
                 *ENTERPRISE_ALERTING_KEYS]


def parse_monitoring(top: Reader) -> MonitoringConfig:
    section = top.child("monitoring", MONITORING_KEYS)
    defaults = MonitoringConfig()
    return MonitoringConfig(
        enabled=section.boolean("enabled", False),
        interval=section.string("interval", defaults.interval, check=check_simple_duration),
        initialize_budget_metrics=section.boolean("initializeBudgetMetrics", defaults.initialize_budget_metrics),
        prometheus_namespaces=section.string_list("prometheusNamespaces", check=check_namespace),
    )


def parse_alerting(top: Reader, stored_as_secret: bool) -> AlertingConfig:
    section = top.child("alerting", ALERTING_KEYS)
    defaults = AlertingConfig()
    for key, why in ENTERPRISE_ALERTING_KEYS.items():
        if section.raw(key) is not MISSING:
            section.fail_key(key, f"is a LiteLLM Enterprise feature in 1.108.7 ({why}); LiteMaaS turns on only the "
                             f"free Slack alerts. Fix: `pulumi config rm --path alerting.{key}` and set "
                             "alerting.slackWebhookUrl")
    webhook = secret_string(section, "slackWebhookUrl", stored_as_secret)
    if webhook is not None:
        # Checked inside the secret: the URL is the credential, so the message never shows it.
        raw = section.raw("slackWebhookUrl")
        if urlsplit(raw).scheme != "https" or not urlsplit(raw).hostname:
            section.fail_key("slackWebhookUrl", "is not an https URL; use the Slack incoming-webhook URL "
                             "(https://hooks.slack.com/services/…)")
    alert_types = section.string_list("alertTypes") or defaults.alert_types
    for index, alert_type in enumerate(alert_types):
        if alert_type not in ALERT_TYPES:
            section.fail_key(f"alertTypes[{index}]", f"{alert_type!r} is not a LiteLLM 1.108.7 alert type; use "
                             f"some of {', '.join(ALERT_TYPES)}")
    slow = section.integer("slowRequestThreshold", defaults.slow_request_seconds, minimum=1)
    ttl = section.string("budgetAlertTtl", check=check_litellm_duration)
    frequency = section.string("spendReportFrequency", defaults.spend_report_frequency,
                               check=lambda v: None if v.endswith("d") and v[:-1].isdigit() and int(v[:-1]) > 0
                               else "is not a number of days; LiteLLM sends spend reports every N days (e.g. 1d, 7d)")
    configured = [k for k in ("alertTypes", "slowRequestThreshold", "budgetAlertTtl", "spendReportFrequency")
                  if section.raw(k) is not MISSING]
    if webhook is None and section.raw("slackWebhookUrl") is MISSING:
        for key in configured:
            section.fail_key(key, "has no effect without alerting.slackWebhookUrl; set it with `pulumi config set "
                             "--secret --path alerting.slackWebhookUrl https://hooks.slack.com/services/…`")
    return AlertingConfig(
        slack_webhook_url=webhook,
        alert_types=tuple(alert_types),
        slow_request_seconds=slow,
        budget_alert_ttl_seconds=parse_litellm_duration(ttl) if ttl else defaults.budget_alert_ttl_seconds,
        spend_report_frequency=frequency,
    )
