"""`users[]` and `keys[].user`: typed config, and every mistake reported at preview with the key path and the fix."""

import pytest

from config import ConfigError, UserConfig, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
           "apiBase": "https://granite.apps.example.com/v1"}]
ALICE = {"id": "alice", "email": "alice@example.com", "role": "internal_user", "maxBudget": 20,
         "budgetDuration": "30d", "models": ["granite-8b-instruct"], "metadata": {"cost_center": "42"},
         "alias": "Alice A.", "tpmLimit": 1000, "rpmLimit": 10, "maxParallelRequests": 2}


def test_users_and_the_keys_that_name_them_are_typed():
    config = parse_stack_config({"models": MODELS, "users": [ALICE, {"id": "bob"}], "keys": [
        {"alias": "alice-laptop", "user": "alice"}, {"alias": "ci", "userId": "svc-ci"}]})
    assert config.users == (
        UserConfig(id="alice", email="alice@example.com", role="internal_user", max_budget=20.0,
                   budget_duration="30d", models=("granite-8b-instruct",), metadata={"cost_center": "42"},
                   alias="Alice A.", tpm_limit=1000, rpm_limit=10, max_parallel_requests=2),
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
    ({"users": [{"id": "a", "tpmLimit": 1.5}]}, "litemaas:users[0].tpmLimit", "whole number"),
    ({"users": [{"id": "a", "maxParallelRequests": 0}]}, "litemaas:users[0].maxParallelRequests", "1 or more"),
    ({"users": [{"id": "a"}], "teams": [{"alias": "t", "blocked": "yes"}]}, "litemaas:teams[0].blocked", "true or false"),
    ({"users": [{"id": "alice"}], "keys": [{"alias": "k", "user": "bob"}]}, "litemaas:keys[0].user",
     "declared users: alice (use userId for a user the stack does not manage)"),
    ({"users": [{"id": "alice"}], "keys": [{"alias": "k", "user": "alice", "userId": "alice"}]},
     "litemaas:keys[0].user", "conflicts with userId"),
])
def test_user_errors_name_the_key_and_the_fix(values, key_path, fix):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values)
    assert f"{key_path}:" in str(raised.value) and fix in str(raised.value)


def test_a_team_is_blocked_only_when_the_config_says_so():
    config = parse_stack_config({"teams": [{"alias": "t"}, {"alias": "u", "blocked": True}]})
    assert [t.blocked for t in config.teams] == [False, True]


def test_team_members_are_a_set_of_users():
    from config import MemberConfig

    config = parse_stack_config({"users": [{"id": "alice"}], "teams": [{"alias": "ml", "members": [
        {"user": "alice", "maxBudgetInTeam": 5}, {"user": "svc-ci", "role": "user"}]}]})
    assert config.teams[0].members == (MemberConfig(user="alice", max_budget_in_team=5.0, managed=True),
                                       MemberConfig(user="svc-ci", role="user"))
    licensed = parse_stack_config({"litellmEnterprise": True, "teams": [{"alias": "ml", "members": [
        {"user": "alice", "role": "admin"}]}]})
    assert licensed.teams[0].members[0].role == "admin"


@pytest.mark.parametrize("values, key_path, fix", [
    ({"teams": [{"alias": "ml", "members": [{"role": "user"}]}]}, "litemaas:teams[0].members[0].user", "is required"),
    ({"teams": [{"alias": "ml", "members": [{"user": "a"}, {"user": "a"}]}]}, "litemaas:teams[0].members[1].user",
     "duplicate team member"),
    ({"teams": [{"alias": "ml", "members": [{"user": "a", "role": "owner"}]}]}, "litemaas:teams[0].members[0].role",
     "use user (or admin"),
    ({"teams": [{"alias": "ml", "members": [{"user": "a", "role": "admin"}]}]}, "litemaas:teams[0].members[0].role",
     "pulumi config set litellmEnterprise true"),
    ({"teams": [{"alias": "ml", "members": [{"user": "a", "maxBudgetInTeam": -2}]}]},
     "litemaas:teams[0].members[0].maxBudgetInTeam", "0 or more"),
    ({"teams": [{"alias": "ml", "members": [{"user": "a", "budget": 2}]}]},
     "litemaas:teams[0].members[0].budget", "known keys: user, role, maxBudgetInTeam"),
])
def test_member_errors_name_the_key_and_the_fix(values, key_path, fix):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values)
    assert f"{key_path}:" in str(raised.value) and fix in str(raised.value)
