"""`prompts[]`: read from the kind's schema, one prompt per (id, environment), the template's front matter checked at
preview, the external prompt managers' settings required, the api key a secret."""

import pulumi
import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

GREET = "---\nmodel: granite\ninput:\n  schema:\n    name: string\n---\nSay hello to {{name}}."


def parsed(prompts, secret=("prompts",)):
    return parse_stack_config({"prompts": prompts}, set(secret))


def error_of(prompts, secret=("prompts",)) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(prompts, secret)
    return str(raised.value)


def test_prompts_are_typed():
    (greet, prod, external) = parsed([
        {"id": "greet", "template": GREET},
        {"id": "greet", "environment": "production", "integration": "dotprompt", "template": "Hello {{name}}"},
        {"id": "remote", "integration": "generic_prompt_management", "apiBase": "https://prompts.example.com",
         "apiKey": "pm-secret"}]).prompts
    assert (greet.id, greet.environment, greet.integration, greet.template, greet.api_key) == \
        ("greet", None, None, GREET, None)
    assert (prod.id, prod.environment, prod.integration) == ("greet", "production", "dotprompt")
    assert (external.integration, external.api_base, external.template) == \
        ("generic_prompt_management", "https://prompts.example.com", None)
    assert isinstance(external.api_key, pulumi.Output)  # a secret Output, never a plain string


def test_bad_prompts_name_the_key_path_and_the_fix():
    message = error_of([
        {"id": "my_voice", "template": "x", "colour": "red"},
        {"id": "greet", "template": "---\nmodel: [\n---\nHi"},
        {"id": "greet", "environment": "development", "template": "Hi"},
        {"id": "notes.v2", "integration": "langfuse", "template": "x"},
        {"id": "remote", "integration": "arize_phoenix", "template": "Hi"},
        {"environment": "prod env", "template": "Hi"},
        {"id": "bare"},
    ])
    for expected in (
        "litemaas:prompts[0].id: 'my_voice' holds `_v`, which LiteLLM reads as a version suffix",
        "litemaas:prompts[0].colour: unknown key",
        "litemaas:prompts[1].template: has front matter that is not YAML",
        "LiteLLM would store the prompt and then fail to load it",
        "litemaas:prompts[2].id: duplicate prompt 'greet' in environment 'development' (already declared by "
        "prompts[1].id)",
        "litemaas:prompts[3].id: 'notes.v2' is not a prompt id; use letters, digits, - and _",
        "litemaas:prompts[3].integration: 'langfuse' is not one of dotprompt, generic_prompt_management, arize_phoenix",
        "litemaas:prompts[4].template: is only for the dotprompt integration",
        "litemaas:prompts[4].apiBase: is required for the arize_phoenix integration",
        "litemaas:prompts[5].id: is required",
        "litemaas:prompts[5].environment: 'prod env' is not an environment name",
        "litemaas:prompts[6].template: is required for the dotprompt integration",
    ):
        assert expected in message, (expected, message)


def test_a_plain_text_api_key_is_refused_without_echoing_it():
    message = error_of([{"id": "remote", "integration": "generic_prompt_management",
                         "apiBase": "https://prompts.example.com", "apiKey": "pm-secret-value"}], secret=())
    assert "litemaas:prompts[0].apiKey: is stored in plain text; set it with `pulumi config set --secret" in message
    assert "pm-secret-value" not in message


def test_the_same_id_in_two_environments_is_two_prompts():
    prompts = parsed([{"id": "greet", "template": "Hi"}, {"id": "greet", "environment": "staging",
                                                         "template": "Hello"}]).prompts
    assert [(p.id, p.environment) for p in prompts] == [("greet", None), ("greet", "staging")]


def test_keys_and_teams_name_prompts_only_with_litellm_enterprise():
    config = {"prompts": [{"id": "greet", "template": "Hi"}, {"id": "greet", "environment": "production",
                                                             "template": "Hello"}],
              "teams": [{"alias": "ml", "prompts": ["greet"]}], "keys": [{"alias": "k", "prompts": ["greet", "nope"]}]}
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(config, {"prompts"})
    message = str(raised.value)
    assert "litemaas:teams[0].prompts: is a LiteLLM Enterprise feature in 1.108.7" in message
    assert "litemaas:keys[0].prompts: names prompt(s) the stack does not declare: nope; declared prompts: greet" \
        in message
    stack = parse_stack_config({**config, "keys": [{"alias": "k", "prompts": ["greet"]}], "litellmEnterprise": True},
                               {"prompts"})
    assert stack.teams[0].prompts == ("greet",) and stack.keys[0].prompts == ("greet",)
