"""accessGroups[] and keys[]/teams[].accessGroups: typed, references checked at preview with the key path."""

import pytest

from config import parse_stack_config
from tests.support.config_errors import error_of

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}, {"name": "mistral", "model": "openai/mistral"},
          {"name": "llama", "model": "openai/llama"}]



def test_groups_and_grants_are_typed():
    config = parse_stack_config({
        "models": MODELS, "accessGroups": [{"name": "small", "models": ["granite", "mistral"]},
                                           {"name": "all", "models": ["granite", "mistral", "llama"]}],
        "teams": [{"alias": "ml", "accessGroups": ["small"]}],
        "keys": [{"alias": "alice", "team": "ml", "accessGroups": ["small"]}, {"alias": "bob", "accessGroups": ["all"]}]})
    groups = config.access_groups
    assert [(g.name, g.models) for g in groups.groups] == [("small", ("granite", "mistral")),
                                                           ("all", ("granite", "mistral", "llama"))]
    assert groups.keys == {"alice": ("small",), "bob": ("all",)} and groups.teams == {"ml": ("small",)}
    assert groups.of_model("granite") == ("all", "small") and groups.of_model("llama") == ("all",)
    assert groups.models_of(("small",)) == ("granite", "mistral")


def test_a_key_naming_an_unknown_group_lists_the_declared_ones():
    message = error_of({"models": MODELS, "accessGroups": [{"name": "small", "models": ["granite"]}],
                        "keys": [{"alias": "alice", "accessGroups": ["big"]}]})
    assert "litemaas:keys[0].accessGroups: names access group(s) the stack does not declare: big; " \
           "declared access groups: small" in message


def test_a_group_naming_an_unknown_model_lists_the_declared_ones():
    message = error_of({"models": MODELS, "accessGroups": [{"name": "small", "models": ["gpt-5"]}]})
    assert "litemaas:accessGroups[0].models: names model(s) the stack does not declare: gpt-5; " \
           "declared models: granite, llama, mistral" in message


def test_empty_groups_duplicates_model_names_and_a_second_owner_are_refused():
    assert "accessGroups[0].models: lists no models" in error_of({"models": MODELS, "accessGroups": [{"name": "x"}]})
    assert "accessGroups[1].name: duplicate access group name 'x'" in error_of(
        {"models": MODELS, "accessGroups": [{"name": "x", "models": ["llama"]}, {"name": "x", "models": ["granite"]}]})
    assert "accessGroups[0].name: 'llama' is also a model name" in error_of(
        {"models": MODELS, "accessGroups": [{"name": "llama", "models": ["llama"]}]})
    assert "models[0].modelInfo.access_groups: conflicts with accessGroups[]" in error_of(
        {"models": [{**MODELS[0], "modelInfo": {"access_groups": ["x"]}}, *MODELS[1:]],
         "accessGroups": [{"name": "small", "models": ["granite"]}]})


def test_a_key_in_a_team_may_grant_only_the_teams_groups():
    message = error_of({"models": MODELS, "accessGroups": [{"name": "small", "models": ["granite"]},
                                                           {"name": "big", "models": ["llama"]}],
                        "teams": [{"alias": "ml", "accessGroups": ["small"]}],
                        "keys": [{"alias": "alice", "team": "ml", "accessGroups": ["big"], "models": ["mistral"]}]})
    assert "litemaas:keys[0].accessGroups: big not granted to team 'ml'" in message
    assert "litemaas:keys[0].models: mistral not allowed for team 'ml'" in message
