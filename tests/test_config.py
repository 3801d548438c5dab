"""Every config error is reported at preview, with the key path and the fix; valid config becomes dataclasses."""

import json

import pulumi
import pytest

from config import (ConfigError, max_connections_needed, parse_litellm_duration,
                          parse_stack_config)
from litemaas_common.litellm_versions import DEFAULT_VERSION
from resolve import load_stack_config

# Secret config values become Outputs, which need the event loop the mocks fixture provides.
pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [
    {"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
     "apiBase": "https://granite.apps.example.com/v1"},
    {"name": "deepseek-chat", "model": "deepseek/deepseek-chat", "apiKey": "sk-provider-secret"},
]


def error_of(values, secret_keys=("masterKey", "models", "postgres")) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(secret_keys))
    return str(raised.value)


def test_defaults_describe_an_openshift_deployment():
    config = parse_stack_config({})
    assert (config.namespace, config.platform, config.create_namespace, config.deploy_gateway) == \
        ("litemaas", "openshift", True, True)
    assert config.litellm.ui_username == "admin" and config.litellm.route_timeout == "600s"
    # The tag LiteLLM's release workflow publishes (`v<version>` since 1.84), of the version the tests run.
    assert config.litellm.image == f"ghcr.io/berriai/litellm-non_root:v{DEFAULT_VERSION}"
    assert config.postgres.storage_size == "10Gi" and config.postgres.delete_data_on_destroy is False
    assert config.postgres.max_connections >= max_connections_needed(config.litellm.replicas)
    assert config.admin_api.readiness_timeout == 600 and config.admin_api.verify_tls is True
    assert config.models == config.teams == config.keys == ()


def test_full_config_is_typed():
    config = parse_stack_config({
        "platform": "kubernetes", "hostname": "litellm.example.com", "ingressClassName": "nginx",
        "ingress": {"tlsSecretName": "litellm-tls"},
        "litellm": {"replicas": "3", "resources": {"limits": {"memory": "4Gi"}}, "extraEnv": {"NO_PROXY": ".svc"}},
        "redis": {"enabled": True},
        "postgres": {"storageSize": "20Gi", "storageClass": "fast", "maxConnections": 200},
        "adminApi": {"readinessTimeout": "15m", "requestTimeout": "30s", "verifyTls": "false"},
        "models": MODELS,
        "teams": [{"alias": "ds", "models": ["granite-8b-instruct"], "maxBudget": 100, "budgetDuration": "30d"}],
        "keys": [{"alias": "alice", "team": "ds", "models": ["granite-8b-instruct"], "maxBudget": 10,
                  "softBudget": 8, "duration": "90d", "blocked": True}],
    }, {"models"})
    assert config.litellm.replicas == 3
    assert config.litellm.resources.limits == {"cpu": "2", "memory": "4Gi"}
    assert config.postgres.max_connections == 200
    assert config.admin_api.readiness_timeout == 900 and config.admin_api.verify_tls is False
    assert [m.name for m in config.models] == ["granite-8b-instruct", "deepseek-chat"]
    assert isinstance(config.models[1].api_key, pulumi.Output) and config.models[0].api_key is None
    assert config.keys[0].team == "ds" and config.keys[0].blocked is True and config.keys[0].max_budget == 10.0


@pytest.mark.parametrize("values, key_path, fix", [
    ({"namespce": "x"}, "litemaas:namespce", "did you mean `namespace`"),
    ({"litellm": {"replica": 2}}, "litemaas:litellm.replica", "did you mean `replicas`"),
    ({"postgres": {"storageSize": "10Gb"}}, "litemaas:postgres.storageSize", "10Gi"),
    ({"postgres": {"storageSize": "0Gi"}}, "litemaas:postgres.storageSize", "positive"),
    ({"litellm": {"resources": {"requests": {"cpu": "half"}}}}, "litemaas:litellm.resources.requests.cpu", "500m"),
    ({"litellm": {"replicas": -1}}, "litemaas:litellm.replicas", "1 or more"),
    ({"litellm": {"replicas": "two"}}, "litemaas:litellm.replicas", "whole number"),
    ({"litellm": {"routeTimeout": "ten minutes"}}, "litemaas:litellm.routeTimeout", "600s"),
    ({"litellm": {"logLevel": "LOUD"}}, "litemaas:litellm.logLevel", "INFO"),
    ({"litellm": {"image": "ghcr.io/berriai/litellm-non_root"}}, "litemaas:litellm.image", "pin a version"),
    ({"litellm": {"extraEnv": {"LITELLM_MASTER_KEY": "x"}}}, "litemaas:litellm.extraEnv.LITELLM_MASTER_KEY",
     "cannot be overridden"),
    ({"createNamespace": "maybe"}, "litemaas:createNamespace", "true or false"),
    ({"platform": "aks"}, "litemaas:platform", "openshift, kubernetes"),
    ({"namespace": "LiteMaaS"}, "litemaas:namespace", "lower-case"),
    ({"ingressClassName": "nginx"}, "litemaas:ingressClassName", "pulumi config rm ingressClassName"),
    ({"platform": "kubernetes"}, "litemaas:hostname", "pulumi config set hostname"),
    ({"deployGateway": False, "masterKey": "sk-x"}, "litemaas:gatewayUrl", "pulumi config set gatewayUrl"),
    ({"deployGateway": "false", "gatewayUrl": "https://litellm.example.com"}, "litemaas:masterKey",
     "pulumi config set --secret masterKey"),
    ({"gatewayUrl": "litellm.example.com"}, "litemaas:gatewayUrl", "https://"),
    ({"masterKey": "my-admin-key"}, "litemaas:masterKey", "sk-"),
    ({"adminApi": {"readinessTimeout": "5 minutes"}}, "litemaas:adminApi.readinessTimeout", "10m"),
    ({"postgres": {"maxConnections": 20}}, "litemaas:postgres.maxConnections", "or more"),
    ({"postgres": {"externalDatabaseUrl": "mysql://db"}}, "litemaas:postgres.externalDatabaseUrl", "postgresql://"),
    ({"models": {"name": "x"}}, "litemaas:models", "must be a list"),
])
def test_each_config_error_names_the_key_and_the_fix(values, key_path, fix):
    message = error_of(values)
    assert f"{key_path}:" in message
    assert fix in message


@pytest.mark.parametrize("name", ["HOME", "TMPDIR", "XDG_CACHE_HOME", "LITELLM_SALT_KEY", "DISABLE_SCHEMA_UPDATE"])
def test_extra_env_cannot_override_what_the_gateway_sets(name):
    message = error_of({"litellm": {"extraEnv": {name: "/elsewhere"}}})
    assert f"litemaas:litellm.extraEnv.{name}: is set by LiteMaaS itself" in message


def test_extra_env_may_set_what_the_gateway_leaves_alone():
    # The gateway passes --port as an argument and never sets HOST or PORT.
    config = parse_stack_config({"litellm": {"extraEnv": {"HOST": "::", "HTTPS_PROXY": "http://proxy:3128"}}})
    assert config.litellm.extra_env == {"HOST": "::", "HTTPS_PROXY": "http://proxy:3128"}


def test_all_problems_come_in_one_error():
    message = error_of({"namespce": "x", "litellm": {"replicas": 0}, "postgres": {"storageSize": "1Tb"}})
    assert message.startswith("Invalid stack config:")
    assert message.count("\n  - ") == 3


def test_secret_values_never_appear_in_errors():
    message = error_of({"masterKey": "not-a-key-hunter2"})
    assert "hunter2" not in message
    message = error_of({"postgres": {"externalDatabaseUrl": "mysql://u:hunter2@db"}})
    assert "hunter2" not in message


@pytest.mark.parametrize("values, key_path", [
    ({"masterKey": "sk-plain"}, "litemaas:masterKey"),
    ({"models": [{"name": "m", "model": "openai/m", "apiKey": "sk-plain"}]}, "litemaas:models[0].apiKey"),
    ({"postgres": {"externalDatabaseUrl": "postgresql://u:p@db/x"}}, "litemaas:postgres.externalDatabaseUrl"),
])
def test_credentials_stored_in_plain_text_are_refused(values, key_path):
    message = error_of(values, secret_keys=())
    assert f"{key_path}: is stored in plain text" in message or f"{key_path}: holds a password" in message
    assert "--secret" in message
    assert "sk-plain" not in message and ":p@" not in message


@pytest.mark.parametrize("values, key_path, fix", [
    ({"models": MODELS + [{"name": "deepseek-chat", "model": "deepseek/deepseek-v3"}]},
     "litemaas:models[2].name", "duplicate model name 'deepseek-chat'"),
    ({"models": [{"name": "x"}]}, "litemaas:models[0].model", "is required"),
    ({"models": [{"name": "x", "model": "gpt4"}]}, "litemaas:models[0].model", "provider/model"),
    ({"models": [{"name": "x", "model": "openai/x", "rpm": -5}]}, "litemaas:models[0].rpm", "0 or more"),
    ({"models": [{"name": "x", "model": "openai/x", "modelInfo": {"input_cost_per_token": 1}}]},
     "litemaas:models[0].modelInfo.input_cost_per_token", "inputCostPerToken"),
    ({"models": MODELS, "teams": [{"alias": ""}]}, "litemaas:teams[0].alias", "must not be empty"),
    ({"models": MODELS, "teams": [{"alias": "a"}, {"alias": "a"}]}, "litemaas:teams[1].alias", "duplicate team alias"),
    ({"models": MODELS, "teams": [{"alias": "a", "models": ["gpt-5"]}]}, "litemaas:teams[0].models",
     "declared models: deepseek-chat, granite-8b-instruct"),
    ({"models": MODELS, "teams": [{"alias": "a", "maxBudget": -1}]}, "litemaas:teams[0].maxBudget", "0 or more"),
    ({"models": MODELS, "teams": [{"alias": "a", "budgetDuration": "monthly"}]}, "litemaas:teams[0].budgetDuration",
     "s, m, h, d, w or mo"),
    ({"models": MODELS, "keys": [{"alias": "k"}, {"alias": "k"}]}, "litemaas:keys[1].alias", "duplicate key alias"),
    ({"models": MODELS, "keys": [{"models": ["deepseek-chat"]}]}, "litemaas:keys[0].alias", "is required"),
    ({"models": MODELS, "keys": [{"alias": "k", "models": ["llama"]}]}, "litemaas:keys[0].models",
     "declared models: deepseek-chat, granite-8b-instruct"),
    ({"models": MODELS, "keys": [{"alias": "k", "team": "ghosts"}]}, "litemaas:keys[0].team", "declared teams: none"),
    ({"models": MODELS, "keys": [{"alias": "k", "maxBudget": -3}]}, "litemaas:keys[0].maxBudget", "0 or more"),
    ({"models": MODELS, "keys": [{"alias": "k", "maxBudget": 5, "softBudget": 8}]}, "litemaas:keys[0].softBudget",
     "greater than maxBudget"),
    ({"models": MODELS, "keys": [{"alias": "k", "duration": "30x"}]}, "litemaas:keys[0].duration", "e.g. 30d"),
    ({"models": MODELS, "keys": [{"alias": "k", "budgetDuration": "1y"}]}, "litemaas:keys[0].budgetDuration", "mo"),
    ({"models": MODELS, "teams": [{"alias": "t", "models": ["deepseek-chat"]}],
      "keys": [{"alias": "k", "team": "t", "models": ["granite-8b-instruct"]}]}, "litemaas:keys[0].models",
     "not allowed for team 't'"),
    ({"models": MODELS, "keys": [{"alias": "k", "maxParallelRequests": 0}]}, "litemaas:keys[0].maxParallelRequests",
     "1 or more"),
    ({"models": MODELS, "keys": [{"alias": "k", "modles": []}]}, "litemaas:keys[0].modles", "did you mean `models`"),
    ({"keys": [{"alias": "k", "rotateEvery": "90 days"}]}, "litemaas:keys[0].rotateEvery", "e.g. 30d"),
    ({"keys": [{"alias": "k", "rotationGracePeriod": "1y"}]}, "litemaas:keys[0].rotationGracePeriod",
     "or 0 to revoke the old value at once"),
    ({"keys": [{"alias": "k", "rotation": {"n": 1}}]}, "litemaas:keys[0].rotation", "a counter or a label"),
    ({"keys": [{"alias": "k", "tokenHash": "sk-1234"}]}, "litemaas:keys[0].tokenHash", "64 hex digits"),
    ({"keys": [{"alias": "a", "tokenHash": "ab" * 32}, {"alias": "b", "tokenHash": "ab" * 32}]},
     "litemaas:keys[1].tokenHash", "duplicate key tokenHash"),
    ({"keys": [{"alias": "k", "adopt": True, "deliverTo": {"namespace": "ds", "secretName": "key"}}]},
     "litemaas:keys[0].deliverTo", "set keys[].rotation to issue one"),
    ({"keys": [{"alias": "k", "deliverTo": {"namespace": "Data_Science", "secretName": "key"}}]},
     "litemaas:keys[0].deliverTo.namespace", "not a namespace name"),
    ({"keys": [{"alias": "k", "deliverTo": {"namespace": "ds"}}]}, "litemaas:keys[0].deliverTo.secretName",
     "is required"),
    ({"keys": [{"alias": "a", "deliverTo": {"namespace": "ds", "secretName": "key"}},
               {"alias": "b", "deliverTo": {"namespace": "ds", "secretName": "key"}}]},
     "litemaas:keys[1].deliverTo.secretName", "duplicate delivered Secret"),
    ({"models": MODELS, "keys": [{"alias": "k", "allowedRoutes": ["chat/completions"]}]},
     "litemaas:keys[0].allowedRoutes[0]", "use a path such as /chat/completions"),
    ({"models": MODELS, "keys": [{"alias": "k", "allowedRoutes": "/chat/completions"}]},
     "litemaas:keys[0].allowedRoutes", "a list of non-empty strings"),
    ({"models": MODELS, "keys": [{"alias": "k", "modelRpmLimit": {"gpt-5": 10}}]}, "litemaas:keys[0].modelRpmLimit",
     "names model(s) the stack does not declare: gpt-5; declared models: deepseek-chat, granite-8b-instruct"),
    ({"models": MODELS, "keys": [{"alias": "k", "modelTpmLimit": {"deepseek-chat": -1}}]},
     "litemaas:keys[0].modelTpmLimit.deepseek-chat", "0 or more"),
    ({"models": MODELS, "keys": [{"alias": "k", "modelRpmLimit": ["deepseek-chat"]}]},
     "litemaas:keys[0].modelRpmLimit", "must be an object (map)"),
    ({"models": MODELS, "teams": [{"alias": "t", "modelRpmLimit": {"deepseek-chat": 2.5}}]},
     "litemaas:teams[0].modelRpmLimit.deepseek-chat", "whole number"),
    ({"models": MODELS, "teams": [{"alias": "t", "modelTpmLimit": {"llama": 100}}]}, "litemaas:teams[0].modelTpmLimit",
     "names model(s) the stack does not declare: llama"),
])
def test_catalog_errors(values, key_path, fix):
    message = error_of(values)
    assert f"{key_path}:" in message
    assert fix in message


def test_key_lifecycle_config_is_typed():
    config = parse_stack_config({"keys": [
        {"alias": "alice", "rotation": 2, "rotateEvery": "90d", "rotationGracePeriod": "0", "renew": True,
         "deliverTo": {"namespace": "alice-ds", "secretName": "litemaas-key"}},
        {"alias": "legacy", "tokenHash": "0f" * 32},
        {"alias": "ui-made", "adopt": True, "rotation": "2026-q3"},
    ]}, {"masterKey"})
    alice, legacy, ui_made = config.keys
    assert (alice.rotation, alice.rotate_every, alice.rotation_grace_period, alice.renew) == ("2", "90d", "0", True)
    assert (alice.deliver_to.namespace, alice.deliver_to.secret_name, alice.adopt) == ("alice-ds", "litemaas-key", False)
    assert (legacy.adopt, legacy.token_hash, legacy.rotation_grace_period) == (True, "0f" * 32, None)
    assert (ui_made.adopt, ui_made.rotation, ui_made.deliver_to) == (True, "2026-q3", None)


def test_routes_and_per_model_limits_of_keys_and_teams_are_typed():
    config = parse_stack_config({"models": MODELS, "teams": [
        {"alias": "t", "modelRpmLimit": {"deepseek-chat": 100}, "modelTpmLimit": {"granite-8b-instruct": 5000}}],
        "keys": [{"alias": "k", "team": "t", "allowedRoutes": ["/chat/completions", "info_routes"],
                  "modelRpmLimit": {"deepseek-chat": "10"}}, {"alias": "plain"}]}, {"models"})
    (team,), (key, plain) = config.teams, config.keys
    assert (team.model_rpm_limit, team.model_tpm_limit) == ({"deepseek-chat": 100}, {"granite-8b-instruct": 5000})
    assert key.allowed_routes == ("/chat/completions", "info_routes")
    assert (key.model_rpm_limit, key.model_tpm_limit) == ({"deepseek-chat": 10}, {})
    assert (plain.allowed_routes, plain.model_rpm_limit) == ((), {})


@pytest.mark.parametrize("text, seconds", [("30s", 30), ("15m", 900), ("12h", 43200), ("30d", 2592000),
                                           ("2w", 1209600), ("1mo", 2592000)])
def test_litellm_durations(text, seconds):
    assert parse_litellm_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "0d", "1y", "-1d", "1.5h", " 30d"])
def test_litellm_durations_rejected(text):
    with pytest.raises(ValueError, match="s, m, h, d, w or mo"):
        parse_litellm_duration(text)


def test_load_reads_the_running_stack_config():
    pulumi.runtime.set_all_config({
        "litemaas:namespace": "ai-gateway",
        "litemaas:createNamespace": "false",
        "litemaas:masterKey": "sk-from-config",
        "litemaas:models": json.dumps(MODELS),
        "otherproject:namespace": "ignored",
    }, ["litemaas:masterKey", "litemaas:models"])
    try:
        config = load_stack_config()
    finally:
        pulumi.runtime.set_all_config({}, [])
    assert config.namespace == "ai-gateway" and config.create_namespace is False
    assert [m.name for m in config.models] == ["granite-8b-instruct", "deepseek-chat"]
    assert isinstance(config.master_key, pulumi.Output)


def test_the_example_stack_is_valid():
    import pathlib

    import yaml

    example = yaml.safe_load((pathlib.Path(__file__).parents[1] / "Pulumi.dev.yaml").read_text())["config"]
    config = parse_stack_config({key.split(":", 1)[1]: value for key, value in example.items()})
    assert [m.name for m in config.models] == ["granite-8b-instruct", "deepseek-chat"]
    assert config.keys[0].team == "data-science" and config.litellm.replicas == 2
    assert config.redis.enabled and config.monitoring.enabled  # several pods, so the example shares a Redis
