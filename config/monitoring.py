"""`monitoring.*` and `alerting.*`: LiteLLM's Prometheus metrics (a ServiceMonitor, alert rules, a Grafana
dashboard) and its Slack alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Optional
from urllib.parse import urlsplit

import pulumi

from config.reader import MISSING, Reader, check_litellm_duration, check_namespace, check_simple_duration, \
    parse_litellm_duration, secret_string

# The alerts of the PrometheusRule (components/alert_rules.py builds them; a test compares the two), in the order
# of README's alert table. `monitoring.alerts.disabled` names them.
ALERTS = (
    "LiteLLMKeyBudgetLow", "LiteLLMKeyBudgetExhausted", "LiteLLMTeamBudgetLow", "LiteLLMTeamBudgetExhausted",
    "LiteLLMUserBudgetLow", "LiteLLMUserBudgetExhausted",
    "LiteLLMSpendPerHourHigh", "LiteLLMSpendPerDayHigh", "LiteLLMTeamSpendPerHourHigh", "LiteLLMTeamSpendPerDayHigh",
    "LiteLLMRateLimited", "LiteLLMUpstreamFailures", "LiteLLMLatencyHigh",
    "LiteLLMGatewayDown", "LiteLLMFallbacksFailing", "LiteLLMDeploymentCooledDown",
    "LiteMaaSBackupFailed", "LiteMaaSBackupTooOld",
)
BACKUP_ALERTS = ("LiteMaaSBackupFailed", "LiteMaaSBackupTooOld")
# Kubernetes label syntax (a selector's keys and values), for monitoring.grafana.instanceLabels.
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


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
class AlertsConfig:
    """`monitoring.alerts`: the PrometheusRule's thresholds; money in the proxy's spend unit (USD)."""

    enabled: bool = True
    disabled: tuple[str, ...] = ()  # alert names left out of the rule
    budget_low_percent: float = 20.0  # remaining share of max budget (key, team, user)
    spend_per_hour: float = 50.0  # whole gateway
    spend_per_day: float = 500.0
    team_spend_per_hour: float = 20.0
    team_spend_per_day: float = 200.0
    rate_limited_percent: float = 5.0  # of requests refused with 429
    upstream_failure_percent: float = 10.0  # of a model's upstream calls failing
    latency_p95_seconds: float = 30.0  # request total latency, per model
    backup_max_age: str = "26h"  # a daily backup, plus slack for a slow dump
    pending_for: Optional[str] = None  # overrides every alert's own `for`

    def active(self, backups: bool) -> tuple[str, ...]:
        """The alerts the rule carries; the backup ones only where the backup CronJob exists."""
        if not self.enabled:
            return ()
        return tuple(a for a in ALERTS if a not in self.disabled and (backups or a not in BACKUP_ALERTS))


@dataclass(frozen=True)
class GrafanaConfig:
    """`monitoring.grafana`: a GrafanaDashboard for the grafana-operator instance these labels select."""

    instance_labels: Mapping[str, str]
    folder: Optional[str] = None
    datasource: Optional[str] = None  # the Grafana data source the dashboard picks first
    allow_cross_namespace_import: bool = True  # the Grafana instance usually runs in its own namespace


@dataclass(frozen=True)
class MonitoringConfig:
    enabled: bool = False
    interval: str = "30s"  # ServiceMonitor scrape interval
    # Remaining-budget gauges for every key and team, not only those used since the pod started.
    initialize_budget_metrics: bool = True
    prometheus_namespaces: tuple[str, ...] = ()  # namespaces whose pods may scrape; platform default when empty
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    grafana: Optional[GrafanaConfig] = None


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


MONITORING_KEYS = ["enabled", "interval", "initializeBudgetMetrics", "prometheusNamespaces", "alerts", "grafana"]
# camelCase key -> AlertsConfig field, for the thresholds
ALERT_THRESHOLDS = {
    "spendPerHour": "spend_per_hour", "spendPerDay": "spend_per_day", "teamSpendPerHour": "team_spend_per_hour",
    "teamSpendPerDay": "team_spend_per_day", "latencyP95Seconds": "latency_p95_seconds",
}
ALERT_PERCENTS = {"budgetLowPercent": "budget_low_percent", "rateLimitedPercent": "rate_limited_percent",
                  "upstreamFailurePercent": "upstream_failure_percent"}
ALERTS_KEYS = ["enabled", "disabled", *ALERT_PERCENTS, *ALERT_THRESHOLDS, "backupMaxAge", "for"]
GRAFANA_KEYS = ["instanceLabels", "folder", "datasource", "allowCrossNamespaceImport"]
ALERTING_KEYS = ["slackWebhookUrl", "alertTypes", "slowRequestThreshold", "budgetAlertTtl", "spendReportFrequency",
                 *ENTERPRISE_ALERTING_KEYS]


def parse_monitoring(top: Reader) -> MonitoringConfig:
    section = top.child("monitoring", MONITORING_KEYS)
    defaults = MonitoringConfig()
    enabled = section.boolean("enabled", False)
    if not enabled:
        for key in ("alerts", "grafana"):
            if section.raw(key) is not MISSING:
                section.fail_key(key, "has no effect without monitoring.enabled (the rules and the dashboard read "
                                 "the metrics it turns on); `pulumi config set --path monitoring.enabled true`")
    return MonitoringConfig(
        enabled=enabled,
        interval=section.string("interval", defaults.interval, check=check_simple_duration),
        initialize_budget_metrics=section.boolean("initializeBudgetMetrics", defaults.initialize_budget_metrics),
        prometheus_namespaces=section.string_list("prometheusNamespaces", check=check_namespace),
        alerts=parse_alerts(section.child("alerts", ALERTS_KEYS)),
        grafana=parse_grafana(section) if section.raw("grafana") not in (MISSING, None) else None,
    )


def parse_alerts(section: Reader) -> AlertsConfig:
    defaults = AlertsConfig()
    values = {}
    for key, name in ALERT_THRESHOLDS.items():
        values[name] = section.number(key, getattr(defaults, name), positive=True)
    for key, name in ALERT_PERCENTS.items():
        percent = section.number(key, getattr(defaults, name), positive=True)
        if percent >= 100:
            section.fail_key(key, f"is a percentage and must be below 100, got {percent:g}")
            percent = getattr(defaults, name)
        values[name] = percent
    disabled = section.string_list("disabled")
    for index, alert in enumerate(disabled):
        if alert not in ALERTS:
            section.fail_key(f"disabled[{index}]", f"{alert!r} is not one of LiteMaaS's alerts; use some of "
                             f"{', '.join(ALERTS)}")
    return AlertsConfig(
        enabled=section.boolean("enabled", True),
        disabled=tuple(a for a in disabled if a in ALERTS),
        backup_max_age=section.string("backupMaxAge", defaults.backup_max_age, check=check_simple_duration),
        pending_for=section.string("for", check=check_simple_duration),
        **values,
    )


def parse_grafana(monitoring: Reader) -> GrafanaConfig:
    section = monitoring.child("grafana", GRAFANA_KEYS)
    labels = section.mapping("instanceLabels")
    if not labels:
        section.fail_key("instanceLabels", "is required: the labels of your Grafana instance (grafana-operator), e.g. "
                         "`pulumi config set --path monitoring.grafana.instanceLabels.dashboards grafana`")
    for key, value in labels.items():
        if not LABEL_KEY.match(str(key)) or not isinstance(value, str) or not LABEL_VALUE.match(value):
            section.fail_key(f"instanceLabels.{key}", f"{key}={value!r} is not a Kubernetes label; keys and values "
                             "are letters, digits, '-', '_' and '.', at most 63 characters")
    return GrafanaConfig(
        instance_labels={str(k): str(v) for k, v in labels.items()},
        folder=section.string("folder"),
        datasource=section.string("datasource"),
        allow_cross_namespace_import=section.boolean("allowCrossNamespaceImport", True),
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
