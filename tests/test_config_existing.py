"""`existing`: teams, users, budgets and models named without being owned; what references may name, and the
refusals (one form per entry, named once, not also declared), each naming its key path."""

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}]
EXISTING = {"teams": [{"alias": "ml-platform"}, {"id": "team-0042"}], "users": [{"id": "carol"},
            {"email": "dave@example.com"}], "budgets": [{"name": "gold"}], "models": [{"name": "gpt-4o"}]}


def parsed(**values):
    return parse_stack_config({"models": MODELS, "existing": EXISTING, **values}, {"models"})


def error_of(**values) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(**values)
    return str(raised.value)


def test_existing_objects_are_read_with_how_they_are_named_and_their_key_path():
    existing = parsed().existing
    assert [(r.kind, r.by, r.value, r.key) for r in existing.all] == [
        ("team", "alias", "ml-platform", "existing.teams[0].alias"), ("team", "id", "team-0042", "existing.teams[1].id"),
        ("user", "id", "carol", "existing.users[0].id"), ("user", "email", "dave@example.com", "existing.users[1].email"),
        ("budget", "name", "gold", "existing.budgets[0].name"), ("model", "name", "gpt-4o", "existing.models[0].name")]


def test_keys_and_members_may_name_existing_objects():
    config = parsed(
        users=[{"id": "alice"}],
        teams=[{"alias": "own", "models": ["granite", "gpt-4o"],
                "members": [{"user": "dave@example.com"}, {"user": "alice"}]}],
        keys=[{"alias": "k1", "team": "ml-platform", "user": "carol", "budget": "gold", "models": ["gpt-4o"]},
              {"alias": "k2", "team": "team-0042", "user": "dave@example.com"},
              {"alias": "k3", "team": "own", "models": ["gpt-4o"]}],
        customers=[{"id": "acme", "budget": "gold"}])
    k1, k2, _ = config.keys
    assert (k1.team, k1.user, k1.budget, k1.models) == ("ml-platform", "carol", "gold", ("gpt-4o",))
    assert (k2.team, k2.user) == ("team-0042", "dave@example.com")
    assert [(m.user, m.managed) for m in config.teams[0].members] == [("dave@example.com", False), ("alice", True)]


@pytest.mark.parametrize("values, key_path, fix", [
    ({"keys": [{"alias": "k", "team": "ml-plat"}]}, "litemaas:keys[0].team",
     "existing teams (`existing.teams`): ml-platform, team-0042"),
    ({"keys": [{"alias": "k", "user": "erin"}]}, "litemaas:keys[0].user", "existing users (`existing.users`): carol"),
    ({"keys": [{"alias": "k", "budget": "silver"}]}, "litemaas:keys[0].budget", "gold"),
    ({"keys": [{"alias": "k", "models": ["gpt-5"]}]}, "litemaas:keys[0].models", "gpt-5"),
    ({"teams": [{"alias": "ml-platform"}]}, "litemaas:existing.teams[0].alias",
     "is also declared in `teams` of this stack, which owns (and would delete) it"),
    ({"teams": [{"alias": "t", "id": "team-0042"}]}, "litemaas:existing.teams[1].id", "also declared in `teams`"),
    ({"users": [{"id": "carol"}]}, "litemaas:existing.users[0].id", "also declared in `users`"),
    ({"users": [{"id": "d", "email": "dave@example.com"}]}, "litemaas:existing.users[1].email", "also declared"),
    ({"budgets": [{"name": "gold"}]}, "litemaas:existing.budgets[0].name", "also declared in `budgets`"),
    ({"models": [*MODELS, {"name": "gpt-4o", "model": "openai/gpt-4o"}]}, "litemaas:existing.models[0].name",
     "also declared in `models`"),
])
def test_references_outside_the_stack_and_existing_are_refused(values, key_path, fix):
    text = error_of(**values)
    assert f"{key_path}:" in text and fix in text, text


@pytest.mark.parametrize("existing, key_path, fix", [
    ({"teams": [{"alias": "a", "id": "b"}]}, "litemaas:existing.teams[0].alias", "exactly one of alias or id"),
    ({"teams": [{}]}, "litemaas:existing.teams[0].alias", "exactly one of alias or id"),
    ({"users": [{"alias": "x"}]}, "litemaas:existing.users[0].alias", "unknown"),
    ({"budgets": [{"name": "gold"}, {"name": "gold"}]}, "litemaas:existing.budgets[1].name", "name each existing"),
    ({"groups": []}, "litemaas:existing.groups", "unknown"),
])
def test_existing_entries_are_checked(existing, key_path, fix):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"existing": existing})
    text = str(raised.value)
    assert f"{key_path}:" in text and fix.lower() in text.lower(), text


def test_a_key_naming_an_unknown_team_is_told_about_existing():
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"keys": [{"alias": "k", "team": "ml-platform"}]})
    assert "to name one the stack does not own, list it under `existing.teams`" in str(raised.value)


def test_a_tenant_stack_names_a_team_of_the_platform():
    from config.tenant import PlatformConfig

    config = parse_stack_config({"platformStack": "org/litemaas/platform", "existing": {"teams": [{"alias": "shared"}]},
                                 "keys": [{"alias": "k", "team": "shared", "models": ["granite"]}]},
                                tenant_of=PlatformConfig("org/litemaas/platform", models=frozenset({"granite"})))
    assert config.existing.names("teams") == {"shared"} and config.keys[0].team == "shared"
