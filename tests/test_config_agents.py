"""`agents[]`: read from the kind's schema, with the key path and the fix in every error; the card keys LiteLLM
would rewrite and credentials in plain text are refused at preview."""

import pulumi
import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}]
CARD = {"name": "Helper", "description": "answers questions", "url": "https://helper.example.com/",
        "protocolVersion": "1.0", "capabilities": {"streaming": True},
        "skills": [{"id": "qa", "name": "Q&A", "description": "answers", "tags": ["qa"]}]}


def parsed(agents, secret=()):
    return parse_stack_config({"models": MODELS, "agents": agents}, {"models", *secret})


def error_of(agents) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(agents)
    return str(raised.value)


def test_agents_are_typed():
    (helper, bare) = parsed([{"name": "helper", "card": CARD, "params": {"model": "granite"}, "tpmLimit": 100,
                              "rpmLimit": 6, "sessionTpmLimit": 10, "sessionRpmLimit": 1},
                             {"name": "bare"}]).agents
    assert (helper.name, helper.card, helper.params, helper.tpm_limit, helper.rpm_limit, helper.session_tpm_limit,
            helper.session_rpm_limit, helper.secret_params) == \
        ("helper", CARD, {"model": "granite"}, 100, 6, 10, 1, False)
    assert (bare.card, bare.params, bare.tpm_limit) == ({}, {}, None)


def test_a_credential_in_params_is_secret_or_refused():
    (agent,) = parsed([{"name": "a", "params": {"model": "x", "api_key": "sk-1"}}], secret=("agents",)).agents
    assert agent.secret_params is True
    (referenced,) = parsed([{"name": "a", "params": {"api_key": "os.environ/AGENT_KEY"}}]).agents
    assert referenced.secret_params is False  # the gateway's environment, not a value
    assert "litemaas:agents[0].params.x_auth_header: is a credential stored in plain text; set it with " \
        "`pulumi config set --secret --path 'agents[0].params.x_auth_header' …`" in \
        error_of([{"name": "a", "params": {"x_auth_header": "Bearer t"}}])  # what LiteLLM would redact


def test_static_headers_are_secret_and_extra_headers_a_list():
    (agent,) = parsed([{"name": "a", "staticHeaders": {"Authorization": "Bearer t"}, "extraHeaders": ["x-user"]}],
                      secret=("agents",)).agents
    assert isinstance(agent.static_headers, pulumi.Output) and agent.extra_headers == ("x-user",)
    message = error_of([{"name": "a", "staticHeaders": {"Authorization": "Bearer t"}},
                        {"name": "b", "staticHeaders": {"X-Token": "t\n"}, "extraHeaders": "x-user"}])
    for expected in (
        "litemaas:agents[0].staticHeaders: is stored in plain text; set it with `pulumi config set --secret --path "
        "'agents[0].staticHeaders.Authorization' …`",
        "litemaas:agents[1].staticHeaders.X-Token: holds whitespace or a control character",
        "litemaas:agents[1].extraHeaders: must be a list",
    ):
        assert expected in message, (expected, message)


def test_bad_agents_name_the_key_path_and_the_fix():
    message = error_of([
        {"name": "a", "tpmLimit": -1, "card": {**CARD, "security": [], "protocolVersion": "0.3.0",
                                               "capabilities": {"pushNotifications": True}, "skills": [],
                                               "extensions": []}, "colour": "red"},
        {"name": "a", "sessionRpmLimit": 1.5, "card": "helper", "params": ["model"]},
        {"card": CARD},
    ])
    for expected in (
        "litemaas:agents[0].tpmLimit: must be 0 or more, got -1",
        "litemaas:agents[0].card.security: is written by LiteLLM itself",
        "litemaas:agents[0].card.protocolVersion: '0.3.0' is rewritten by LiteLLM, which serves only 0.3 and 1.0; use one of them",
        "litemaas:agents[0].card.capabilities: LiteLLM keeps only `streaming: true`",
        "litemaas:agents[0].card.skills: is empty, and LiteLLM fills in its default; omit it or give a value",
        "litemaas:agents[0].card.extensions: is dropped by LiteLLM; a card keeps protocolVersion, name,",
        "litemaas:agents[0].colour: unknown key",
        "litemaas:agents[1].name: duplicate agent name 'a'",
        "litemaas:agents[1].sessionRpmLimit: must be a whole number, got 1.5",
        "litemaas:agents[1].card: must be an object (map), got a string",
        "litemaas:agents[1].params: must be an object (map), got a list",
        "litemaas:agents[2].name: is required",
    ):
        assert expected in message, (expected, message)


def test_a_tenant_stack_declares_no_agents():
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"platformStack": "org/platform/prod", "agents": [{"name": "a"}]})
    assert "litemaas:agents: is a platform setting" in str(raised.value)
