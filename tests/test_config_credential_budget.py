"""credentials[] and budgets[] (issue 9): parsing, and the references models[].credential / keys[].budget, checked at
preview with the key path and the fix."""

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")
SECRET = {"masterKey", "models", "credentials"}
CREDENTIAL = {"name": "upstream", "provider": "openai", "info": {"team": "ml"},
              "values": {"api_key": "sk-upstream-0123456789", "api_base": "https://api.example.com/v1"}}


def error_of(values, secret_keys=SECRET) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(secret_keys))
    return str(raised.value)


def test_credentials_and_budgets_are_typed_and_referenced():
    config = parse_stack_config({
        "credentials": [CREDENTIAL],
        "models": [{"name": "gpt", "model": "openai/gpt-4o", "credential": "upstream"}],
        "budgets": [{"name": "small", "maxBudget": 5, "softBudget": 4, "budgetDuration": "30d", "tpmLimit": 100,
                     "rpmLimit": 10, "maxParallelRequests": 2}],
        "keys": [{"alias": "carol", "budget": "small"}],
    }, SECRET)
    [credential], [budget] = config.credentials, config.budgets
    assert credential.name == "upstream"
    assert credential.credential_info == {"team": "ml", "custom_llm_provider": "openai"}
    assert config.models[0].credential == "upstream" and config.keys[0].budget == "small"
    assert (budget.name, budget.max_budget, budget.soft_budget, budget.budget_duration, budget.tpm_limit,
            budget.rpm_limit, budget.max_parallel_requests) == ("small", 5.0, 4.0, "30d", 100, 10, 2)


def test_unknown_references_name_the_key_path_and_the_declared_ones():
    message = error_of({
        "credentials": [CREDENTIAL], "budgets": [{"name": "small"}],
        "models": [{"name": "gpt", "model": "openai/gpt-4o", "credential": "nope"}],
        "keys": [{"alias": "carol", "budget": "big"}]})
    assert "litemaas:models[0].credential: names a credential the stack does not declare: 'nope'; declared " \
           "credentials: upstream" in message
    assert "litemaas:keys[0].budget: names a budget the stack does not declare: 'big'; declared budgets: small" \
        in message


def test_conflicts_are_refused():
    message = error_of({
        "credentials": [CREDENTIAL], "budgets": [{"name": "small"}],
        "models": [{"name": "gpt", "model": "openai/gpt-4o", "credential": "upstream", "apiKey": "sk-own"}],
        "keys": [{"alias": "carol", "budget": "small", "softBudget": 1}]})
    assert "litemaas:models[0].credential: conflicts with apiKey" in message
    assert "litemaas:keys[0].budget: conflicts with softBudget" in message


@pytest.mark.parametrize("credential, secret, expected", [
    ({"name": "c"}, SECRET, "litemaas:credentials[0].values: is required"),
    ({"name": "c", "values": {"api_key": 5}}, SECRET, "credentials[0].values: must map names to non-empty strings"),
    ({"name": "c", "values": {"api_key": "sk-x"}}, {"masterKey"}, "credentials[0].values: is stored in plain text"),
    ({"values": {"api_key": "sk-x"}}, SECRET, "credentials[0].name: is required"),
    ({"name": "c", "values": {"api_key": "sk-x"}, "provider": "openai", "info": {"custom_llm_provider": "x"}},
     SECRET, "credentials[0].info.custom_llm_provider: duplicates `provider`"),
])
def test_bad_credentials(credential, secret, expected):
    message = error_of({"credentials": [credential]}, secret)
    assert expected in message and "sk-x" not in message


@pytest.mark.parametrize("budget, expected", [
    ({"name": "b", "maxBudget": -1}, "budgets[0].maxBudget: must be 0 or more"),
    ({"name": "b", "maxBudget": 1, "softBudget": 2}, "budgets[0].softBudget: 2 is greater than maxBudget 1"),
    ({"name": "b", "budgetDuration": "monthly"}, "budgets[0].budgetDuration: 'monthly'"),
    ({"name": "b", "maxParallelRequests": 0}, "budgets[0].maxParallelRequests: must be 1 or more"),
    ({"name": "b", "rpm": 1}, "budgets[0].rpm: unknown key"),
])
def test_bad_budgets(budget, expected):
    assert expected in error_of({"budgets": [budget]})


def test_duplicate_names():
    message = error_of({"credentials": [CREDENTIAL, CREDENTIAL], "budgets": [{"name": "b"}, {"name": "b"}]})
    assert "credentials[1].name: duplicate credential name 'upstream'" in message
    assert "budgets[1].name: duplicate budget name 'b'" in message
