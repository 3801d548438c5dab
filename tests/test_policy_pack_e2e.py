"""The policy pack (policy/) run by the real CLI: `pulumi preview --policy-pack policy` of `__main__.py`.

A preview calls neither LiteLLM nor, with a kubeconfig pointing nowhere, a cluster (the Kubernetes provider previews
offline), so the stack needs neither. The rules themselves are tests/test_litemaas_policies.py.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.support.pulumi_cli import PulumiProject, ensure_policy_pack, ensure_toolchain

pytestmark = pytest.mark.e2e

GRANITE = {"name": "granite", "model": "openai/granite", "apiBase": "https://granite.apps.example.com/v1"}
DEEPSEEK = {"name": "deepseek-chat", "model": "deepseek/deepseek-chat", "inputCostPerToken": 2.7e-7,
            "outputCostPerToken": 1.1e-6}
COMPLIANT = {
    "namespace": "policy-e2e", "platform": "openshift", "hostname": "litellm.apps.e2e.example.com",
    "litellm": {"replicas": 2}, "redis": {"enabled": True}, "monitoring": {"enabled": True},
    "postgres": {"storageSize": "1Gi", "backup": {"schedule": "15 2 * * *", "retain": 7, "storageSize": "2Gi"}},
    "models": [GRANITE, DEEPSEEK,
               {"name": "in-cluster", "model": "hosted_vllm/x", "apiBase": "http://vllm.models.svc:8000/v1"}],
    "teams": [{"alias": "data-science", "models": ["granite", "deepseek-chat"], "maxBudget": 500}],
    "budgets": [{"name": "tier-small", "maxBudget": 5, "budgetDuration": "30d"}],
    "guardrails": [{"name": "words", "provider": "presidio", "mode": "pre_call",
                    "params": {"presidio_api_key": "os.environ/PRESIDIO_KEY"}}],
    "keys": [
        {"alias": "alice", "team": "data-science", "models": ["granite"], "maxBudget": 25, "duration": "90d"},
        {"alias": "bob", "budget": "tier-small", "models": ["deepseek-chat"], "duration": "30d"},
        {"alias": "ci", "team": "data-science", "duration": "7d"},  # the team's models and budget
        {"alias": "billing", "models": ["granite"], "metadata": {"policyExempt": "capped by the billing system"}},
    ],
}

# The message of each policy for the violations below (level, policy, message fragment).
VIOLATIONS = [
    ("mandatory", "litemaas-key-spending-limit",
     "key 'nolimit' has no spending limit: no maxBudget of its own, of a budget tier or of its team, so its spend is "
     "never stopped. Set litemaas:keys[0].maxBudget"),
    ("mandatory", "litemaas-key-expiry", "key 'nolimit' never expires: set litemaas:keys[0].duration (e.g. 90d"),
    ("mandatory", "litemaas-key-expiry", "key 'erin' never expires: set litemaas:keysFrom keys.csv (erin): duration"),
    ("mandatory", "litemaas-key-model-scope",
     "key 'everything' may call every model: its model list is empty (LiteLLM reads that as all models) and it has "
     "no team that limits them. List the models it needs in litemaas:keys[1].models"),
    ("mandatory", "litemaas-limit-ceilings",
     "key 'big': maxBudget 5000 is above the organisation's ceiling 1000: lower litemaas:keys[2].maxBudget to 1000"),
    ("mandatory", "litemaas-model-costs",
     "model 'deepseek-chat' (deepseek/deepseek-chat) is served by the paid provider 'deepseek' but declares no "
     "outputCostPerToken"),
    ("mandatory", "litemaas-no-plain-http",
     "model 'plain' sends prompts and its provider key to granite.example.com over plain HTTP, outside the cluster: "
     "use https:// in litemaas:models[2].apiBase"),
    # litemaas-no-plain-credentials never fires through the program: its config refuses a plain credential first
    # (tests/test_config_guardrail.py); the rule is defence in depth, tested as a function (test_litemaas_policies).
    ("advisory", "litemaas-gateway-replicas-need-redis", "the gateway runs 2 pods without Redis"),
    ("advisory", "litemaas-database-backups", "the bundled PostgreSQL holds every key, team and spend record but "
     "has no backup: set litemaas:postgres.backup"),
    ("advisory", "litemaas-monitoring", "the gateway is not monitored (no ServiceMonitor): set "
     "litemaas:monitoring.enabled true"),
]


def violating(config: dict) -> None:
    config.update({
        "litemaas:litellm": {"replicas": 2, "allowReplicasWithoutRedis": True},
        "litemaas:postgres": {"storageSize": "1Gi"},
        "litemaas:models": [GRANITE, {**DEEPSEEK, "outputCostPerToken": None},
                            {"name": "plain", "model": "hosted_vllm/x", "apiBase": "http://granite.example.com/v1"}],
        "litemaas:keys": [{"alias": "nolimit", "models": ["granite"]},
                          {"alias": "everything", "maxBudget": 5, "duration": "1d"},
                          {"alias": "big", "models": ["granite"], "maxBudget": 5000, "duration": "1d"}],
        "litemaas:keysFrom": "keys.csv",
    })
    for key in ("redis", "monitoring"):
        config.pop(f"litemaas:{key}")
    config["litemaas:models"][1].pop("outputCostPerToken")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A scratch stack of the program, configured to pass every policy; tests change and restore its config."""
    bin_dir = ensure_toolchain()
    ensure_policy_pack()
    workdir = tmp_path_factory.mktemp("policy")
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "nowhere",
        "clusters": [{"name": "nowhere", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "nowhere", "context": {"cluster": "nowhere", "user": "nobody"}}],
        "users": [{"name": "nobody", "user": {"token": "none"}}]}))
    project = PulumiProject(workdir, bin_dir, stack="policy", extra_env={"KUBECONFIG": str(kubeconfig)})
    (project.dir / "keys.csv").write_text("alias,models,maxBudget\nerin,granite,10\n")
    project.set_plain(COMPLIANT)
    return project


@pytest.fixture
def stack_config(project):
    """Restores the compliant config after a test that edits it."""
    saved = project.stack_file.read_text()
    yield project
    project.stack_file.write_text(saved)


def preview(project, *pack_config: dict):
    args = ["preview", "--policy-pack", str(ensure_policy_pack())]
    for i, config in enumerate(pack_config):
        path = project.dir.parent / f"pack-config-{i}.json"
        path.write_text(json.dumps(config))
        args += ["--policy-pack-config", str(path)]
    return project.run(*args, check=False)


def reported(output: str) -> list[tuple[str, str]]:
    """(level, policy) of every violation the CLI printed (`- [mandatory]  litemaas-key-expiry  (…)`)."""
    return re.findall(r"\[(mandatory|advisory)\]\s+(litemaas-[a-z-]+)", output)


def assert_reported(output: str, expected) -> None:
    flat = " ".join(output.split())  # the CLI may wrap long messages
    for level, policy, message in expected:
        assert (level, policy) in reported(output), (level, policy, output[-6000:])
        assert " ".join(message.split()) in flat, (message, output[-6000:])


def test_a_compliant_stack_previews_clean(project):
    result = preview(project)
    assert result.returncode == 0, result.output[-6000:]
    assert reported(result.output) == []
    assert f"litemaas@v0.0.1 (local: {ensure_policy_pack()})" in result.output  # the pack ran


def test_each_policy_violated_fails_the_preview_or_warns_with_its_message(stack_config):
    stack_config.edit_config(violating)
    result = preview(stack_config)
    assert result.returncode != 0
    assert_reported(result.output, VIOLATIONS)
    assert {policy for _, policy in reported(result.output)} == {policy for _, policy, _ in VIOLATIONS}


def test_advisory_violations_alone_do_not_fail_the_preview(stack_config):
    def only_production_rules(config):
        config["litemaas:litellm"] = {"replicas": 2, "allowReplicasWithoutRedis": True}
        config["litemaas:postgres"] = {"storageSize": "1Gi"}
        config.pop("litemaas:redis")
        config.pop("litemaas:monitoring")

    stack_config.edit_config(only_production_rules)
    result = preview(stack_config)
    assert result.returncode == 0, result.output[-6000:]
    assert_reported(result.output, [v for v in VIOLATIONS if v[0] == "advisory"])
    assert {level for level, _ in reported(result.output)} == {"advisory"}


def test_the_pack_config_changes_ceilings_and_enforcement_levels(stack_config):
    lowered = preview(stack_config, {
        "litemaas-limit-ceilings": {"maxKeyBudget": 20},
        # every key value is older than 0 s: the advisory rule, made mandatory, fails the preview
        "litemaas-key-rotation-age": {"enforcementLevel": "mandatory", "maxAge": "0s"}})
    assert lowered.returncode != 0
    assert_reported(lowered.output, [
        ("mandatory", "litemaas-limit-ceilings",
         "key 'alice': maxBudget 25 is above the organisation's ceiling 20: lower litemaas:keys[0].maxBudget to 20 "
         "or less, or raise `maxKeyBudget` of this policy in the policy pack's config"),
        ("mandatory", "litemaas-key-rotation-age", "bump litemaas:keys[0].rotation to issue a new one")])

    stack_config.edit_config(violating)
    relaxed = preview(stack_config, {"all": "advisory"})
    assert relaxed.returncode == 0, relaxed.output[-6000:]
    assert_reported(relaxed.output, [("advisory", policy, message) for _, policy, message in VIOLATIONS])
    assert {level for level, _ in reported(relaxed.output)} == {"advisory"}
