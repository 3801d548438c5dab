"""`tags[]` and the keys that name them: errors at preview with the key path and the fix."""

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}]


def error_of(values) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"models": MODELS, **values}, {"models"})
    return str(raised.value)


def test_tags_are_typed():
    config = parse_stack_config({"models": MODELS, "tags": [
        {"name": "research", "description": "R&D", "models": ["granite"], "maxBudget": 10, "softBudget": 8,
         "rpmLimit": 60, "budgetDuration": "30d"}]}, {"models"})
    (tag,) = config.tags
    assert (tag.name, tag.description, tag.models, tag.max_budget, tag.soft_budget, tag.rpm_limit,
            tag.budget_duration) == ("research", "R&D", ("granite",), 10, 8, 60, "30d")


def test_bad_tags_name_the_key_path():
    message = error_of({"tags": [{"name": "a", "models": ["nope"], "budgetDuration": "monthly"},
                                 {"name": "a", "maxBudget": 1, "softBudget": 2, "colour": "red"}]})
    assert "litemaas:tags[0].models: names model(s) the stack does not declare: nope; declared models: granite" \
        in message
    assert "litemaas:tags[0].budgetDuration" in message and "litemaas:tags[1].name" in message
    assert "litemaas:tags[1].softBudget: 2 is greater than maxBudget 1" in message
    assert "litemaas:tags[1].colour" in message


def test_tags_on_keys_need_the_licence_and_a_declared_tag():
    tags = [{"name": "research"}]
    message = error_of({"tags": tags, "keys": [{"alias": "alice", "tags": ["research"]}]})
    assert "litemaas:keys[0].tags: is a LiteLLM Enterprise feature" in message and "litellmEnterprise true" in message
    message = error_of({"tags": tags, "litellmEnterprise": True, "keys": [{"alias": "alice", "tags": ["ops"]}]})
    assert "litemaas:keys[0].tags: names tag(s) the stack does not declare: ops; declared tags: research" in message
    assert "Enterprise" not in message
    config = parse_stack_config({"tags": tags, "litellmEnterprise": True,
                                 "keys": [{"alias": "alice", "tags": ["research"]}]})
    assert config.keys[0].tags == ("research",)


def test_tags_and_guardrails_on_teams_need_the_licence_and_declared_names():
    message = error_of({"tags": [{"name": "research"}], "teams": [{"alias": "ml", "tags": ["research"],
                                                                   "guardrails": ["cf"]}]})
    assert "litemaas:teams[0].tags: is a LiteLLM Enterprise feature" in message
    assert "litemaas:teams[0].guardrails: is a LiteLLM Enterprise feature" in message
    assert "litemaas:teams[0].guardrails: names guardrail(s) the stack does not declare: cf; declared guardrails: " \
        "none" in message
    config = parse_stack_config({"tags": [{"name": "research"}], "litellmEnterprise": True,
                                 "teams": [{"alias": "ml", "tags": ["research"]}]})
    assert config.teams[0].tags == ("research",)
