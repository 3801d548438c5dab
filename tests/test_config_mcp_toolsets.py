"""`mcpToolsets[]`: read from the kind's schema; each tool names one of the stack's `mcpServers[]`, with the key
path and the fix in every error."""

import pytest

from config import ConfigError, McpToolConfig, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

GATEWAY = {"deployGateway": False, "gatewayUrl": "https://litellm.example.com", "masterKey": "sk-master-0123"}
SERVERS = [{"name": "docs", "url": "https://docs.example.com/mcp"}, {"name": "wiki", "url": "https://wiki.example.com/mcp"}]


def parsed(toolsets, servers=SERVERS):
    return parse_stack_config({**GATEWAY, "mcpServers": servers, "mcpToolsets": toolsets}, {"masterKey"})


def error_of(toolsets, servers=SERVERS) -> str:
    with pytest.raises(ConfigError) as raised:
        parsed(toolsets, servers)
    return str(raised.value)


def test_toolsets_are_typed_in_declared_order():
    (research, empty) = parsed([
        {"name": "research", "description": "read-only search",
         "tools": [{"server": "wiki", "tool": "search"}, {"server": "docs", "tool": "search"},
                   {"server": "docs", "tool": "fetch_page"}]},
        {"name": "empty"}]).mcp_toolsets
    assert (research.name, research.description) == ("research", "read-only search")
    assert research.tools == (McpToolConfig("wiki", "search"), McpToolConfig("docs", "search"),
                              McpToolConfig("docs", "fetch_page"))
    assert (empty.name, empty.description, empty.tools) == ("empty", None, ())


def test_bad_toolsets_name_the_key_path_and_the_fix():
    message = error_of([
        {"name": "a", "tools": [{"server": "nope", "tool": "x"}, {"server": "docs"}, {"tool": "x"},
                                {"server": "docs", "tool": "x", "prefix": "y"}, "docs-x",
                                {"server": "docs", "tool": "search"}, {"server": "docs", "tool": "search"}],
         "colour": "red"},
        {"name": "a", "tools": {"server": "docs"}},
        {"name": "team/tools", "description": 3},
        {"description": "no name"},
    ])
    for expected in (
        "litemaas:mcpToolsets[0].tools[0].server: names an MCP server the stack does not declare: 'nope'; declared "
        "MCP servers: docs, wiki (add it under `mcpServers`)",
        "litemaas:mcpToolsets[0].tools[1].tool: is required",
        "litemaas:mcpToolsets[0].tools[2].server: is required",
        "litemaas:mcpToolsets[0].tools[3].prefix: unknown key; known keys: server, tool",
        "litemaas:mcpToolsets[0].tools[4]: must be an object, got a string",
        "litemaas:mcpToolsets[0].tools[6].tool: 'search' of MCP server 'docs' is listed twice in this toolset",
        "litemaas:mcpToolsets[0].colour: unknown key",
        "litemaas:mcpToolsets[1].name: duplicate MCP toolset name 'a'",
        "litemaas:mcpToolsets[1].tools: must be a list, got an object",
        "litemaas:mcpToolsets[2].name: 'team/tools' contains '/': LiteLLM serves the toolset at /toolset/<name>/mcp",
        "litemaas:mcpToolsets[2].description: must be a string",
        "litemaas:mcpToolsets[3].name: is required",
    ):
        assert expected in message, (expected, message)


def test_a_tool_of_a_stack_without_mcp_servers_says_none_are_declared():
    assert "declared MCP servers: none (add it under `mcpServers`)" in error_of(
        [{"name": "t", "tools": [{"server": "docs", "tool": "x"}]}], servers=[])


def test_a_tenant_stack_cannot_declare_toolsets():
    with pytest.raises(ConfigError, match=r"mcpToolsets: is a platform setting"):
        parse_stack_config({"platformStack": "org/litemaas/platform", "mcpToolsets": [{"name": "t"}]})


def test_teams_and_keys_are_granted_toolsets_by_name():
    config = parse_stack_config({**GATEWAY, "mcpServers": SERVERS, "mcpToolsets": [{"name": "research"}, {"name": "ops"}],
                                 "teams": [{"alias": "ml", "mcpToolsets": ["research", "ops"]}],
                                 "keys": [{"alias": "carol", "team": "ml", "mcpToolsets": ["research"]},
                                          {"alias": "dave", "mcpToolsets": ["ops"], "mcpServers": ["docs"]}]},
                                {"masterKey"})
    assert config.teams[0].mcp_toolsets == ("research", "ops")
    assert [(k.mcp_toolsets, k.mcp_servers) for k in config.keys] == [(("research",), ()), (("ops",), ("docs",))]


def test_bad_grants_name_the_key_path_and_the_fix():
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({**GATEWAY, "mcpServers": SERVERS, "mcpToolsets": [{"name": "research"}, {"name": "ops"}],
                            "teams": [{"alias": "ml", "mcpToolsets": ["research", "nope"]}],
                            "keys": [{"alias": "carol", "team": "ml", "mcpToolsets": ["ops"]},
                                     {"alias": "dave", "mcpToolsets": ["gone"]}]}, {"masterKey"})
    message = str(raised.value)
    for expected in (
        "litemaas:teams[0].mcpToolsets: names MCP toolset(s) the stack does not declare: nope; declared MCP "
        "toolsets: ops, research",
        # LiteLLM answers 403 for a team key's toolset outside its team's.
        "litemaas:keys[0].mcpToolsets: ops not allowed for team 'ml' (team toolsets: research, nope); add them to "
        "the team or drop them here",
        "litemaas:keys[1].mcpToolsets: names MCP toolset(s) the stack does not declare: gone; declared MCP toolsets: "
        "ops, research",
    ):
        assert expected in message, (expected, message)
