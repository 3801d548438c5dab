"""The PrometheusRule's alerts: every rule checked by `promtool check rules` and unit-tested by `promtool test
rules` (fires when it should, stays quiet when it should not, with the labels and summary an admin reads)."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from components.alert_rules import rule_groups
from components.dashboard import load_dashboard, panel_queries
from config import AlertsConfig
from config.monitoring import ALERTS
from tests.support.prometheus import promtool
from tests.support.scraped_gateway import NAMESPACE

NS = "ai"
KEY = {"namespace": NS, "job": "litellm"}


def series(name: str, values: str, **labels: str) -> dict:
    job = {"job": "kube-state-metrics"} if name.startswith("kube_") else {}
    selector = ", ".join(f'{k}="{v}"' for k, v in {**KEY, **job, **labels}.items())
    return {"series": f"{name}{{{selector}}}", "values": values}


def fires(alert: str, at: str, *expected: tuple[dict, str]) -> dict:
    """`expected`: (the alert's own labels, its summary); none means the alert must stay quiet."""
    return {"alertname": alert, "eval_time": at, "exp_alerts": [
        {"exp_labels": {"namespace": NS, **labels, "alertname": alert, "severity": severity_of(alert)},
         "exp_annotations": {"summary": summary}} for labels, summary in expected]}


def severity_of(alert: str) -> str:
    return {r["alert"]: r["labels"]["severity"] for r in RULES}[alert]


RULES = rule_groups(AlertsConfig(), NS, backups=True)[0]["rules"]
ALICE = {"hashed_api_key": "h-alice", "api_key_alias": "alice"}
BOB = {"hashed_api_key": "h-bob", "api_key_alias": "bob"}
SCIENCE = {"team": "t-1", "team_alias": "science"}
USER = {"user": "alice@example.com"}


def scraped(labels: dict) -> dict:
    """The labels of an alert that keeps its series' labels (Prometheus drops the empty ones)."""
    return {"job": "litellm", **{k: v for k, v in labels.items() if v}}


def budget_group(kind: str, remaining: str, maximum: str, low: dict, ok: dict, gone: dict, no_budget: dict,
                 low_name: str, gone_name: str) -> dict:
    return {"interval": "1m", "input_series": [
        series(remaining, "0.01x10", **low), series(maximum, "0.1x10", **low),      # 10 % left
        series(remaining, "4.9x10", **ok), series(maximum, "5x10", **ok),           # 98 % left
        series(remaining, "-0.008x10", **gone), series(maximum, "0.04x10", **gone),  # overspent
        series(remaining, " ".join(["+Inf"] * 10), **no_budget),                                  # no max budget
        series(remaining, "0.01x10", **{**low, "namespace": "other"}),               # another stack
        series(maximum, "0.1x10", **{**low, "namespace": "other"}),
    ], "alert_rule_test": [
        fires(f"LiteLLM{kind}BudgetLow", "5m", (scraped(low), f"{kind} {low_name} has 10% of its budget left")),
        fires(f"LiteLLM{kind}BudgetExhausted", "5m",
              (scraped(gone), f"{kind} {gone_name} has spent its whole budget")),
    ]}


def counter(name: str, per_minute: float, minutes: int = 90, **labels: str) -> dict:
    return series(name, f"0+{per_minute:g}x{minutes}", **labels)


def histogram(name: str, buckets: dict[str, float], **labels: str) -> list[dict]:
    """Cumulative buckets growing by `buckets[le]` per minute."""
    return [counter(f"{name}_bucket", per_minute, le=le, **labels) for le, per_minute in buckets.items()]


SPEND = "litellm_spend_metric_total"
FAILED = "litellm_proxy_failed_requests_metric_total"
TOTAL = "litellm_proxy_total_requests_metric_total"
TEST_GROUPS = [
    budget_group("Key", "litellm_remaining_api_key_budget_metric", "litellm_api_key_max_budget_metric", ALICE, BOB,
                 {"hashed_api_key": "h-carol", "api_key_alias": ""}, {"hashed_api_key": "h-dave", "api_key_alias": "d"},
                 "alice", "h-carol"),
    budget_group("Team", "litellm_remaining_team_budget_metric", "litellm_team_max_budget_metric", SCIENCE,
                 {"team": "t-2", "team_alias": "arts"}, {"team": "t-3", "team_alias": ""},
                 {"team": "t-4", "team_alias": "free"}, "science", "t-3"),
    budget_group("User", "litellm_remaining_user_budget_metric", "litellm_user_max_budget_metric", USER,
                 {"user": "bob@example.com"}, {"user": "carol@example.com"}, {"user": "dave@example.com"},
                 "alice@example.com", "carol@example.com"),
    {"interval": "1m", "input_series": [
        counter(SPEND, 2, **ALICE, **SCIENCE),                         # 120 USD/h in team science
        counter(SPEND, 0.1, **BOB, **{"team": "t-2", "team_alias": "arts"}),  # 6 USD/h
        counter(SPEND, 1, **{"hashed_api_key": "h-x", "api_key_alias": "x", "team": "None", "team_alias": "None"}),
        counter(SPEND, 100, **{**ALICE, **SCIENCE, "namespace": "other"}),
    ], "alert_rule_test": [
        # 2 + 0.1 + 1 USD a minute: 186 USD in the last hour
        fires("LiteLLMSpendPerHourHigh", "70m", ({}, "The gateway spent 186.00 USD in the last hour")),
        fires("LiteLLMSpendPerHourHigh", "3m"),  # not an hour's worth yet, and `for` not reached
        fires("LiteLLMTeamSpendPerHourHigh", "70m", (SCIENCE, "Team science spent 120.00 USD in the last hour")),
        fires("LiteLLMSpendPerDayHigh", "70m"),  # 186 of 500
    ]},
    {"interval": "1h", "input_series": [
        counter(SPEND, 30, 30, **ALICE, **SCIENCE),   # 720 USD a day
        counter(SPEND, 1, 30, **BOB, **{"team": "", "team_alias": ""}),
    ], "alert_rule_test": [
        fires("LiteLLMSpendPerDayHigh", "25h", ({}, "The gateway spent 744.00 USD in the last 24 hours")),
        fires("LiteLLMTeamSpendPerDayHigh", "25h", (SCIENCE, "Team science spent 720.00 USD in the last 24 hours")),
    ]},
    {"interval": "1m", "input_series": [
        counter(TOTAL, 10, **BOB, status_code="200"), counter(TOTAL, 10, **BOB, status_code="429"),
        counter(FAILED, 10, **BOB, exception_status="429"),
        counter(TOTAL, 20, **ALICE, status_code="200"), counter(TOTAL, 5, **ALICE, status_code="422"),
        counter(FAILED, 5, **ALICE, exception_status="422"),   # budget refusals are not rate limits
    ], "alert_rule_test": [
        fires("LiteLLMRateLimited", "30m", (BOB, "Key bob: 50% of its requests refused with 429")),
    ]},
    {"interval": "1m", "input_series": [
        counter("litellm_deployment_total_requests_total", 10, model_group="flaky", model_id="m-1"),
        counter("litellm_deployment_failure_responses_total", 4, model_group="flaky", model_id="m-1",
                exception_status="500"),
        counter("litellm_deployment_total_requests_total", 10, model_group="mock", model_id="m-2"),
        # the proxy's own refusals (no deployment called) count here too, with empty deployment labels
        counter("litellm_deployment_total_requests_total", 10, model_group="mock", model_id=""),
        counter("litellm_deployment_failure_responses_total", 10, model_group="mock", model_id="",
                exception_status="429"),
    ], "alert_rule_test": [
        fires("LiteLLMUpstreamFailures", "30m",
              ({"model_group": "flaky"}, "Model flaky: 40% of upstream calls fail")),
    ]},
    {"interval": "1m", "input_series": [
        *histogram("litellm_request_total_latency_metric", {"10": 0, "30": 0, "60": 10, "+Inf": 10},
                   model_group="slow"),
        *histogram("litellm_request_total_latency_metric", {"1": 10, "10": 10, "30": 10, "60": 10, "+Inf": 10},
                   model_group="fast"),
    ], "alert_rule_test": [
        fires("LiteLLMLatencyHigh", "30m", ({"model_group": "slow"}, "Model slow: p95 request latency 58.5s")),
    ]},
    {"interval": "1m", "input_series": [series("up", "1x5 0x20")], "alert_rule_test": [
        fires("LiteLLMGatewayDown", "4m"),
        fires("LiteLLMGatewayDown", "15m", ({"job": "litellm"}, "The LiteLLM gateway in ai is down or not scraped")),
    ]},
    {"interval": "1m", "input_series": [series("up", "1x20", namespace="other")], "alert_rule_test": [
        # no target at all in this namespace: absent()
        fires("LiteLLMGatewayDown", "10m", ({"job": "litellm"}, "The LiteLLM gateway in ai is down or not scraped")),
    ]},
    {"interval": "1m", "input_series": [
        series("litellm_deployment_failed_fallbacks_total", "0x10 1x30", requested_model="fbsrc",
               fallback_model="flaky"),
        series("litellm_deployment_failed_fallbacks_total", "3x40", requested_model="old", fallback_model="x"),
        series("litellm_deployment_cooled_down_total", "0x10 1x30", litellm_model_name="gpt-4o", model_id="m-1",
               exception_status="429"),
        series("litellm_deployment_cooled_down_total", "2x40", litellm_model_name="gpt-4o", model_id="m-2",
               exception_status="500"),
    ], "alert_rule_test": [
        fires("LiteLLMFallbacksFailing", "5m"),
        fires("LiteLLMFallbacksFailing", "14m",
              ({"requested_model": "fbsrc"}, "Fallbacks of model fbsrc are failing")),
        fires("LiteLLMDeploymentCooledDown", "14m",
              ({"litellm_model_name": "gpt-4o", "model_id": "m-1", "exception_status": "429"},
               "Deployment gpt-4o (m-1) was cooled down")),
        fires("LiteLLMDeploymentCooledDown", "45m"),  # the 10-minute window has passed
    ]},
    # Backups, from kube-state-metrics: a failure after the last success; a success after the last failure.
    {"interval": "1m", "input_series": [
        series("kube_job_status_start_time", "1000x20", job_name="postgres-backup-1000"),
        series("kube_job_failed", "1x20", job_name="postgres-backup-1000", condition="true"),
        series("kube_job_failed", "0x20", job_name="postgres-backup-1000", condition="false"),
        series("kube_cronjob_status_last_successful_time", "500x20", cronjob="postgres-backup"),
        series("kube_job_status_start_time", "1000x20", job_name="postgres-backup-1000", namespace="b"),
        series("kube_job_failed", "1x20", job_name="postgres-backup-1000", condition="true", namespace="b"),
        series("kube_cronjob_status_last_successful_time", "1500x20", cronjob="postgres-backup", namespace="b"),
    ], "alert_rule_test": [
        fires("LiteMaaSBackupFailed", "5m", ({}, "The newest database backup in ai failed")),
    ]},
    {"interval": "1m", "input_series": [
        series("kube_job_failed", "1x20", job_name="postgres-backup-1000", condition="true"),
    ], "alert_rule_test": [
        fires("LiteMaaSBackupFailed", "5m", ({}, "The newest database backup in ai failed")),  # never succeeded
    ]},
    # Samples every 4 minutes: within Prometheus's 5-minute lookback, so the series never goes stale.
    {"interval": "4m", "input_series": [
        series("kube_cronjob_status_last_successful_time", "0x450", cronjob="postgres-backup"),
        # the value is the time of the sample: a backup that just succeeded
        series("kube_cronjob_status_last_successful_time", "0+240x450", cronjob="postgres-backup", namespace="b"),
        series("kube_cronjob_created", "0x450", cronjob="postgres-backup", namespace="c"),
    ], "alert_rule_test": [
        fires("LiteMaaSBackupTooOld", "25h"),
        fires("LiteMaaSBackupTooOld", "27h", ({"cronjob": "postgres-backup", "job": "kube-state-metrics"},
                                              "No successful database backup in ai for more than 26h")),
    ]},
]


def write_rules(path, groups):
    path.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000))


def test_promtool_checks_every_rule(tmp_path):
    rules = tmp_path / "rules.yaml"
    write_rules(rules, rule_groups(AlertsConfig(), NS, backups=True))
    checked = promtool("check", "rules", str(rules))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in checked.stdout


def test_every_alert_fires_and_stays_quiet_as_it_should(tmp_path):
    assert {r["alert"] for r in RULES} == set(ALERTS)
    tested = {t["alertname"] for group in TEST_GROUPS for t in group["alert_rule_test"]}
    assert tested == set(ALERTS), set(ALERTS) - tested
    # Descriptions are checked for template syntax by `promtool check rules`; the summaries are compared here.
    groups = rule_groups(AlertsConfig(), NS, backups=True)
    for rule in groups[0]["rules"]:
        del rule["annotations"]["description"]
    write_rules(tmp_path / "rules.yaml", groups)
    # The day-long series are evaluated every 10 minutes (promtool evaluates every rule at every step up to the
    # last eval_time), the others every minute.
    for name, interval, tests in (("minutes", "1m", [g for g in TEST_GROUPS if g["interval"] == "1m"]),
                                  ("days", "10m", [g for g in TEST_GROUPS if g["interval"] != "1m"])):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump({
            "rule_files": ["rules.yaml"], "evaluation_interval": interval, "tests": tests}, sort_keys=False,
            width=1000))
    tested = promtool("test", "rules", "minutes.yaml", "days.yaml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("SUCCESS") == 2


def test_a_wrong_expectation_fails_promtool(tmp_path):
    """The unit tests can fail: the budget alert expected for the key that has plenty left."""
    write_rules(tmp_path / "rules.yaml", rule_groups(AlertsConfig(), NS, backups=True))
    group = dict(TEST_GROUPS[0], alert_rule_test=[fires("LiteLLMKeyBudgetLow", "5m", (BOB, "anything"))])
    (tmp_path / "tests.yaml").write_text(yaml.safe_dump({
        "rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": [group]}, sort_keys=False))
    tested = promtool("test", "rules", "tests.yaml", cwd=tmp_path)
    assert tested.returncode != 0 and "LiteLLMKeyBudgetLow" in tested.stdout + tested.stderr


# --- against the real proxy: Prometheus scrapes it and evaluates the rules (tests/support/scraped_gateway.py) -----

def firing(world, alert: str) -> list[dict]:
    return [a for a in world.prometheus.alerts() if a["labels"]["alertname"] == alert
            and a["state"] in ("pending", "firing")]


def used_metric_names(expressions) -> set[str]:
    """The metric names in PromQL: what is left once matchers and label lists are taken out."""
    names = set()
    for expr in expressions:
        expr = re.sub(r"\{[^}]*\}", "", expr)
        expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
        names |= set(re.findall(r"\b((?:litellm|kube)_[a-z0-9_]+|up)\b", expr))
    return names


@pytest.mark.real_litellm
def test_the_budget_alerts_fire_for_the_pushed_keys_and_no_other(scraped_gateway):
    world = scraped_gateway
    assert world.traffic.answers["pushed"] == [200] and world.traffic.answers["spent"][0] == 200
    (low,) = firing(world, "LiteLLMKeyBudgetLow")
    assert low["labels"]["api_key_alias"] == "pushed"
    assert low["labels"]["hashed_api_key"] == world.traffic.hashes["pushed"]
    assert low["labels"]["severity"] == "warning" and low["labels"]["namespace"] == NAMESPACE
    assert low["annotations"]["summary"] == "Key pushed has 4% of its budget left"  # 0.002 of 0.05
    (spent,) = firing(world, "LiteLLMKeyBudgetExhausted")
    assert spent["labels"]["api_key_alias"] == "spent" and spent["labels"]["severity"] == "critical"
    # The team (1 USD) and the user (0.5 USD) have most of their budgets left.
    for alert in ("LiteLLMTeamBudgetLow", "LiteLLMTeamBudgetExhausted", "LiteLLMUserBudgetLow",
                  "LiteLLMUserBudgetExhausted", "LiteLLMSpendPerHourHigh", "LiteLLMGatewayDown"):
        assert firing(world, alert) == [], alert
    everything = json.dumps(world.prometheus.alerts())
    assert not any(key in everything for key in world.traffic.keys.values())  # hashes only, never a key


@pytest.mark.real_litellm
def test_the_health_alerts_fire_on_real_failures(scraped_gateway):
    world = scraped_gateway

    def labels(alert, label):
        return {a["labels"][label] for a in firing(world, alert)}

    assert "limited" in labels("LiteLLMRateLimited", "api_key_alias")  # 1 rpm, refused with 429
    assert "pushed" not in labels("LiteLLMRateLimited", "api_key_alias")
    # Upstream failures of the failing group, not the proxy's own refusals of the mock model (429, 422).
    assert labels("LiteLLMUpstreamFailures", "model_group") == {"flaky", "fallback-source"}
    assert labels("LiteLLMFallbacksFailing", "requested_model") == {"fallback-source"}
    assert "flaky" in labels("LiteLLMDeploymentCooledDown", "litellm_model_name")


@pytest.mark.real_litellm
def test_every_metric_the_rules_and_the_dashboard_use_is_exported(scraped_gateway):
    world = scraped_gateway
    rules = rule_groups(AlertsConfig(), NS, backups=True)[0]["rules"]
    used = used_metric_names([r["expr"] for r in rules] + [q for _, q in panel_queries(load_dashboard())])
    scraped = set(world.prometheus.api("label/__name__/values"))
    # kube-state-metrics' series come from the cluster's monitoring, not from the gateway.
    from_gateway = {name for name in used if not name.startswith("kube_")}
    assert from_gateway - scraped == set()
    assert len(from_gateway) >= 15 and "litellm_spend_metric_total" in from_gateway
    assert "litellm_spend_metric" not in scraped  # a name missing its _total would be caught
    assert {n for n in used if n.startswith("kube_")} == {
        "kube_job_failed", "kube_job_status_start_time", "kube_cronjob_status_last_successful_time",
        "kube_cronjob_created"}


def test_the_readme_routing_example_routes_spend_to_email_and_critical_alerts_to_slack():
    """README's AlertmanagerConfig, walked the way Alertmanager walks routes, for every alert of the rule."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "kind: AlertmanagerConfig" in b]
    example = yaml.safe_load(block)
    assert example["apiVersion"] == "monitoring.coreos.com/v1beta1"
    route = example["spec"]["route"]
    receivers = {r["name"] for r in example["spec"]["receivers"]}

    def matches(node, labels):
        return all(re.fullmatch(m["value"], labels.get(m["name"], "")) if m.get("matchType") == "=~"
                   else labels.get(m["name"], "") == m["value"] for m in node.get("matchers", []))

    def receivers_of(labels):
        assert matches(route, labels)
        chosen = []
        for child in route["routes"]:
            if matches(child, labels):
                chosen.append(child["receiver"])
                if not child.get("continue"):
                    break
        return chosen or [route["receiver"]]

    spend = {a for a in ALERTS if "Budget" in a or "SpendPer" in a}
    for rule in RULES:
        got = receivers_of({"alertname": rule["alert"], "severity": rule["labels"]["severity"]})
        assert set(got) <= receivers
        assert ("finops-email" in got) == (rule["alert"] in spend), rule["alert"]
        assert ("oncall-slack" in got) == (rule["labels"]["severity"] == "critical" or rule["alert"] not in spend)
