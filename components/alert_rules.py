"""The PrometheusRule's alerts: spend, budget and health of the gateway, from the metrics LiteLLM 1.108.7 exports
(`litellm/types/integrations/prometheus.py`) and, for backups, kube-state-metrics.

Pure data: `rule_groups()` is what the component deploys and what tests/test_alert_rules.py hands to promtool
and to a real Prometheus scraping the real proxy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from components.litellm_gateway import COMPONENT as GATEWAY_SERVICE
from components.postgres_backup import COMPONENT as BACKUP_CRON_JOB
from config.monitoring import ALERTS, AlertsConfig

# Rate and failure ratios look back this far: long enough for a few scrapes of a quiet gateway.
WINDOW = "10m"
# LiteLLM writes a missing alias as "" on the budget gauges and as "None" on the request counters.
KEY_NAME = ('{{ if and $labels.api_key_alias (ne $labels.api_key_alias "None") }}{{ $labels.api_key_alias }}'
            '{{ else }}{{ $labels.hashed_api_key }}{{ end }}')
TEAM_NAME = ('{{ if and $labels.team_alias (ne $labels.team_alias "None") }}{{ $labels.team_alias }}'
             '{{ else }}{{ $labels.team }}{{ end }}')


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    severity: str  # critical: act now (money is being refused or the gateway is down); warning: act today
    wait: str  # the rule's `for`
    summary: str
    description: str


def _selector(namespace: str, **matchers: str) -> str:
    # The namespace matcher keeps two stacks in one cluster apart where Prometheus does not enforce it
    # (OpenShift user-workload monitoring adds it anyway).
    parts = [f'namespace="{namespace}"', *(f'{k}{v}' for k, v in matchers.items())]
    return "{" + ", ".join(parts) + "}"


def _budget_alerts(alerts: AlertsConfig, s: Callable[..., str], who: str, remaining: str, maximum: str,
                   name: str, labels: str) -> list[Alert]:
    share = alerts.budget_low_percent / 100
    left = f"{remaining}{s()}"
    has_budget = f"{maximum}{s()} > 0"
    return [
        Alert(f"LiteLLM{who}BudgetLow",
              f"({left} / {maximum}{s()} < {share:g}) and {left} > 0 and {has_budget}",
              "warning", "1m",
              f"{who} {name} has {{{{ $value | humanizePercentage }}}} of its budget left",
              f"The remaining budget of {who.lower()} {name} ({labels}) is below {alerts.budget_low_percent:g} % of "
              "its max budget. Raise the budget in the stack config or talk to its owner before it is refused."),
        Alert(f"LiteLLM{who}BudgetExhausted",
              f"{left} <= 0 and {has_budget}",
              "critical", "1m",
              f"{who} {name} has spent its whole budget",
              f"LiteLLM refuses every request of {who.lower()} {name} ({labels}) until its budget resets or is "
              "raised."),
    ]


def alerts_for(alerts: AlertsConfig, namespace: str, backups: bool) -> list[Alert]:
    """Every alert the config turns on, in README's order."""
    def s(**matchers: str) -> str:
        return _selector(namespace, **matchers)

    by_model = "namespace, model_group"
    with_team = s(team='!~"None|"')  # "None": spend of keys outside any team
    # A deployment was called (model_id set): not the proxy's own refusals (budget 422, key rate limit 429),
    # which these counters also count, with empty deployment labels.
    upstream = s(model_id='!=""')
    refused = s(exception_status='="429"')
    gateway = s(job=f'="{GATEWAY_SERVICE}"')
    candidates = [
        *_budget_alerts(alerts, s, "Key", "litellm_remaining_api_key_budget_metric",
                        "litellm_api_key_max_budget_metric", KEY_NAME, "hash {{ $labels.hashed_api_key }}"),
        *_budget_alerts(alerts, s, "Team", "litellm_remaining_team_budget_metric",
                        "litellm_team_max_budget_metric", TEAM_NAME, "id {{ $labels.team }}"),
        *_budget_alerts(alerts, s, "User", "litellm_remaining_user_budget_metric",
                        "litellm_user_max_budget_metric", "{{ $labels.user }}", "user id {{ $labels.user }}"),
        Alert("LiteLLMSpendPerHourHigh",
              f"sum by (namespace) (increase(litellm_spend_metric_total{s()}[1h])) > {alerts.spend_per_hour:g}",
              "warning", "5m",
              "The gateway spent {{ $value | printf \"%.2f\" }} USD in the last hour",
              f"Spend over all keys in the last hour is above {alerts.spend_per_hour:g} USD. The spend panels of "
              "the dashboard show which team, key and model it comes from."),
        Alert("LiteLLMSpendPerDayHigh",
              f"sum by (namespace) (increase(litellm_spend_metric_total{s()}[1d])) > {alerts.spend_per_day:g}",
              "warning", "5m",
              "The gateway spent {{ $value | printf \"%.2f\" }} USD in the last 24 hours",
              f"Spend over all keys in the last 24 hours is above {alerts.spend_per_day:g} USD."),
        Alert("LiteLLMTeamSpendPerHourHigh",
              "sum by (namespace, team, team_alias) (increase(litellm_spend_metric_total"
              f"{with_team}[1h])) > {alerts.team_spend_per_hour:g}",
              "warning", "5m",
              f"Team {TEAM_NAME} spent {{{{ $value | printf \"%.2f\" }}}} USD in the last hour",
              f"Team {TEAM_NAME} spent more than {alerts.team_spend_per_hour:g} USD in the last hour."),
        Alert("LiteLLMTeamSpendPerDayHigh",
              "sum by (namespace, team, team_alias) (increase(litellm_spend_metric_total"
              f"{with_team}[1d])) > {alerts.team_spend_per_day:g}",
              "warning", "5m",
              f"Team {TEAM_NAME} spent {{{{ $value | printf \"%.2f\" }}}} USD in the last 24 hours",
              f"Team {TEAM_NAME} spent more than {alerts.team_spend_per_day:g} USD in the last 24 hours."),
        Alert("LiteLLMRateLimited",
              f"sum by (namespace, hashed_api_key, api_key_alias) (rate(litellm_proxy_failed_requests_metric_total"
              f"{refused}[{WINDOW}]))"
              f" / sum by (namespace, hashed_api_key, api_key_alias) (rate("
              f"litellm_proxy_total_requests_metric_total{s()}[{WINDOW}])) > {alerts.rate_limited_percent / 100:g}",
              "warning", "5m",
              f"Key {KEY_NAME}: {{{{ $value | humanizePercentage }}}} of its requests refused with 429",
              f"More than {alerts.rate_limited_percent:g} % of key {KEY_NAME}'s requests in the last {WINDOW} were "
              "refused for rate limits (its own rpm/tpm limits, its team's, or the upstream model's)."),
        Alert("LiteLLMUpstreamFailures",
              f"sum by ({by_model}) (rate(litellm_deployment_failure_responses_total{upstream}[{WINDOW}]))"
              f" / sum by ({by_model}) (rate(litellm_deployment_total_requests_total{upstream}[{WINDOW}]))"
              f" > {alerts.upstream_failure_percent / 100:g}",
              "warning", "5m",
              "Model {{ $labels.model_group }}: {{ $value | humanizePercentage }} of upstream calls fail",
              f"More than {alerts.upstream_failure_percent:g} % of the calls to model {{{{ $labels.model_group }}}}'s "
              f"upstream failed in the last {WINDOW}."),
        Alert("LiteLLMLatencyHigh",
              f"histogram_quantile(0.95, sum by ({by_model}, le) (rate("
              f"litellm_request_total_latency_metric_bucket{s()}[{WINDOW}]))) > {alerts.latency_p95_seconds:g}",
              "warning", "10m",
              "Model {{ $labels.model_group }}: p95 request latency {{ $value | humanizeDuration }}",
              f"The 95th percentile of the total request latency of model {{{{ $labels.model_group }}}} is above "
              f"{alerts.latency_p95_seconds:g} s."),
        Alert("LiteLLMGatewayDown",
              f"up{gateway} == 0 or absent(up{gateway})",
              "critical", "5m",
              "The LiteLLM gateway in {{ $labels.namespace }} is down or not scraped",
              "Prometheus could not scrape the gateway's /metrics/ (or has no target for it): no metric, and so "
              "no other alert, is current."),
        Alert("LiteLLMFallbacksFailing",
              f"sum by (namespace, requested_model) (increase(litellm_deployment_failed_fallbacks_total{s()}"
              f"[{WINDOW}])) > 0",
              "warning", "1m",
              "Fallbacks of model {{ $labels.requested_model }} are failing",
              f"Requests to {{{{ $labels.requested_model }}}} failed and so did their fallback models in the last "
              f"{WINDOW}."),
        Alert("LiteLLMDeploymentCooledDown",
              f"sum by (namespace, litellm_model_name, model_id, exception_status) (increase("
              f"litellm_deployment_cooled_down_total{s()}[{WINDOW}])) > 0",
              "warning", "1m",
              "Deployment {{ $labels.litellm_model_name }} ({{ $labels.model_id }}) was cooled down",
              "LiteLLM's router took the deployment out of rotation after failures (last status "
              "{{ $labels.exception_status }}); its model group has less capacity until the cooldown ends."),
    ]
    if backups:
        jobs = s(job_name=f'=~"{BACKUP_CRON_JOB}-[0-9]+"')
        failed_jobs = s(job_name=f'=~"{BACKUP_CRON_JOB}-[0-9]+"', condition='="true"')
        cron_job = s(cronjob=f'="{BACKUP_CRON_JOB}"')
        failed = f"kube_job_failed{failed_jobs} == 1"
        last_success = f"kube_cronjob_status_last_successful_time{cron_job}"
        age = _seconds(alerts.backup_max_age)
        candidates += [
            Alert("LiteMaaSBackupFailed",
                  # The newest failed Job started after the last success (failed Jobs stay in the history).
                  f"(max by (namespace) (kube_job_status_start_time{jobs} * on (namespace, job_name) group_left() "
                  f"({failed})) > on (namespace) max by (namespace) ({last_success}))"
                  f" or (max by (namespace) ({failed}) unless on (namespace) {last_success})",
                  "critical", "1m",
                  "The newest database backup in {{ $labels.namespace }} failed",
                  f"A {BACKUP_CRON_JOB} Job failed after the last successful backup."),
            Alert("LiteMaaSBackupTooOld",
                  f"(time() - {last_success} > {age})"
                  f" or ((time() - kube_cronjob_created{cron_job} > {age})"
                  f" unless on (namespace) {last_success})",
                  "warning", "5m",
                  "No successful database backup in {{ $labels.namespace }} for more than "
                  f"{alerts.backup_max_age}",
                  f"The {BACKUP_CRON_JOB} CronJob has not completed a backup in {alerts.backup_max_age}."),
        ]
    assert {a.name for a in candidates} <= set(ALERTS)
    active = alerts.active(backups)
    return [a for a in candidates if a.name in active]


def _seconds(duration: str) -> int:
    return int(duration[:-1]) * {"s": 1, "m": 60, "h": 3600}[duration[-1]]


def rule_groups(alerts: AlertsConfig, namespace: str, backups: bool) -> list[dict]:
    """The PrometheusRule's `spec.groups` (also a `promtool` rule file's `groups`)."""
    rules = [{
        "alert": a.name,
        "expr": a.expr,
        "for": alerts.pending_for or a.wait,
        "labels": {"severity": a.severity},
        "annotations": {"summary": a.summary, "description": a.description},
    } for a in alerts_for(alerts, namespace, backups)]
    return [{"name": "litemaas.rules", "rules": rules}] if rules else []
