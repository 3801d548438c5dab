"""Bad configs an admin can write, each refused at preview with exactly one error that names its key and the fix.

The table is the contract: a config below must raise one `ConfigError` (never another exception, never an
accepted stack), with one problem line that starts with `litemaas:<key path>:` and says what to do."""

from __future__ import annotations

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")  # config builds secret Outputs

SECRET = ("masterKey", "postgres", "redis", "litellm", "models", "guardrails", "credentials", "backend", "oauth",
          "alerting", "mcpServers")


def the_one_problem(values, secret_keys=SECRET) -> str:
    try:
        parse_stack_config(values, set(secret_keys))
    except ConfigError as error:
        problems = [line.removeprefix("  - ") for line in str(error).splitlines()[1:] if line.startswith("  - ")]
        assert len(problems) == 1, str(error)
        return problems[0]
    raise AssertionError(f"accepted: {values}")


BAD_CONFIGS = [
    # (config, key path, a fragment of the fix)
    ({"postgres": {"maxConnections": 1000000}}, "postgres.maxConnections", "262143 or less"),
    ({"litellm": {"replicas": 30000, "allowReplicasWithoutRedis": True}}, "postgres.maxConnections",
     "lower litellm.replicas"),
    ({"litellm": {"replicas": 3e9}}, "litellm.replicas", "2147483647 or less"),
    ({"litellm": {"autoscaling": {"maxReplicas": 3e9}}, "redis": {"enabled": True}},
     "litellm.autoscaling.maxReplicas", "2147483647 or less"),
    ({"postgres": {"mode": "cloudnativepg", "cloudnativepg": {"instances": 3e9}}},
     "postgres.cloudnativepg.instances", "2147483647 or less"),
    ({"models": [{"name": "m", "model": "openai/gpt-4o", "rpm": 1e20}]}, "models[0].rpm", "or less"),
    ({"teams": [{"alias": "t", "rpmLimit": 1e20}]}, "teams[0].rpmLimit", "or less"),

    # Images: a tag (not `latest`) or a digest, else a restart may bring a major version.
    ({"postgres": {"image": "docker.io/library/postgres"}}, "postgres.image", "has no tag"),
    ({"postgres": {"image": "docker.io/library/postgres:latest"}}, "postgres.image", "pin a version"),
    ({"postgres": {"image": ""}}, "postgres.image", "pin a version"),
    ({"redis": {"enabled": True, "image": "redis"}}, "redis.image", "has no tag"),
    ({"litellm": {"image": "ghcr.io/berriai/litellm-non_root:latest"}}, "litellm.image", "pin a version"),
    ({"frontend": {"enabled": True, "image": "quay.io/rh-aiservices-bu/litemaas-frontend"},
      "backend": {"enabled": True}, "oauth": {"enabled": True}}, "frontend.image", "has no tag"),
    ({"postgres": {"mode": "cloudnativepg", "cloudnativepg": {"imageName": "ghcr.io/cloudnative-pg/postgresql"}}},
     "postgres.cloudnativepg.imageName", "has no tag"),
    # Names Kubernetes would refuse, with its own rules (RFC 1123 labels and subdomains).
    ({"platform": "kubernetes", "hostname": "litellm.example.com", "ingress": {"tlsSecretName": "tls"},
      "litellm": {"ingressNamespaces": ["Ingress_NGINX"]}}, "litellm.ingressNamespaces[0]", "namespace name"),
    ({"monitoring": {"enabled": True, "prometheusNamespaces": ["openshift-monitoring", "user workload"]}},
     "monitoring.prometheusNamespaces[1]", "namespace name"),
    ({"postgres": {"mode": "cloudnativepg", "cloudnativepg": {"operatorNamespace": "CNPG"}}},
     "postgres.cloudnativepg.operatorNamespace", "namespace name"),
    ({"postgres": {"storageClass": "Fast SSD"}}, "postgres.storageClass", "oc get storageclass"),
    ({"postgres": {"backup": {"storageClass": "nfs_client"}}}, "postgres.backup.storageClass", "oc get storageclass"),
    ({"hostname": "a" * 70 + ".apps.example.com"}, "hostname", "lower-case DNS name"),
    ({"namespace": "n" * 60}, "namespace", "at most 55 characters"),
    ({"namespace": "n" * 50, "frontend": {"enabled": True}, "backend": {"enabled": True},
      "oauth": {"enabled": True}}, "namespace", "frontend.hostname"),
    # Resources: Kubernetes refuses a request above its limit.
    ({"postgres": {"resources": {"requests": {"memory": "4Gi"}}}}, "postgres.resources.requests.memory",
     "above the limit 1Gi"),
    ({"litellm": {"resources": {"limits": {"cpu": "100m"}}}}, "litellm.resources.limits.cpu", "above the limit"),
    ({"redis": {"enabled": True, "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1500m"}}}},
     "redis.resources.requests.cpu", "raise redis.resources.limits.cpu"),
    # Schedules with the CronJob controller's ranges.
    ({"postgres": {"backup": {"schedule": "99 99 * * *"}}}, "postgres.backup.schedule", "minute 0-59"),
    ({"postgres": {"backup": {"schedule": "0 24 * * *"}}}, "postgres.backup.schedule", "@daily"),
    ({"postgres": {"backup": {"schedule": "0 0 2 * * *"}}}, "postgres.backup.schedule", "five fields"),
    ({"postgres": {"backup": {"schedule": "0 2 L * *"}}}, "postgres.backup.schedule", "five fields"),
    # Money and limits: finite numbers only.
    ({"teams": [{"alias": "t", "maxBudget": "nan"}]}, "teams[0].maxBudget", "must be a number"),
    ({"teams": [{"alias": "t", "maxBudget": float("inf")}]}, "teams[0].maxBudget", "must be a number"),
    ({"models": [{"name": "m", "model": "openai/gpt-4o", "inputCostPerToken": "inf"}]},
     "models[0].inputCostPerToken", "must be a number"),
    ({"keys": [{"alias": "k", "maxBudget": float("nan")}]}, "keys[0].maxBudget", "must be a number"),
    ({"budgets": [{"name": "b", "maxBudget": "-inf"}]}, "budgets[0].maxBudget", "must be a number"),
    ({"keys": [{"alias": "k", "userId": ""}]}, "keys[0].userId", "remove it"),
    ({"keys": [{"alias": "k", "maxBudget": "1e400"}]}, "keys[0].maxBudget", "must be a number"),
    ({"users": [{"id": "u", "maxBudget": "nan"}]}, "users[0].maxBudget", "must be a number"),
    ({"users": [{"id": "u"}], "teams": [{"alias": "t", "members": [{"user": "u", "maxBudgetInTeam": "inf"}]}]},
     "teams[0].members[0].maxBudgetInTeam", "must be a number"),
    ({"tags": [{"name": "t", "maxBudget": "inf"}]}, "tags[0].maxBudget", "must be a number"),
    ({"models": [{"name": "m", "model": "openai/x", "tpm": 1e20}]}, "models[0].tpm", "or less"),
    ({"budgets": [{"name": "b", "maxBudget": 1, "tpmLimit": 1e30}]}, "budgets[0].tpmLimit", "or less"),
    ({"postgres": {"backup": {"retain": 3e9}}}, "postgres.backup.retain", "32-bit"),
    ({"keys": [{"alias": "k", "userId": "  "}]}, "keys[0].userId", "remove it"),
    ({"frontend": {"enabled": True, "hostname": "a" * 64 + ".example.com"}, "backend": {"enabled": True},
      "oauth": {"enabled": True}}, "frontend.hostname", "lower-case DNS name"),
    # Settings that would be silently ignored.
    ({"postgres": {"externalDatabaseUrl": "postgresql://u:p@db:5432/litellm", "storageSize": "50Gi"}},
     "postgres.storageSize", "pulumi config rm --path postgres.storageSize"),
    ({"postgres": {"externalDatabaseUrl": "postgresql://u:p@db:5432/litellm", "password": "p" * 16}},
     "postgres.password", "no PostgreSQL is deployed"),
    ({"postgres": {"externalDatabaseUrl": "postgresql://u:p@db:5432/litellm", "maxConnections": 500}},
     "postgres.maxConnections", "no PostgreSQL is deployed"),
    ({"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": "sk-existing",
      "litellm": {"logLevel": "DEBUG"}}, "litellm", "pulumi config rm litellm"),
    ({"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": "sk-existing",
      "postgres": {"backup": {"schedule": "@daily"}}}, "postgres", "pulumi config rm postgres"),
    # Credentials in plain config, where the rest of the stack config keeps them encrypted.
    ({"litellm": {"extraEnv": {"HTTPS_PROXY": "http://user:pa55@proxy:3128"}}}, "litellm.extraEnv.HTTPS_PROXY",
     "pulumi config set --secret --path 'litellm.extraEnv.HTTPS_PROXY'"),
    ({"litellm": {"extraEnv": {"OPENAI_API_KEY": "sk-upstream"}}}, "litellm.extraEnv.OPENAI_API_KEY",
     "stored in plain text"),

    # Credentials a file or `echo` left a newline in, or that hold whitespace: no header or URL carries them.
    *[(values, path, "holds whitespace or a control character") for values, path in [
        ({"masterKey": "sk-master-key\n"}, "masterKey"),
        ({"masterKey": "sk-master-key\r"}, "masterKey"),
        ({"postgres": {"password": "sixteen chars pw"}}, "postgres.password"),
        ({"postgres": {"externalDatabaseUrl": "postgresql://u:p@db:5432/litellm\n"}}, "postgres.externalDatabaseUrl"),
        ({"redis": {"enabled": True, "password": "0123456789abcdef\t"}}, "redis.password"),
        ({"redis": {"url": "redis://:pw@redis:6379/0\n"}}, "redis.url"),
        ({"litellm": {"saltKey": "s" * 32 + "\n"}}, "litellm.saltKey"),
        ({"litellm": {"uiPassword": "ui password 12"}}, "litellm.uiPassword"),
        ({"models": [{"name": "m", "model": "openai/x", "apiKey": "sk-up\x00stream"}]}, "models[0].apiKey"),
        ({"guardrails": [{"name": "g", "provider": "aporia", "mode": "pre_call", "apiKey": "k\n"}]},
         "guardrails[0].apiKey"),
        ({"credentials": [{"name": "c", "values": {"api_key": "sk-x\r\n"}}]}, "credentials[0].values.api_key"),
        ({"alerting": {"slackWebhookUrl": "https://hooks.slack.com/services/T0/B0/x\n"}},
         "alerting.slackWebhookUrl"),
        ({"backend": {"enabled": True, "databaseUrl": "postgresql://u:p@db:5432/app\n"}}, "backend.databaseUrl"),
    ]],
]


@pytest.mark.parametrize("values, key_path, fix", BAD_CONFIGS, ids=[c[1] + "-" + str(i) for i, c in
                                                                      enumerate(BAD_CONFIGS)])
def test_a_bad_config_gets_one_error_naming_the_key_and_the_fix(values, key_path, fix):
    problem = the_one_problem(values, () if key_path.startswith("litellm.extraEnv") else SECRET)
    assert problem.startswith(f"litemaas:{key_path}: "), problem
    assert fix in problem, problem
