"""`users[]` and `keys[].user`: typed config, and every mistake reported at preview with the key path and the fix."""

import pytest

from config import ConfigError, UserConfig, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
           "apiBase": "https://granite.apps.example.com/v1"}]
ALICE = {"id": "alice", "email": "alice@example.com", "role": "internal_user", "maxBudget": 20,
         "budgetDuration": "30d", "models": ["granite-8b-instruct"], "metadata": {"cost_center": "42"}}


def test_users_and_the_keys_that_name_them_are_typed():
    config = parse_stack_config({"models": MODELS, "users": [ALICE, {"id": "bob"}], "keys": [
        {"alias": "alice-laptop", "user": "alice"}, {"alias": "ci", "userId": "svc-ci"}]})
    assert config.users == (
        UserConfig(id="alice", email="alice@example.com", role="internal_user", max_budget=20.0,
                   budget_duration="30d", models=("granite-8b-instruct",), metadata={"cost_center": "42"}),
        UserConfig(id="bob"))
    assert [(k.user, k.user_id) for k in config.keys] == [("alice", None), (None, "svc-ci")]


@pytest.mark.parametrize("values, key_path, fix", [
    ({"users": [{"email": "a@example.com"}]}, "litemaas:users[0].id", "is required"),
    ({"users": [{"id": "a"}, {"id": "a"}]}, "litemaas:users[1].id", "duplicate user id"),
    ({"users": [{"id": "a", "email": "A@x.io"}, {"id": "b", "email": "a@x.io"}]}, "litemaas:users[1].email",
     "duplicate user email (case-insensitive)"),
    ({"users": [{"id": "a", "email": "alice"}]}, "litemaas:users[0].email", "e.g. alice@example.com"),
    ({"users": [{"id": "a", "role": "admin"}]}, "litemaas:users[0].role", "use one of internal_user"),
    ({"users": [{"id": "a", "maxBudget": -1}]}, "litemaas:users[0].maxBudget", "0 or more"),
    ({"users": [{"id": "a", "budgetDuration": "monthly"}]}, "litemaas:users[0].budgetDuration", "e.g. 30d"),
    ({"users": [{"id": "a", "models": ["gpt-4"]}]}, "litemaas:users[0].models", "declared models: none"),
    ({"users": [{"id": "a", "mail": "a@x.io"}]}, "litemaas:users[0].mail", "did you mean `email`"),
    ({"users": [{"id": "alice"}], "keys": [{"alias": "k", "user": "bob"}]}, "litemaas:keys[0].user",
     "declared users: alice (use userId for a user the stack does not manage)"),
    ({"users": [{"id": "alice"}], "keys": [{"alias": "k", "user": "alice", "userId": "alice"}]},
     "litemaas:keys[0].user", "conflicts with userId"),
])
def test_user_errors_name_the_key_and_the_fix(values, key_path, fix):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values)
    assert f"{key_path}:" in str(raised.value) and fix in str(raised.value)
