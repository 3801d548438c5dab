"""`platformStack`: a tenant stack's config, checked against the platform's model, access-group and grantable names
(MCP servers, vector stores, MCP toolsets, search tools, unified access groups), and the platform's ids in the
tenant's grants."""

from __future__ import annotations

import pulumi
import pytest

from config import ConfigError, parse_stack_config
from config.access_groups import AccessGroupConfig
from config.tenant import PlatformConfig
from tests.support.catalog_mocks import build
from tests.support.pulumi_program import plain

# As resolve.platform reads them from the platform's outputs: {name: the id a grant carries}.
GRANTABLES = {"mcpServers": {"docs": "docs-server-id"}, "vectorStores": {"manuals": "manuals"},
              "mcpToolsets": {"readers": "toolset-uuid-1"}, "searchTools": {"web": "web"},
              "unifiedAccessGroups": {"research": "group-uuid-1"}}
PLATFORM = PlatformConfig("organization/litemaas/platform", models=frozenset({"granite", "mistral"}),
                          access_groups=(AccessGroupConfig("chat", ("granite",)),), grantables=GRANTABLES)


def tenant(**values):
    return parse_stack_config({"platformStack": PLATFORM.stack, **values}, tenant_of=PLATFORM)


def test_a_tenant_declares_teams_and_keys_on_the_platforms_models_and_groups():
    config = tenant(teams=[{"alias": "course", "models": ["granite"]}],
                    keys=[{"alias": "a1", "team": "course", "models": ["granite"]},
                          {"alias": "a2", "models": ["mistral"], "accessGroups": ["chat"]}])
    assert config.tenant_of is PLATFORM and not config.deploy_gateway
    assert [k.alias for k in config.keys] == ["a1", "a2"]
    assert config.access_groups.keys == {"a2": ("chat",)}
    assert config.models == () and config.gateway_url is None and config.master_key is None


@pytest.mark.parametrize("key, value", [("models", [{"name": "x", "model": "openai/x"}]), ("namespace", "ns"),
                                        ("gatewayUrl", "https://g.example.com"), ("monitoring", {"enabled": True}),
                                        ("accessGroups", [{"name": "g", "models": ["granite"]}])])
def test_a_platform_setting_in_a_tenant_is_refused_naming_the_key(key, value):
    with pytest.raises(ConfigError) as refused:
        tenant(**{key: value})
    assert f"litemaas:{key}: is a platform setting; a tenant stack (platformStack " \
           f"'organization/litemaas/platform')" in str(refused.value)
    assert f"`pulumi config rm {key}`" in str(refused.value)


def test_a_model_the_platform_does_not_serve_is_refused_with_the_key_path():
    with pytest.raises(ConfigError) as refused:
        tenant(keys=[{"alias": "a1", "models": ["granite"]}, {"alias": "a2", "models": ["llama"]}])
    message = str(refused.value)
    assert "litemaas:keys[1].models: names model(s) the stack does not declare: llama; declared models: " \
           "granite, mistral" in message
    assert "keys[0]" not in message


def test_an_access_group_the_platform_does_not_declare_is_refused():
    with pytest.raises(ConfigError) as refused:
        tenant(keys=[{"alias": "a1", "accessGroups": ["vision"]}])
    assert "litemaas:keys[0].accessGroups: names access group(s) the stack does not declare: vision; declared " \
           "access groups: chat" in str(refused.value)


# (config key, an unknown name's message: what the platform has)
UNKNOWN_GRANTS = [("mcpServers", "names MCP server(s) the stack does not declare: wiki; declared mcpServers: docs"),
                  ("vectorStores", "names vector store(s) the stack does not declare: wiki; declared vector stores: "
                                   "manuals"),
                  ("mcpToolsets", "names MCP toolset(s) the stack does not declare: wiki; declared MCP toolsets: "
                                  "readers"),
                  ("searchTools", "names search tool(s) the stack does not declare: wiki; declared search tools: web"),
                  ("unifiedAccessGroups", "names unified access group(s) the stack does not declare: wiki; declared "
                                          "unified access groups: research")]


@pytest.mark.parametrize("key, message", UNKNOWN_GRANTS, ids=[k for k, _ in UNKNOWN_GRANTS])
def test_a_key_granted_what_the_platform_lacks_is_refused_with_the_key_path(key, message):
    with pytest.raises(ConfigError) as refused:
        tenant(keys=[{"alias": "a1", "models": ["granite"]}, {"alias": "a2", key: ["wiki"]}])
    assert f"litemaas:keys[1].{key}: {message}" in str(refused.value)
    assert "keys[0]" not in str(refused.value)


# A team is granted an MCP server by the server's `teams`, a platform setting.
@pytest.mark.parametrize("key, message", UNKNOWN_GRANTS[1:], ids=[k for k, _ in UNKNOWN_GRANTS[1:]])
def test_a_team_granted_what_the_platform_lacks_is_refused_with_the_key_path(key, message):
    with pytest.raises(ConfigError) as refused:
        tenant(teams=[{"alias": "course", key: ["wiki"]}])
    assert f"litemaas:teams[0].{key}: {message}" in str(refused.value)


def platform_grants():
    """Every platform grantable, on a team and on a key."""
    return {key: list(names) for key, names in GRANTABLES.items()}


def test_a_tenant_grants_the_platforms_objects_by_name():
    team_grants = {k: v for k, v in platform_grants().items() if k != "mcpServers"}
    config = tenant(teams=[{"alias": "course", **team_grants}], keys=[{"alias": "a1", **platform_grants()}])
    key, team = config.keys[0], config.teams[0]
    assert (key.mcp_servers, key.vector_stores, key.mcp_toolsets, key.search_tools, key.unified_access_groups) == \
        (("docs",), ("manuals",), ("readers",), ("web",), ("research",))
    assert (team.vector_stores, team.mcp_toolsets, team.search_tools, team.unified_access_groups) == \
        (("manuals",), ("readers",), ("web",), ("research",))


@pulumi.runtime.test
def test_the_tenants_grants_carry_the_platforms_ids_and_wait_for_nothing_it_owns(catalog_mocks):
    team_grants = {k: v for k, v in platform_grants().items() if k != "mcpServers"}
    config = tenant(teams=[{"alias": "course", **team_grants}], keys=[{"alias": "a1", **platform_grants()}])
    gateway, catalog = build(catalog_mocks, models=(), teams=config.teams, keys=config.keys,
                             platform_grantables=PLATFORM.grantables)
    ids = {"vector_stores": ["manuals"], "mcp_toolsets": ["toolset-uuid-1"], "search_tools": ["web"],
           "access_group_ids": ["group-uuid-1"]}

    def check(gateway_urn):
        key, team = (plain(catalog_mocks.seen[name].inputs) for name in ("catalog-key-a1", "catalog-team-course"))
        assert {name: key[name] for name in [*ids, "mcp_servers"]} == {**ids, "mcp_servers": ["docs-server-id"]}
        assert {name: team[name] for name in ids} == ids
        assert catalog_mocks.wire["catalog-team-course"][1] == catalog_mocks.wire["catalog-key-a1"][1] == [gateway_urn]

    return pulumi.Output.all(gateway.urn, catalog.teams["course"].urn, catalog.keys["a1"].urn).apply(
        lambda urns: check(urns[0]))


PLATFORM_CONFIG = {
    "deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": "sk-master-0123",
    "models": [{"name": "granite", "model": "openai/granite"}],
    "credentials": [{"name": "store", "values": {"api_key": "sk-store-0001"}}],
    "mcpServers": [{"name": "docs", "url": "https://docs.example.com/mcp", "id": "docs-server-id"}],
    "vectorStores": [{"id": "manuals", "provider": "openai", "credential": "store"}],
    "mcpToolsets": [{"name": "readers", "tools": [{"server": "docs", "tool": "read"}]}],
    "searchTools": [{"name": "web", "provider": "perplexity"}],
    "unifiedAccessGroups": [{"name": "research", "models": ["granite"]}]}


def test_the_platform_exports_each_grantable_by_name_with_the_id_a_grant_carries(mocked):
    run = mocked.run(PLATFORM_CONFIG, ("masterKey", "credentials"))
    assert {section: run.exports[section] for section in GRANTABLES} == {
        "mcpServers": {"docs": "docs-server-id"}, "vectorStores": {"manuals": "manuals"},
        "mcpToolsets": {"readers": "catalog-mcp-toolset-readers-uuid"}, "searchTools": {"web": "web"},
        "unifiedAccessGroups": {"research": "uuid-of-catalog-uag-research"}}
    assert not set(GRANTABLES) & run.secret_exports
    # A stack that declares none exports none, as with accessGroups.
    bare = mocked.run({k: v for k, v in PLATFORM_CONFIG.items() if k in ("deployGateway", "gatewayUrl", "masterKey")},
                      ("masterKey",))
    assert not set(GRANTABLES) & set(bare.exports)
