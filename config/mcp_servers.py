"""`mcpServers[]`: MCP servers behind the LiteLLM gateway (`litellm:McpServer`)."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any, Collection

from config.kind_reader import check_reference, read_entries
from config.reader import Reader, secret_string, unique
from kinds.declarations import MCP_SERVER

# No static headers: LiteLLM returns their values in clear, so they are no place for a token (use authValue).
MCP_SERVER_KEYS = [*MCP_SERVER.config_keys, "teams"]
McpServerConfig = MCP_SERVER.config_class(
    "McpServerConfig", __name__, "An MCP server (`mcpServers[]`): its tools are offered as `<name>-<tool>` on the "
    "gateway; `teams`: aliases of the stack's teams that may use it.",
    extra=(("teams", tuple[str, ...], dataclass_field(default=())),))


def parse_mcp_servers(top: Reader, stored_as_secret: bool, teams: Collection[str]) -> tuple[Any, ...]:
    servers = []
    # LiteLLM refuses a name or alias another server already has as name or alias, ignoring case.
    prefixes: dict[str, str] = {}
    for item, values in read_entries(top, MCP_SERVER, extra_keys=["teams"], custom={"auth_value"}):
        for key, value in (("name", values["name"]), ("alias", values["alias"])):
            unique(item, key, value.lower() if value else None, prefixes, "MCP server name or alias (ignoring case)")
        auth_value = secret_string(item, "authValue", stored_as_secret)
        if auth_value is not None and values["auth_type"] in (None, "none"):
            item.fail_key("authValue", "is sent only with an authType; set authType (e.g. bearer_token) or drop it")
        granted = item.string_list("teams")
        check_reference(item, "teams", granted, teams, "teams")
        servers.append(McpServerConfig(**values, auth_value=auth_value, teams=granted))
    return tuple(servers)
