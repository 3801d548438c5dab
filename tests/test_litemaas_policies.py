"""The policy pack's rules (policy/litemaas_policies/) as plain functions: each one passes a compliant resource,
catches its violation with the config key and the fix, and honours its settings. The real CLI running the pack is
tests/test_policy_pack_e2e.py."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from policy.litemaas_policies import (
    ADVISORY,
    AUTOSCALER,
    BUDGET,
    CREDENTIAL,
    CRON_JOB,
    DEPLOYMENT,
    GUARDRAIL,
    MANDATORY,
    MCP_SERVER,
    MODEL,
    RULES,
    SERVICE_MONITOR,
    STATEFUL_SET,
    TEAM,
    UNKNOWN,
    USER,
    VIRTUAL_KEY,
    Resource,
    StackPaths,
)

RULE = {rule.name: rule for rule in RULES}
PATHS = StackPaths.from_config({
    # as the engine hands it over: objects as JSON text
    "litemaas:keys": json.dumps([{"alias": "alice"}, {"alias": "bob"}, {"alias": "ci-bot"}, {"alias": "carol"}]),
    "litemaas:teams": json.dumps([{"alias": "data-science"}, {"alias": "open"}]),
    "litemaas:users": json.dumps([{"id": "dave"}]),
    "litemaas:budgets": json.dumps([{"name": "tier-small"}]),
    "litemaas:models": json.dumps([{"name": "granite", "apiBase": "x"}, {"name": "deepseek-chat"},
                                   {"name": "isvc", "inferenceService": {"name": "g"}}]),
    "litemaas:credentials": json.dumps([{"name": "azure-eu"}]),
    "litemaas:guardrails": json.dumps([{"name": "presidio"}]),
    "litemaas:mcpServers": json.dumps([{"name": "github"}]),
    "litemaas:namespace": "litemaas",
    "other:keys": "[]",
})


def key(alias="alice", urn=None, deps=(), **props):
    return Resource(VIRTUAL_KEY, f"catalog-key-{alias}", {"key_alias": alias, **props}, urn or f"urn:key:{alias}",
                    tuple(deps))


def team(alias="data-science", **props):
    return Resource(TEAM, f"catalog-team-{alias}", {"team_alias": alias, **props}, f"urn:team:{alias}")


def budget(name="tier-small", **props):
    return Resource(BUDGET, f"catalog-budget-{name}", {"budget_id": name, **props}, f"urn:budget:{name}")


def model(name="deepseek-chat", **props):
    return Resource(MODEL, f"catalog-model-{name}", {"model_name": name, **props}, f"urn:model:{name}")


def run(name, subject, config=None, paths=PATHS):
    return [v.message for v in RULE[name].run(subject, config, paths)]


def test_every_rule_has_its_default_level_and_settings_with_defaults():
    levels = {rule.name: rule.enforcement for rule in RULES}
    assert levels == {
        "litemaas-key-spending-limit": MANDATORY, "litemaas-key-expiry": MANDATORY,
        "litemaas-key-model-scope": MANDATORY, "litemaas-limit-ceilings": MANDATORY,
        "litemaas-model-costs": MANDATORY, "litemaas-no-plain-http": MANDATORY,
        "litemaas-no-plain-credentials": MANDATORY, "litemaas-key-rotation-age": ADVISORY,
        "litemaas-gateway-replicas-need-redis": ADVISORY, "litemaas-database-backups": ADVISORY,
        "litemaas-monitoring": ADVISORY}
    for rule in RULES:
        assert all("default" in spec and "description" in spec for spec in rule.settings.values()), rule.name


# --- config paths ----------------------------------------------------------------------------------------------


def test_paths_name_the_list_item_by_index_and_fall_back_to_the_keys_file():
    assert PATHS.key("carol", "maxBudget") == "litemaas:keys[3].maxBudget"
    assert PATHS.path("mcpServers", "name", "github", "url") == "litemaas:mcpServers[0].url"
    from_file = StackPaths.from_config({"litemaas:keys": "[]", "litemaas:keysFrom": "keys.csv"})
    assert from_file.key("erin", "duration") == "litemaas:keysFrom keys.csv (erin): duration"
    assert StackPaths().key("erin", "duration") == "litemaas:keys[alias=erin].duration"


# --- keys --------------------------------------------------------------------------------------------------------


def test_spending_limit_from_the_key_its_budget_tier_or_its_team():
    rich, tier, poor = team(max_budget=500), budget(max_budget=5), team("open")
    compliant = [key("alice", max_budget=25), key("bob", deps=[tier.urn], budget_id=UNKNOWN),
                 key("ci-bot", deps=[rich.urn], team_id=UNKNOWN), key("carol", metadata={"policyExempt": "CI"})]
    assert run("litemaas-key-spending-limit", [rich, tier, poor, *compliant]) == []

    rate_only = budget("tier-rate", rpm_limit=5)
    [message] = run("litemaas-key-spending-limit", [poor, rate_only, key("bob", deps=[poor.urn, rate_only.urn])])
    assert message.startswith("key 'bob' has no spending limit")
    assert "litemaas:keys[1].maxBudget" in message and "litemaas:keys[1].budget" in message
    assert "litemaas:keys[1].metadata.policyExempt" in message

    exempt_by_other_name = key("bob", metadata={"costExempt": True, "policyExempt": False})
    assert run("litemaas-key-spending-limit", [exempt_by_other_name], {"exemptMetadataKey": "costExempt"}) == []
    assert len(run("litemaas-key-spending-limit", [exempt_by_other_name])) == 1


def test_the_metrics_scrape_key_calls_no_model_and_is_left_alone():
    scrape = key("litemaas-metrics", allowed_routes=["/metrics"])
    for name in ("litemaas-key-spending-limit", "litemaas-key-model-scope"):
        assert run(name, [scrape]) == []
    assert run("litemaas-key-expiry", scrape) == []
    assert len(run("litemaas-key-expiry", key("x", allowed_routes=["/metrics", "/chat/completions"]))) == 1


def test_expiry():
    assert run("litemaas-key-expiry", key(duration="90d")) == []
    assert run("litemaas-key-expiry", key(metadata={"policyExempt": "service account"})) == []
    [message] = run("litemaas-key-expiry", key("ci-bot", max_budget=1))
    assert message.startswith("key 'ci-bot' never expires: set litemaas:keys[2].duration (e.g. 90d")


def test_no_key_may_call_every_model():
    scoped, unscoped = team(models=["granite"]), team("open")
    assert run("litemaas-key-model-scope", [scoped, key(models=["granite"]), key("bob", deps=[scoped.urn])]) == []

    [alone, in_open_team, everything] = run("litemaas-key-model-scope", [
        unscoped, key("alice"), key("bob", deps=[unscoped.urn], models=[]),
        key("carol", models=["granite", "all-proxy-models"])])
    assert alone.startswith("key 'alice' may call every model") and "no team that limits them" in alone
    assert alone.endswith("List the models it needs in litemaas:keys[0].models")
    assert "its team 'open' lists no models either (litemaas:teams[1].models)" in in_open_team
    assert "'all-proxy-models'" in everything and "litemaas:keys[3].models" in everything
    # the exemption is for limits, not for scope
    assert len(run("litemaas-key-model-scope", [key(metadata={"policyExempt": True})])) == 1


def test_rotation_age_against_max_age():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    fresh, old = (key(issued_at=(now - timedelta(days=d)).isoformat()) for d in (30, 120))
    assert run("litemaas-key-rotation-age", fresh, {"now": now}) == []
    [message] = run("litemaas-key-rotation-age", old, {"now": now})
    assert message.startswith("key 'alice' has used the same value since 2026-08-03 (120 days; the pack allows 90d)")
    assert "bump litemaas:keys[0].rotation" in message and "litemaas:keys[0].rotateEvery" in message
    assert len(run("litemaas-key-rotation-age", fresh, {"now": now, "maxAge": "4w"})) == 1
    for unknown in (key(), key(issued_at=UNKNOWN), key(issued_at="not a time")):
        assert run("litemaas-key-rotation-age", unknown, {"now": now}) == []


# --- ceilings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource, ceiling, path", [
    (key("bob", max_budget=1500), "1000", "litemaas:keys[1].maxBudget"),
    (budget(max_budget=1001), "1000", "litemaas:budgets[0].maxBudget"),
    (Resource(USER, "u", {"user_id": "dave", "max_budget": 2000.0}), "1000", "litemaas:users[0].maxBudget"),
    (team(max_budget=20000), "10000", "litemaas:teams[0].maxBudget"),
    (team(rpm_limit=10001), "10000", "litemaas:teams[0].rpmLimit"),
    (key(tpm_limit=20_000_000), "1e+07", "litemaas:keys[0].tpmLimit"),
])
def test_limits_above_the_default_ceilings(resource, ceiling, path):
    [message] = run("litemaas-limit-ceilings", resource)
    assert f"is above the organisation's ceiling {ceiling}: lower {path} to {ceiling} or less" in message


def test_ceilings_come_from_the_pack_config():
    assert run("litemaas-limit-ceilings", team(max_budget=10000, rpm_limit=10000)) == []
    assert run("litemaas-limit-ceilings", key(max_budget=UNKNOWN)) == []
    [message] = run("litemaas-limit-ceilings", key(max_budget=60), {"maxKeyBudget": 50})
    assert message == ("key 'alice': maxBudget 60 is above the organisation's ceiling 50: lower "
                       "litemaas:keys[0].maxBudget to 50 or less, or raise `maxKeyBudget` of this policy in the "
                       "policy pack's config")


# --- models and endpoints --------------------------------------------------------------------------------------------


def test_paid_models_declare_token_costs():
    for compliant in (model(model="deepseek/deepseek-chat", input_cost_per_token=2.7e-7, output_cost_per_token=1e-6),
                      model(model="openai/granite", api_base="https://granite.apps.example.com/v1"),
                      model(model="hosted_vllm/granite"),
                      model(model="anthropic/claude", extra_params={"input_cost_per_second": 0.1,
                                                                   "output_cost_per_second": 0.1})):
        assert run("litemaas-model-costs", compliant) == []
    [message] = run("litemaas-model-costs", model(model="deepseek/deepseek-chat", input_cost_per_token=2.7e-7))
    assert message.startswith("model 'deepseek-chat' (deepseek/deepseek-chat) is served by the paid provider "
                              "'deepseek' but declares no outputCostPerToken")
    assert message.endswith("set litemaas:models[1].outputCostPerToken (USD per token, from the provider's price list)")
    [openai] = run("litemaas-model-costs", model(model="openai/gpt-4o", api_base="https://api.openai.com/v1"))
    assert "litemaas:models[1].inputCostPerToken and litemaas:models[1].outputCostPerToken" in openai
    assert run("litemaas-model-costs", model(model="deepseek/x"), {"paidProviders": ["openai"]}) == []


@pytest.mark.parametrize("url", [
    "https://granite.apps.example.com/v1", "http://granite-predictor.models.svc.cluster.local:8080/v1",
    "http://vllm.models.svc/v1", "http://vllm:8000/v1", "http://localhost:4000", "http://127.0.0.1:9/v1", None])
def test_plain_http_inside_the_cluster_or_https_pass(url):
    assert run("litemaas-no-plain-http", model("granite", api_base=url)) == []


def test_plain_http_outside_the_cluster_fails_for_each_kind():
    cases = [
        (model("granite", api_base="http://granite.apps.example.com/v1"), "litemaas:models[0].apiBase"),
        (model("isvc", api_base="http://10.0.0.5:8080/v1"), "litemaas:models[2].inferenceService"),
        (Resource(CREDENTIAL, "c", {"credential_name": "azure-eu", "credential_values": {
            "api_key": "sk-secret-value", "api_base": "http://a.example"}}),
         "litemaas:credentials[0].values.api_base"),
        (Resource(GUARDRAIL, "g", {"guardrail_name": "presidio", "api_base": "http://presidio.example.com"}),
         "litemaas:guardrails[0].apiBase"),
        (Resource(MCP_SERVER, "m", {"server_name": "github", "url": "http://mcp.example.com/mcp"}),
         "litemaas:mcpServers[0].url"),
    ]
    for resource, path in cases:
        [message] = run("litemaas-no-plain-http", resource)
        assert "over plain HTTP, outside the cluster: use https:// in " + path in message
        assert "sk-secret-value" not in message
    assert run("litemaas-no-plain-http", model("granite", api_base="http://vllm.internal.example/v1"),
               {"internalHostSuffixes": [".internal.example"]}) == []


def test_credentials_in_plain_guardrail_params_or_urls():
    clean = Resource(GUARDRAIL, "g", {"guardrail_name": "presidio", "params": {
        "presidio_analyzer_api_base": "https://analyzer", "lakera_api_key": "os.environ/LAKERA_KEY", "token_limit": 5}})
    assert run("litemaas-no-plain-credentials", clean) == []

    leaky = Resource(GUARDRAIL, "g", {"guardrail_name": "presidio",
                                      "params": {"aws_secret_access_key": "AKIA-very-secret", "mode": "x"}})
    [message] = run("litemaas-no-plain-credentials", leaky)
    assert message.startswith("guardrail 'presidio' has a credential in plain text in "
                              "litemaas:guardrails[0].params.aws_secret_access_key")
    assert "pulumi config set --secret --path 'guardrails[0].apiKey'" in message and "os.environ/<VAR>" in message
    assert "AKIA-very-secret" not in message

    [in_query] = run("litemaas-no-plain-credentials", Resource(MCP_SERVER, "m", {
        "server_name": "github", "url": "https://mcp.example.com/mcp?access_token=ghp_abc"}))
    assert "litemaas:mcpServers[0].url (the query parameter 'access_token')" in in_query
    assert "pulumi config set --secret --path 'mcpServers[0].authValue'" in in_query and "ghp_abc" not in in_query
    [in_userinfo] = run("litemaas-no-plain-credentials", Resource(MCP_SERVER, "m", {
        "server_name": "github", "url": "https://bot:hunter2@mcp.example.com/mcp"}))
    assert "(a password in the URL)" in in_userinfo and "hunter2" not in in_userinfo
    assert run("litemaas-no-plain-credentials", Resource(MCP_SERVER, "m", {
        "server_name": "github", "url": "https://mcp.example.com/mcp", "auth_value": "ghp_abc"})) == []


# --- production rules over the Kubernetes objects --------------------------------------------------------------------


def deployment(replicas=2, redis=False):
    labels = {"app.kubernetes.io/name": "litellm", **({"litemaas.io/redis-client": "true"} if redis else {})}
    return Resource(DEPLOYMENT, "litemaas-litellm-deployment", {
        "metadata": {"name": "litellm", "labels": {"app.kubernetes.io/name": "litellm"}},
        "spec": {"replicas": replicas, "template": {"metadata": {"labels": labels}}}}, "urn:gateway")


def labelled(kind, component):
    labels = {"app.kubernetes.io/name": component}
    return Resource(kind, component, {"metadata": {"labels": labels}}, f"urn:{component}")


def test_replicas_need_redis():
    assert run("litemaas-gateway-replicas-need-redis", [deployment(1)]) == []
    assert run("litemaas-gateway-replicas-need-redis", [deployment(3, redis=True)]) == []
    [message] = run("litemaas-gateway-replicas-need-redis", [deployment(2)])
    assert message.startswith("the gateway runs 2 pods without Redis")
    assert "set litemaas:redis.enabled true (a bundled Redis) or litemaas:redis.url" in message
    hpa = Resource(AUTOSCALER, "hpa", {"metadata": {"labels": {"app.kubernetes.io/name": "litellm"}},
                                       "spec": {"maxReplicas": 6}})
    [autoscaled] = run("litemaas-gateway-replicas-need-redis", [deployment(None), hpa])
    assert "runs up to 6 pods" in autoscaled and "instead of litemaas:litellm.autoscaling" in autoscaled


def test_backups_of_the_bundled_database():
    database = labelled(STATEFUL_SET, "postgres")
    assert run("litemaas-database-backups", [database, labelled(CRON_JOB, "postgres-backup")]) == []
    assert run("litemaas-database-backups", [labelled(STATEFUL_SET, "redis")]) == []  # no bundled PostgreSQL
    [message] = run("litemaas-database-backups", [database, labelled(CRON_JOB, "other")])
    assert message.startswith("the bundled PostgreSQL holds every key, team and spend record but has no backup: set "
                              "litemaas:postgres.backup")


def test_monitoring():
    assert run("litemaas-monitoring", [deployment(), Resource(SERVICE_MONITOR, "sm", {})]) == []
    assert run("litemaas-monitoring", []) == []  # deployGateway false: the existing gateway is not ours
    [message] = run("litemaas-monitoring", [deployment()])
    assert "set litemaas:monitoring.enabled true" in message


def test_a_tenant_stack_gets_the_key_rules_with_its_own_paths_and_no_production_rule():
    # A tenant (platformStack) declares teams, users, budgets and keys, and deploys no Kubernetes object.
    tenant = StackPaths.from_config({"litemaas:platformStack": "organization/litemaas/platform",
                                     "litemaas:keys": json.dumps([{"alias": "p1"}]),
                                     "litemaas:keysFrom": "workshop.csv"})
    reference = Resource("pulumi:pulumi:StackReference", "platformStack",
                         {"name": "organization/litemaas/platform", "outputs": {"gatewayUrl": "http://gw"}}, "urn:ref")
    keys = [key("p1"), key("p2", urn="urn:key:p2")]
    for name in ("litemaas-gateway-replicas-need-redis", "litemaas-database-backups", "litemaas-monitoring"):
        assert run(name, [reference, *keys], paths=tenant) == [], name
    [inline] = run("litemaas-key-expiry", keys[0], paths=tenant)
    [from_file] = run("litemaas-key-expiry", keys[1], paths=tenant)
    assert inline.startswith("key 'p1' never expires: set litemaas:keys[0].duration (e.g. 90d")
    assert from_file.startswith("key 'p2' never expires: set litemaas:keysFrom workshop.csv (p2): duration")
