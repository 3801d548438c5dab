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


KUBERNETES = {"platform": "kubernetes", "hostname": "litellm.example.com"}
BAD_PEM = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize("values, key_path, fix", [
    ({"gatewayUrl": "http://litellm.example.com"}, "litemaas:gatewayUrl",
     "pulumi config set --path adminApi.allowInsecureHttp true"),
    ({"deployGateway": False, "masterKey": "sk-x", "gatewayUrl": "http://10.0.0.8:4000"}, "litemaas:gatewayUrl",
     "Use an https:// URL"),
    (KUBERNETES, "litemaas:ingress.tlsSecretName", "pulumi config set --path ingress.clusterIssuer"),
    (KUBERNETES, "litemaas:ingress.tlsSecretName", "adminApi.allowInsecureHttp true"),
    ({**KUBERNETES, "ingress": {"tlsSecretName": "Litellm_TLS"}}, "litemaas:ingress.tlsSecretName", "lower-case"),
    ({**KUBERNETES, "ingress": {"clusterIssuer": "Lets Encrypt"}}, "litemaas:ingress.clusterIssuer", "lower-case"),
    ({**KUBERNETES, "ingress": {"tlsSecret": "litellm-tls"}}, "litemaas:ingress.tlsSecret", "did you mean `tlsSecretName`"),
    ({"ingress": {"tlsSecretName": "litellm-tls"}}, "litemaas:ingress.tlsSecretName",
     "the Route terminates TLS at the router"),
    ({"platform": "kubernetes", "gatewayUrl": "http://127.0.0.1:4000", "ingress": {"clusterIssuer": "letsencrypt"}},
     "litemaas:ingress.clusterIssuer", "no Ingress is created without hostname"),
    ({"platform": "kubernetes", "gatewayUrl": "http://127.0.0.1:4000", "ingressClassName": "nginx"},
     "litemaas:ingressClassName", "no Ingress is created without hostname"),
    ({"adminApi": {"allowInsecureHttp": "sometimes"}}, "litemaas:adminApi.allowInsecureHttp", "true or false"),
    ({"adminApi": {"caBundle": "/nonexistent/router-ca.pem"}}, "litemaas:adminApi.caBundle",
     "neither PEM certificates"),
    ({"adminApi": {"caBundle": BAD_PEM}}, "litemaas:adminApi.caBundle", "no usable PEM certificate"),
])
def test_transport_errors_name_the_key_and_the_fix(values, key_path, fix):
    message = error_of(values)
    assert f"{key_path}:" in message
    assert fix in message


@pytest.mark.parametrize("values", [
    {"gatewayUrl": "http://127.0.0.1:4000"},
    {"gatewayUrl": "http://localhost:4000"},
    {"gatewayUrl": "http://litellm.litemaas.svc:4000"},
    {"gatewayUrl": "http://litellm.litemaas.svc.cluster.local:4000"},
    {"gatewayUrl": "http://litellm.example.com", "adminApi": {"allowInsecureHttp": True}},
    {**KUBERNETES, "adminApi": {"allowInsecureHttp": "true"}},
    {**KUBERNETES, "ingress": {"clusterIssuer": "letsencrypt-prod"}},
    {"platform": "kubernetes", "gatewayUrl": "http://litellm.litemaas.svc:4000"},
], ids=["loopback", "localhost", "svc", "svc-cluster-local", "opted-in-url", "opted-in-ingress", "cert-manager",
        "kubernetes-without-ingress"])
def test_safe_or_explicitly_insecure_transports_are_accepted(values):
    parse_stack_config(values)


def test_ingress_tls_and_ca_bundle_are_typed(test_ca):
    config = parse_stack_config({**KUBERNETES, "ingress": {"clusterIssuer": "letsencrypt-prod"},
                                 "adminApi": {"caBundle": str(test_ca.ca_file)}})
    assert (config.ingress.cluster_issuer, config.ingress.tls_secret_name) == ("letsencrypt-prod", None)
    assert config.ingress.secret_name == "litellm-tls"  # where cert-manager puts the certificate
    # A path is read at preview: the providers get the PEM text, also when `destroy` runs elsewhere.
    assert config.admin_api.ca_bundle == test_ca.ca_pem and config.admin_api.allow_insecure_http is False
    inline = parse_stack_config({"adminApi": {"caBundle": test_ca.ca_pem}})
    assert inline.admin_api.ca_bundle == test_ca.ca_pem
    assert parse_stack_config({}).ingress.secret_name is None


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


@pytest.mark.parametrize("postgres, key_path, fix", [
    ({"mode": "operator"}, "litemaas:postgres.mode", "bundled, cloudnativepg"),
    ({"cloudnativepg": {"instances": 3}}, "litemaas:postgres.cloudnativepg",
     "pulumi config set --path postgres.mode cloudnativepg"),
    ({"mode": "cloudnativepg", "cloudnativepg": {"instances": 0}}, "litemaas:postgres.cloudnativepg.instances",
     "1 or more"),
    ({"mode": "cloudnativepg", "cloudnativepg": {"apiGroup": "postgresql.cnpg.io/v1"}},
     "litemaas:postgres.cloudnativepg.apiGroup", "postgresql.k8s.enterprisedb.io"),
    ({"mode": "cloudnativepg", "cloudnativepg": {"instance": 3}}, "litemaas:postgres.cloudnativepg.instance",
     "did you mean `instances`"),
    ({"mode": "cloudnativepg", "externalDatabaseUrl": "postgresql://u:p@db/x"}, "litemaas:postgres.mode",
     "pulumi config rm --path postgres.externalDatabaseUrl"),
    ({"mode": "cloudnativepg", "password": "a-long-enough-password"}, "litemaas:postgres.password",
     "generated by the CloudNativePG operator"),
    ({"mode": "cloudnativepg", "backup": {}}, "litemaas:postgres.backup", "ScheduledBackup"),
    ({"externalDatabaseUrl": "postgresql://u:p@db/x", "backup": {}}, "litemaas:postgres.backup",
     "back up the external database where it runs"),
    ({"backup": {"schedule": "every night"}}, "litemaas:postgres.backup.schedule", "'15 2 * * *'"),
    ({"backup": {"schedule": "0 0 0 * * *"}}, "litemaas:postgres.backup.schedule", "five fields"),
    ({"backup": {"retain": 0}}, "litemaas:postgres.backup.retain", "1 or more"),
    ({"backup": {"storageSize": "20GB"}}, "litemaas:postgres.backup.storageSize", "10Gi"),
    ({"backup": {"keep": 3}}, "litemaas:postgres.backup.keep", "known keys"),
])
def test_database_mode_and_backup_errors_name_the_key_and_the_fix(postgres, key_path, fix):
    message = error_of({"postgres": postgres})
    assert f"{key_path}:" in message
    assert fix in message


def test_backup_and_cloudnativepg_defaults():
    backup = parse_stack_config({"postgres": {"backup": {}}}).postgres.backup
    assert (backup.schedule, backup.retain, backup.storage_size, backup.storage_class) == \
        ("15 2 * * *", 7, "20Gi", None)
    assert parse_stack_config({}).postgres.backup is None
    postgres = parse_stack_config({"postgres": {"mode": "cloudnativepg"}}).postgres
    assert postgres.mode == "cloudnativepg"
    assert (postgres.cloudnativepg.instances, postgres.cloudnativepg.api_group) == (3, "postgresql.cnpg.io")
    assert parse_stack_config({}).postgres.mode == "bundled" and parse_stack_config({}).postgres.cloudnativepg is None


# --- redis, autoscaling, monitoring, alerting ----------------------------------------------------------------

def test_several_replicas_without_redis_are_refused_with_the_reason():
    message = error_of({"litellm": {"replicas": 3}})
    assert "litemaas:litellm.replicas: 3 pods without Redis" in message
    assert "rpm limit is multiplied by the pod count" in message and "stays usable on the other pods" in message
    assert "redis.enabled true" in message and "litellm.allowReplicasWithoutRedis true" in message


def test_several_replicas_are_accepted_with_redis_or_when_acknowledged():
    assert parse_stack_config({"litellm": {"replicas": 3}, "redis": {"enabled": True}}).litellm.replicas == 3
    url = {"litellm": {"replicas": 3}, "redis": {"url": "rediss://:pw@cache.example.com:6380/0"}}
    assert parse_stack_config(url, {"redis"}).redis.configured
    acknowledged = parse_stack_config({"litellm": {"replicas": 3, "allowReplicasWithoutRedis": True}})
    assert acknowledged.litellm.allow_replicas_without_redis and not acknowledged.redis.configured


@pytest.mark.parametrize("values, path, fragment", [
    ({"redis": {"url": "redis://:pw@cache:6379"}}, "litemaas:redis.url", "plain text"),
    ({"redis": {"url": "http://cache:6379"}}, "litemaas:redis.url", "not a Redis URL"),
    ({"redis": {"enabled": True, "url": "redis://:pw@cache:6379"}}, "litemaas:redis.url", "both choose a Redis"),
    ({"redis": {"image": "redis:7"}}, "litemaas:redis.image", "bundled Redis only"),
    ({"redis": {"enabled": True, "image": "redis"}}, "litemaas:redis.image", "no tag"),
    ({"litellm": {"autoscaling": {"maxReplicas": 4}}}, "litemaas:litellm.autoscaling", "requires Redis"),
    ({"litellm": {"replicas": 2, "autoscaling": {}}, "redis": {"enabled": True}}, "litemaas:litellm.replicas",
     "conflicts with litellm.autoscaling"),
    ({"litellm": {"autoscaling": {"minReplicas": 4, "maxReplicas": 2}}, "redis": {"enabled": True}},
     "litemaas:litellm.autoscaling.maxReplicas", "below minReplicas"),
    ({"litellm": {"autoscaling": {"targetCPUUtilization": 150}}, "redis": {"enabled": True}},
     "litemaas:litellm.autoscaling.targetCPUUtilization", "1-100"),
    ({"monitoring": {"enabled": True, "interval": "30"}}, "litemaas:monitoring.interval", "not a duration"),
    ({"monitoring": {"enabled": True, "alerts": {"budgetLowPercent": 120}}}, "litemaas:monitoring.alerts.budgetLowPercent",
     "must be below 100"),
    ({"monitoring": {"enabled": True, "alerts": {"spendPerHour": -5}}}, "litemaas:monitoring.alerts.spendPerHour",
     "greater than 0"),
    ({"monitoring": {"enabled": True, "alerts": {"disabled": ["LiteLLMBudgetLow"]}}},
     "litemaas:monitoring.alerts.disabled[0]", "not one of LiteMaaS's alerts"),
    ({"monitoring": {"enabled": True, "alerts": {"for": "soon"}}}, "litemaas:monitoring.alerts.for", "not a duration"),
    ({"monitoring": {"enabled": True, "alerts": {"spendPerWeek": 5}}}, "litemaas:monitoring.alerts.spendPerWeek",
     "unknown key"),
    ({"monitoring": {"alerts": {"spendPerDay": 5}}}, "litemaas:monitoring.alerts", "without monitoring.enabled"),
    ({"monitoring": {"enabled": True, "grafana": {"folder": "x"}}}, "litemaas:monitoring.grafana.instanceLabels",
     "is required"),
    ({"monitoring": {"enabled": True, "grafana": {"instanceLabels": {"dashboards": "no spaces"}}}},
     "litemaas:monitoring.grafana.instanceLabels.dashboards", "not a Kubernetes label"),
    ({"alerting": {"email": ["ops@example.com"]}}, "litemaas:alerting.email", "LiteLLM Enterprise feature"),
    ({"alerting": {"emailBranding": {"logo": "x"}}}, "litemaas:alerting.emailBranding", "Enterprise"),
    ({"alerting": {"alertTypes": ["budget_alerts"]}}, "litemaas:alerting.alertTypes", "without alerting.slackWebhookUrl"),
    ({"keys": [{"alias": "litemaas-metrics"}]}, "litemaas:keys[0].alias", "reserved"),
    ({"deployGateway": False, "gatewayUrl": "https://l.example.com", "redis": {"enabled": True}},
     "litemaas:redis", "deployGateway false"),
])
def test_production_settings_problems_name_the_key(values, path, fragment):
    message = error_of(values)
    assert f"{path}:" in message and fragment in message, message


def test_alerting_webhook_must_be_secret_and_is_never_echoed():
    url = "https://hooks.slack.com/services/T0/B0/sEcReT"
    message = error_of({"alerting": {"slackWebhookUrl": url}})
    assert "litemaas:alerting.slackWebhookUrl: is stored in plain text" in message and "sEcReT" not in message
    bad = error_of({"alerting": {"slackWebhookUrl": "http://hooks.example.com/sEcReT"}}, {"alerting"})
    assert "not an https URL" in bad and "sEcReT" not in bad
    config = parse_stack_config({"alerting": {"slackWebhookUrl": url, "alertTypes": ["budget_alerts", "spend_reports"],
                                              "budgetAlertTtl": "12h", "spendReportFrequency": "1d"}}, {"alerting"})
    assert config.alerting.enabled and config.alerting.alert_types == ("budget_alerts", "spend_reports")
    assert config.alerting.budget_alert_ttl_seconds == 43200 and config.alerting.spend_report_frequency == "1d"


@pytest.mark.real_litellm
def test_alert_types_are_litellm_1_108_7s():
    """Read from the pinned LiteLLM the real proxy runs (its own venv, not the program's)."""
    import json
    import subprocess

    from config.monitoring import ALERT_TYPES
    from tests.support.real_litellm import Installation

    served = subprocess.run(
        [str(Installation.find().python), "-c", "import json; from litellm.types.integrations.slack_alerting "
         "import AlertType; print(json.dumps([a.value for a in AlertType]))"],
        capture_output=True, text=True, check=True, env={"LITELLM_LOCAL_MODEL_COST_MAP": "True"}).stdout
    assert sorted(ALERT_TYPES) == sorted(json.loads(served))


def test_database_connections_are_sized_for_max_replicas():
    config = parse_stack_config({"litellm": {"autoscaling": {"minReplicas": 2, "maxReplicas": 12}},
                                 "redis": {"enabled": True}})
    assert config.postgres.max_connections == max_connections_needed(12) == 160
    too_low = error_of({"litellm": {"autoscaling": {"maxReplicas": 12}}, "redis": {"enabled": True},
                        "postgres": {"maxConnections": 100}})
    assert "litemaas:postgres.maxConnections: 100 is too low for 12 gateway replica(s)" in too_low


ISVC_MODEL = {"name": "granite", "inferenceService": {"name": "granite-8b", "namespace": "models"}}


def test_an_inference_service_model_needs_no_model_or_api_base():
    config = parse_stack_config({"models": [ISVC_MODEL, {**ISVC_MODEL, "name": "granite-token", "inferenceService": {
        "name": "granite-8b", "namespace": "models", "tokenSecret": {"name": "litellm-granite-8b-sa"}}}]})
    plain_ref, secret_ref = (m.inference_service for m in config.models)
    assert (config.models[0].model, config.models[0].api_base) == ("", None)
    assert (plain_ref.id, plain_ref.key_path, plain_ref.token_secret_name, plain_ref.token) == \
        ("models/granite-8b", "models[0].inferenceService", None, None)
    assert (secret_ref.token_secret_name, secret_ref.token_secret_key) == ("litellm-granite-8b-sa", "token")


@pytest.mark.parametrize("inference_service, extra, expected", [
    ({"namespace": "models"}, {}, "litemaas:models[0].inferenceService.name: is required"),
    ({"name": "Granite", "namespace": "models"}, {}, "litemaas:models[0].inferenceService.name: 'Granite' is not"),
    ({"name": "g", "namespace": "models"}, {"apiBase": "https://g.example.com/v1"},
     "litemaas:models[0].apiBase: conflicts with inferenceService"),
    ({"name": "g", "namespace": "models"}, {"apiKey": "sk-x"}, "litemaas:models[0].apiKey: conflicts with inferenceService"),
    ({"name": "g", "namespace": "models", "token": "t", "tokenSecret": {"name": "s"}}, {},
     "litemaas:models[0].inferenceService.token: conflicts with tokenSecret"),
    ({"name": "g", "namespace": "models", "tokenSecret": {"key": "token"}}, {},
     "litemaas:models[0].inferenceService.tokenSecret.name: is required"),
    ({"name": "g", "namespace": "models", "url": "x"}, {}, "litemaas:models[0].inferenceService.url: unknown key"),
])
def test_inference_service_mistakes_name_the_key(inference_service, extra, expected):
    assert expected in error_of({"models": [{"name": "g", "inferenceService": inference_service, **extra}]})


def test_an_inference_service_token_in_plain_text_is_refused_and_never_shown():
    message = error_of({"models": [{"name": "g", "inferenceService": {
        "name": "g", "namespace": "models", "token": "eyJ-plain-token"}}]}, secret_keys=("masterKey",))
    assert "litemaas:models[0].inferenceService.token: is stored in plain text" in message
    assert "--secret --path 'models[0].inferenceService.token'" in message and "eyJ-plain-token" not in message


def test_a_model_without_inference_service_still_needs_model():
    assert "litemaas:models[0].model: is required" in error_of({"models": [{"name": "g"}]})
