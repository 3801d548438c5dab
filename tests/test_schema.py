"""The kind schema itself (kinds/schema.py): what a field declaration derives, table-driven, without a
proxy: config keys and classes, provider checks, replacements, secret outputs and the Resource's inputs."""

from __future__ import annotations

import pytest

from kinds.declarations import BUDGET, CUSTOMER, KINDS, MCP_SERVER, TEAM_MEMBER, USER
from kinds.schema import Field, camel_case, normalise_field, snake_case


@pytest.mark.parametrize("name, key", [("max_budget", "maxBudget"), ("tpm_limit", "tpmLimit"), ("models", "models"),
                                       ("max_budget_in_team", "maxBudgetInTeam")])
def test_the_config_key_is_the_camel_case_of_the_name(name, key):
    assert camel_case(name) == key and snake_case(key) == name and Field(name, "str").key == key


def test_explicit_config_keys_and_program_only_inputs():
    assert BUDGET.config_keys == ["name", "maxBudget", "softBudget", "budgetDuration", "tpmLimit", "rpmLimit",
                                  "maxParallelRequests"]
    assert TEAM_MEMBER.config_keys == ["user", "role", "maxBudgetInTeam"]  # team_id and member_id: the program's
    assert USER.field("user_email").attribute == "email"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_every_kind_is_consistent(kind):
    names = [f.name for f in kind.fields]
    assert len(names) == len(set(names)) and kind.id_field in names
    assert all(kind.field(f.at_most) for f in kind.fields if f.at_most)
    assert len(kind.config_keys) == len(set(kind.config_keys))


def test_the_config_class_has_one_attribute_per_key_and_typed_defaults():
    config = CUSTOMER.config_class("CustomerConfig", __name__, "doc")(id="acme")
    assert (config.id, config.blocked, config.models, config.max_budget) == ("acme", False, (), None)
    assert CUSTOMER.inputs(config, budget_id="tier")["budget_id"] == "tier"
    assert CUSTOMER.inputs(config)["user_id"] == "acme"


@pytest.mark.parametrize("spec, value, problem", [
    (Field("n", "int", minimum=1), 0, "n must be 1 or more, got 0"),
    (Field("n", "number", maximum=5), 6, "n must be 5 or less, got 6"),
    (Field("n", "number", exclusive_minimum=0), 0, "n must be greater than 0, got 0"),
    (Field("s", "str", choices=("a", "b")), "c", "s 'c' is not one of a, b"),
    (Field("s", "str", duration=True), "monthly", "s: "),
    (Field("s", "str", secret=True), 5, "s must be a string"),  # a secret's value is never echoed
    (Field("l", "list"), ["a", "a"], "l lists a value twice"),
    (Field("n", "int"), 1.5, "n must be a whole number, got 1.5"),
])
def test_normalise_field_refuses_with_the_fix(spec, value, problem):
    failures: list = []
    normalise_field({spec.name: value}, spec, failures)
    assert len(failures) == 1 and failures[0].reason.startswith(problem), failures[0].reason


def test_whole_floats_become_ints_and_unset_stays_unset():
    inputs, failures = {"n": 3.0}, []
    normalise_field(inputs, Field("n", "int"), failures)
    normalise_field(inputs, Field("m", "int"), failures)
    assert inputs == {"n": 3} and isinstance(inputs["n"], int) and failures == []


def test_the_provider_derives_secret_outputs_and_replacements_from_the_table():
    from dynamic_providers.mcp_server import McpServerProvider
    from dynamic_providers.team_member import TeamMemberProvider

    assert McpServerProvider.secret_outputs() == ["auth_value", "master_key"]
    assert [f.name for f in MCP_SERVER.fields if f.write_only] == ["auth_value"]
    olds = {"team_id": "t", "user_id": "u", "role": "user"}
    assert TeamMemberProvider().replacements(olds, {**olds, "user_id": "v"}) == ["user_id"]
    assert TeamMemberProvider().replacements(olds, {**olds, "role": "admin"}) == []


def test_a_soft_budget_above_its_max_budget_is_one_rule_for_every_kind():
    from dynamic_providers.budget import BudgetProvider
    from dynamic_providers.tag import TagProvider

    for provider, id_field in ((BudgetProvider(), "budget_id"), (TagProvider(), "name")):
        failures = provider.check({}, {id_field: "x", "admin_url": "http://127.0.0.1:4000", "master_key": "sk-1",
                                       "max_budget": 1, "soft_budget": 2}).failures
        assert [(f.property, f.reason) for f in failures] == [("soft_budget", "soft_budget 2 is greater than "
                                                               "max_budget 1; the soft budget is the alert threshold "
                                                               "below the hard limit")]


def test_the_resource_takes_the_declared_inputs_only():
    from dynamic_providers.budget import Budget
    from dynamic_providers.provider_base import AdminConnection

    with pytest.raises(TypeError, match=r"unknown inputs \['max_budjet'\], missing required inputs \['budget_id'\]"):
        Budget("b", connection=AdminConnection(), max_budjet=5)
