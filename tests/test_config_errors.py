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
    problem = the_one_problem(values)
    assert problem.startswith(f"litemaas:{key_path}: "), problem
    assert fix in problem, problem
