"""`mcpServers[]`: MCP servers behind the LiteLLM gateway (`litellm:McpServer`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Optional

import pulumi

from config.reader import Reader, list_items, secret_string, unique
from litemaas_common.litellm_vocabulary import MCP_AUTH_TYPES as AUTH_TYPES, MCP_TRANSPORTS as TRANSPORTS, \
    mcp_name_problem, mcp_url_problem

# No static headers: LiteLLM returns their values in clear, so they are no place for a token (use authValue).
MCP_SERVER_KEYS = ["name", "alias", "url", "transport", "authType", "authValue", "description", "id", "teams"]


@dataclass(frozen=True)
class McpServerConfig:
    """An MCP server (`mcpServers[]`): its tools are offered as `<name>-<tool>` on the gateway."""

    name: str
    url: str
    alias: Optional[str] = None
    transport: Optional[str] = None  # None: LiteLLM's default, sse
    auth_type: Optional[str] = None
    auth_value: Optional[pulumi.Output[str]] = None  # secret
    description: Optional[str] = None
    id: Optional[str] = None
    teams: tuple[str, ...] = ()  # aliases of the stack's teams that may use the server


def _choice(allowed: tuple[str, ...], extra: str = ""):
    return lambda v: None if v in allowed else f"is not supported; use one of {', '.join(allowed)}{extra}"


def parse_mcp_servers(top: Reader, stored_as_secret: bool, teams: Collection[str]) -> tuple[McpServerConfig, ...]:
    servers = []
    # LiteLLM refuses a name or alias another server already has as name or alias, ignoring case.
    prefixes: dict[str, str] = {}
    ids: dict[str, str] = {}
    for item in list_items(top, "mcpServers", MCP_SERVER_KEYS):
        name = item.string("name", required=True, check=mcp_name_problem)
        alias = item.string("alias", check=mcp_name_problem)
        for key, value in (("name", name), ("alias", alias)):
            unique(item, key, value.lower() if value else None, prefixes, "MCP server name or alias (ignoring case)")
        server_id = item.string("id")
        unique(item, "id", server_id, ids, "MCP server id")
        auth_type = item.string("authType", check=_choice(AUTH_TYPES, " (OAuth and AWS auth are not supported)"))
        auth_value = secret_string(item, "authValue", stored_as_secret)
        if auth_value is not None and auth_type in (None, "none"):
            item.fail_key("authValue", "is sent only with an authType; set authType (e.g. bearer_token) or drop it")
        granted = item.string_list("teams")
        unknown = [t for t in granted if t not in teams]
        if unknown:
            item.fail_key("teams", f"names team(s) the stack does not declare: {', '.join(unknown)}; declared teams: "
                          f"{', '.join(sorted(teams)) or 'none'}")
        servers.append(McpServerConfig(
            name=name or "", alias=alias,
            url=item.string("url", "", required=True, check=mcp_url_problem) or "",
            transport=item.string("transport", check=_choice(
                TRANSPORTS, " (stdio runs a command on the gateway pod, which a stack cannot declare)")),
            auth_type=auth_type, auth_value=auth_value, description=item.string("description"), id=server_id,
            teams=granted,
        ))
    return tuple(servers)

