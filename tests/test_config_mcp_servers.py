"""`mcpServers[]` in the stack config: typed values, and one error naming the key path and the fix."""

from __future__ import annotations

import pulumi
import pytest

from config import ConfigError, parse_stack_config

# Secret config values become Outputs, which need the event loop the mocks fixture provides.
pytestmark = pytest.mark.usefixtures("mocked")

SERVER = {"name": "github_tools", "url": "https://mcp.example.com/mcp", "transport": "http",
          "authType": "bearer_token", "authValue": "ghp-secret-token-value", "description": "GitHub"}


def error_of(servers, secret_keys=("mcpServers",)) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"mcpServers": servers, "teams": [{"alias": "ml"}]}, set(secret_keys))
    return str(raised.value)


def test_servers_are_typed_and_the_auth_value_secret():
    (server,) = parse_stack_config({"mcpServers": [{**SERVER, "alias": "gh", "id": "srv_1"}]},
                                   {"mcpServers"}).mcp_servers
    assert (server.name, server.alias, server.url, server.transport, server.auth_type, server.description,
            server.id) == ("github_tools", "gh", "https://mcp.example.com/mcp", "http", "bearer_token", "GitHub",
                           "srv_1")
    assert isinstance(server.auth_value, pulumi.Output)
    minimal = parse_stack_config({"mcpServers": [{"name": "t", "url": "http://tools:8080/sse"}]}).mcp_servers[0]
    assert (minimal.transport, minimal.auth_type, minimal.auth_value, minimal.alias) == (None, None, None, None)


@pytest.mark.parametrize("servers, key_path, fix", [
    ([{**SERVER, "name": "github-tools"}], "mcpServers[0].name", "use '_' instead (e.g. 'github_tools')"),
    ([{**SERVER, "alias": "g h"}], "mcpServers[0].alias", "use letters, digits, '_' and '.' only"),
    ([{**SERVER, "url": "mcp.example.com"}], "mcpServers[0].url", "use e.g. https://mcp.example.com/mcp"),
    ([{"name": "t"}], "mcpServers[0].url", "is required"),
    ([{**SERVER, "transport": "stdio"}], "mcpServers[0].transport", "stdio runs a command on the gateway pod"),
    ([{**SERVER, "authType": "oauth2"}], "mcpServers[0].authType", "OAuth and AWS auth are not supported"),
    ([{**SERVER, "authType": None}], "mcpServers[0].authValue", "set authType (e.g. bearer_token)"),
    ([SERVER, {**SERVER, "name": "GitHub_Tools"}], "mcpServers[1].name", "ignoring case"),
    ([SERVER, {**SERVER, "name": "other", "alias": "GITHUB_TOOLS"}], "mcpServers[1].alias", "already used by "
     "mcpServers[0].name"),
    ([{**SERVER, "id": "a"}, {**SERVER, "name": "b", "id": "a"}], "mcpServers[1].id", "duplicate MCP server id"),
    ([{**SERVER, "staticHeaders": {"X-Token": "t"}}], "mcpServers[0].staticHeaders", "unknown key"),
    ([{**SERVER, "teams": ["ml", "ops"]}], "mcpServers[0].teams", "does not declare: ops; declared teams: ml"),
])
def test_errors_name_the_key_and_the_fix(servers, key_path, fix):
    message = error_of(servers)
    assert f"litemaas:{key_path}:" in message and fix in message, message


def test_an_auth_value_in_plain_text_is_refused_and_never_echoed():
    message = error_of([SERVER], secret_keys=())
    assert "litemaas:mcpServers[0].authValue: is stored in plain text" in message
    assert "pulumi config set --secret --path mcpServers[0].authValue" in message
    assert SERVER["authValue"] not in message


def test_teams_granted_a_server_are_the_stacks_teams():
    config = parse_stack_config({"teams": [{"alias": "ml"}], "mcpServers": [{**SERVER, "teams": ["ml"]}]},
                                {"mcpServers"})
    assert config.mcp_servers[0].teams == ("ml",)


def test_keys_name_the_servers_they_may_use():
    config = parse_stack_config({"mcpServers": [SERVER], "keys": [{"alias": "k", "mcpServers": ["github_tools"]}]},
                                {"mcpServers"})
    assert config.keys[0].mcp_servers == ("github_tools",)
    with pytest.raises(ConfigError) as raised:
        parse_stack_config({"mcpServers": [SERVER], "keys": [{"alias": "k", "mcpServers": ["github-tools"]}]},
                           {"mcpServers"})
    assert "litemaas:keys[0].mcpServers: names MCP server(s) the stack does not declare: github-tools; declared " \
        "mcpServers: github_tools" in str(raised.value)
