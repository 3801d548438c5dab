"""`unifiedAccessGroups[]` and the holders' `unifiedAccessGroups`: typed values, references checked at preview (LiteLLM
stores any model name), one error naming the key path and the fix."""

from __future__ import annotations

import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

MODELS = [{"name": "granite", "model": "openai/granite"}, {"name": "mistral", "model": "openai/mistral"}]
SERVERS = [{"name": "docs", "url": "http://docs:8080/sse"}]
GROUP = {"name": "research", "description": "models and tools of the research teams", "models": ["granite"],
         "mcpServers": ["docs"]}


def parsed(groups, teams=(), keys=()):
    return parse_stack_config({"models": MODELS, "mcpServers": SERVERS, "unifiedAccessGroups": groups,
                               "teams": list(teams), "keys": list(keys)}, {"models"})


def error_of(groups, teams=(), keys=()) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(groups, teams, keys)
    return str(raised.value)


def test_groups_and_their_holders_are_typed():
    config = parsed([GROUP, {"name": "plain"}], teams=[{"alias": "ml", "unifiedAccessGroups": ["research"]}],
                    keys=[{"alias": "bob", "unifiedAccessGroups": ["research", "plain"]}, {"alias": "carol"}])
    research, plain = config.unified_access_groups
    assert (research.name, research.description, research.models, research.mcp_servers) == \
        ("research", "models and tools of the research teams", ("granite",), ("docs",))
    assert (plain.description, plain.models, plain.mcp_servers) == (None, (), ())
    assert config.teams[0].unified_access_groups == ("research",)
    assert [k.unified_access_groups for k in config.keys] == [("research", "plain"), ()]


def test_model_access_groups_stay_as_they_were():
    config = parse_stack_config({"models": MODELS, "accessGroups": [{"name": "fast", "models": ["granite"]}],
                                 "unifiedAccessGroups": [GROUP], "mcpServers": SERVERS,
                                 "teams": [{"alias": "ml", "accessGroups": ["fast"],
                                            "unifiedAccessGroups": ["research"]}]}, {"models"})
    assert config.access_groups.teams == {"ml": ("fast",)} and config.teams[0].unified_access_groups == ("research",)


@pytest.mark.parametrize("groups, teams, keys, key_path, fix", [
    ([{**GROUP, "models": ["nope"]}], (), (), "unifiedAccessGroups[0].models",
     "names model(s) the stack does not declare: nope; declared models: granite, mistral"),
    ([{**GROUP, "mcpServers": ["wiki"]}], (), (), "unifiedAccessGroups[0].mcpServers",
     "names MCP server(s) the stack does not declare: wiki; declared MCP servers: docs"),
    ([GROUP, GROUP], (), (), "unifiedAccessGroups[1].name", "duplicate unified access group name 'research'"),
    ([{"description": "no name"}], (), (), "unifiedAccessGroups[0].name", "is required"),
    ([{**GROUP, "teams": ["ml"]}], (), (), "unifiedAccessGroups[0].teams",
     "unknown key"),  # membership is the holders' (teams[].unifiedAccessGroups), never the group's
    ([{**GROUP, "models": "granite"}], (), (), "unifiedAccessGroups[0].models", "must be a list"),
    ([GROUP], [{"alias": "ml", "unifiedAccessGroups": ["reserch"]}], (), "teams[0].unifiedAccessGroups",
     "names unified access group(s) the stack does not declare: reserch; declared unified access groups: research"),
    ([GROUP], (), [{"alias": "bob", "unifiedAccessGroups": ["other"]}], "keys[0].unifiedAccessGroups",
     "names unified access group(s) the stack does not declare: other"),
    ([], (), [{"alias": "bob", "unifiedAccessGroups": ["research"]}], "keys[0].unifiedAccessGroups",
     "declared unified access groups: none"),
])
def test_errors_name_the_key_and_the_fix(groups, teams, keys, key_path, fix):
    message = error_of(groups, teams, keys)
    assert f"litemaas:{key_path}:" in message and fix in message, message


def test_a_tenant_stack_declares_no_unified_access_groups():
    from config.tenant import PlatformConfig

    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"platformStack": "org/litemaas/prod", "unifiedAccessGroups": [GROUP],
                            "teams": [{"alias": "ml", "unifiedAccessGroups": ["research"]}]},
                           tenant_of=PlatformConfig("org/litemaas/prod", models=("granite",)))
    message = str(raised.value)
    assert "litemaas:unifiedAccessGroups:" in message and "litemaas:teams[0].unifiedAccessGroups:" in message, message
