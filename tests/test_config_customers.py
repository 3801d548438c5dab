"""`customers[]`: read from the kind's schema, with the key path and the fix in every error."""

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}, {"name": "mistral", "model": "openai/mistral"}]
BUDGETS = [{"name": "tier-1", "maxBudget": 10}]


def parsed(customers):
    return parse_stack_config({"models": MODELS, "budgets": BUDGETS, "customers": customers}, {"models"})


def error_of(customers) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(customers)
    return str(raised.value)


def test_customers_are_typed():
    (acme, solo) = parsed([{"id": "acme", "alias": "Acme", "blocked": True, "maxBudget": 5, "budgetDuration": "30d",
                            "tpmLimit": 100, "rpmLimit": 6, "allowedModelRegion": "eu", "defaultModel": "granite",
                            "models": ["granite"]},
                           {"id": "solo", "budget": "tier-1"}]).customers
    assert (acme.id, acme.alias, acme.blocked, acme.max_budget, acme.budget_duration, acme.tpm_limit, acme.rpm_limit,
            acme.allowed_model_region, acme.default_model, acme.models) == \
        ("acme", "Acme", True, 5, "30d", 100, 6, "eu", "granite", ("granite",))
    assert (solo.budget, solo.blocked, solo.max_budget, solo.models) == ("tier-1", False, None, ())


def test_bad_customers_name_the_key_path_and_the_fix():
    message = error_of([
        {"id": "a", "maxBudget": -1, "allowedModelRegion": "mars", "models": ["nope"], "colour": "red"},
        {"id": "a", "budget": "gold", "rpmLimit": 1.5, "budgetDuration": "monthly"},
        {"id": "b", "budget": "tier-1", "maxBudget": 3, "models": ["mistral"], "defaultModel": "granite"},
        {"alias": "no id"},
    ])
    for expected in (
        "litemaas:customers[0].maxBudget: must be 0 or more, got -1",
        "litemaas:customers[0].allowedModelRegion: 'mars' is not one of eu, us",
        "litemaas:customers[0].models: names model(s) the stack does not declare: nope; declared models: "
        "granite, mistral",
        "litemaas:customers[0].colour: unknown key",
        "litemaas:customers[1].id: duplicate customer id 'a'",
        "litemaas:customers[1].budget: names a budget the stack does not declare: 'gold'; declared budgets: tier-1 "
        "(add it under `budgets`)",
        "litemaas:customers[1].rpmLimit: must be a whole number, got 1.5",
        "litemaas:customers[1].budgetDuration: 'monthly' is not a duration LiteLLM accepts",
        "litemaas:customers[2].budget: conflicts with maxBudget",
        "litemaas:customers[2].defaultModel: 'granite' is not among the customer's models (mistral)",
        "litemaas:customers[3].id: is required",
    ):
        assert expected in message, (expected, message)
