"""The program as `pulumi up` runs it: stack outputs, secrets and stability."""

import json

import pytest

from tests.support.pulumi_program import SECRET_SIG, SIG_KEY

CONFIG = {
    "namespace": "ai",
    "litellm": {"replicas": 2},
    "redis": {"enabled": True},
    "monitoring": {"enabled": True},
    "alerting": {"slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/WEBHOOK-SECRET"},
    "models": [
        {"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
         "apiBase": "https://granite.apps.example.com/v1"},
        {"name": "deepseek-chat", "model": "deepseek/deepseek-chat", "apiKey": "sk-deepseek-PROVIDER-SECRET"},
    ],
    "teams": [{"alias": "data-science", "models": ["granite-8b-instruct", "deepseek-chat"], "maxBudget": 100}],
    "keys": [{"alias": "alice", "team": "data-science", "models": ["granite-8b-instruct"], "maxBudget": 10}],
}
SECRET_MARKERS = ("Gen3rated", "PROVIDER-SECRET", "MASTER-SECRET", "WEBHOOK-SECRET")


def unwrapped_strings(value, path=""):
    """String leaves outside secret envelopes, with their paths."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return
        for key, item in value.items():
            yield from unwrapped_strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from unwrapped_strings(item, f"{path}[{index}]")
    elif isinstance(value, str):
        yield path, value


def test_stack_outputs(mocked):
    run = mocked.run(CONFIG, secret_keys=("models", "alerting"))
    exports = run.exports
    assert exports["gatewayUrl"] == "https://litellm-ai.apps.cluster.example.com"
    assert exports["adminUiUrl"] == exports["gatewayUrl"] + "/ui"
    assert exports["adminUsername"] == "admin" and exports["namespace"] == "ai"
    assert exports["masterKey"].startswith("sk-")
    assert {"adminPassword", "masterKey", "keys"} <= run.secret_exports
    assert {"gatewayUrl", "adminUiUrl", "adminUsername", "namespace", "models", "teams"}.isdisjoint(run.secret_exports)
    assert set(exports["keys"]) == {"alice"}
    # The message for each user is `litemaas handoff ALIAS`, made from `keys`: as a stack output it was 1 KB of
    # state per key, rewritten at every checkpoint.
    assert "handoff" not in exports


def test_no_secret_outside_secret_values(mocked):
    run = mocked.run({**CONFIG, "masterKey": "sk-MASTER-SECRET"}, secret_keys=("models", "masterKey", "alerting"))
    leaks = [(r.typ, r.name, path) for r in run.recorder.registrations
             for path, text in unwrapped_strings(r.inputs) if any(m in text for m in SECRET_MARKERS)]
    assert leaks == []
    plain_exports = {k: v for k, v in run.exports.items() if k not in run.secret_exports}
    assert not any(m in json.dumps(plain_exports) for m in SECRET_MARKERS)
    # The only ConfigMap is LiteLLM's config file, and it names its credentials by environment variable only.
    (config_map,) = run.recorder.of_type("kubernetes:core/v1:ConfigMap")
    text = config_map.manifest["data"]["config.yaml"]
    assert "os.environ/REDIS_URL" in text and "redis://" not in text and "hooks.slack.com" not in text


def test_a_second_run_produces_identical_manifests(mocked):
    first = mocked.run(CONFIG, secret_keys=("models", "alerting")).recorder
    second = mocked.run(CONFIG, secret_keys=("models", "alerting")).recorder
    manifests = lambda rec: [(r.typ, r.name, r.manifest) for r in rec.registrations  # noqa: E731
                             if not r.typ.startswith("pulumi-python:dynamic")]
    assert manifests(first) == manifests(second)
    for password in first.of_type("random:index/randomPassword:RandomPassword"):
        assert "keepers" not in password.inputs  # nothing can roll a generated secret


def test_invalid_config_fails_before_any_resource(mocked):
    from config import ConfigError
    with pytest.raises(ConfigError, match="litemaas:postgres.storageSize"):
        mocked.run({"postgres": {"storageSize": "10Gb"}})


def test_preview_of_a_new_stack(mocked):
    run = mocked.run(CONFIG, secret_keys=("models", "alerting"), preview=True)
    assert run.exports["gatewayUrl"] is None  # the router has not assigned a host yet
    # 13 objects and the claim patch, the config file, Redis (4), the scrape token Secret, the ServiceMonitor and
    # the PrometheusRule
    assert len(run.recorder.kubernetes()) == 22
