"""`mcpToolsets[]`: named sets of MCP tools (`litellm:McpToolset`, fields: kinds/declarations.py); each tool names
one of the stack's `mcpServers[]`, checked here because LiteLLM stores any server id it is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Sequence

from config.kind_reader import check_reference, read_entries
from config.reader import Reader, list_items
from kinds.declarations import MCP_TOOLSET

MCP_TOOLSET_KEYS = MCP_TOOLSET.config_keys
TOOL_KEYS = ("server", "tool")


@dataclass(frozen=True)
class McpToolConfig:
    """One tool of a toolset: an `mcpServers[]` name and the tool's own name (without the server's prefix)."""

    server: str
    tool: str


McpToolsetConfig = MCP_TOOLSET.config_class(
    "McpToolsetConfig", __name__, "An MCP toolset (`mcpToolsets[]`): a name and the MCP tools it groups; keys and "
    "teams are granted it by name.")


def parse_mcp_toolsets(top: Reader, servers: Collection[str]) -> tuple[Any, ...]:
    toolsets = []
    for item, values in read_entries(top, MCP_TOOLSET, custom={"tools"}):
        if values["name"] and "/" in values["name"]:
            item.fail_key("name", f"{values['name']!r} contains '/': LiteLLM serves the toolset at "
                          "/toolset/<name>/mcp; choose a name without it")
        toolsets.append(McpToolsetConfig(**values, tools=_tools(item, servers)))
    return tuple(toolsets)


def check_team_grants(top: Reader, teams: Sequence[Any], toolsets: Collection[str]) -> None:
    """`teams[N].mcpToolsets` names declared toolsets (teams are read before the toolsets, which follow the MCP
    servers that name teams)."""
    for index, team in enumerate(teams):
        if team.mcp_toolsets:
            check_reference(top, f"teams[{index}].mcpToolsets", team.mcp_toolsets, toolsets, "mcpToolsets")


def _tools(toolset: Reader, servers: Collection[str]) -> tuple[McpToolConfig, ...]:
    tools: list[McpToolConfig] = []
    for entry in list_items(toolset, "tools", TOOL_KEYS):
        server = entry.string("server", required=True)
        tool = entry.string("tool", required=True)
        if server and server not in servers:
            entry.fail_key("server", f"names an MCP server the stack does not declare: {server!r}; declared MCP "
                           f"servers: {', '.join(sorted(servers)) or 'none'} (add it under `mcpServers`)")
        elif server and tool:
            if McpToolConfig(server, tool) in tools:
                entry.fail_key("tool", f"{tool!r} of MCP server {server!r} is listed twice in this toolset; drop one")
            else:
                tools.append(McpToolConfig(server, tool))
    return tuple(tools)
