"""Toolset grants against the real LiteLLM proxy: `mcp_toolsets` of keys and teams travels in one
`object_permission` with `mcp_servers` (LiteLLM merges that object over the stored row), reads back, shows drift,
and a key granted a toolset lists exactly the toolset's tools of a live MCP server."""

from __future__ import annotations

import uuid

import pytest

from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import changed, create, key_info
from tests.support.mcp_stub import TOOL_NAMES, McpStub
from tests.support.providers import checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def suffix():
    """MCP servers and teams outlive the per-test database reset in the proxy's memory: unique names."""
    return uuid.uuid4().hex[:8]


def mcp_server(backend, name, url="http://127.0.0.1:9/mcp"):
    return backend.admin_json("POST", "/v1/mcp/server", json={"server_name": name, "url": url,
                                                               "transport": "http"})["server_id"]


def toolset(backend, name, tools=()):
    return backend.admin_json("POST", "/v1/mcp/toolset", json={"toolset_name": name, "tools": list(tools)})["toolset_id"]


def permission(info):
    found = info.get("object_permission") or {}
    return sorted(found.get("mcp_servers") or []), sorted(found.get("mcp_toolsets") or [])


def test_a_keys_toolsets_and_servers_travel_together_and_neither_drops_the_other(litellm_api, suffix):
    backend, provider = litellm_api.backend, VirtualKeyProvider()
    server = mcp_server(backend, f"tools_{suffix}")
    research, ops = toolset(backend, f"research-{suffix}"), toolset(backend, f"ops-{suffix}")
    inputs, token, outs = create(provider, litellm_api, key_alias=f"ts-{suffix}", mcp_servers=[server],
                                 mcp_toolsets=[research, ops])
    (generate,) = litellm_api.calls_to("POST", "/key/generate")
    assert generate.body["object_permission"] == {"mcp_servers": [server], "mcp_toolsets": [research, ops]}
    assert permission(key_info(backend, token)) == ([server], sorted([research, ops]))
    assert provider.diff(token, provider.read(token, outs).outs, inputs).changes is False

    # A toolset grant alone: LiteLLM merges it over the stored row, so the server grant stays.
    litellm_api.reset_calls()
    news = checked(provider, inputs, changed(inputs, mcp_toolsets=[ops]))
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"mcp_toolsets": [ops]}}
    assert permission(key_info(backend, token)) == ([server], [ops])

    # Both at once: one object, both kept.
    litellm_api.reset_calls()
    news = checked(provider, news, changed(news, mcp_servers=None, mcp_toolsets=[research]))
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"mcp_servers": [], "mcp_toolsets": [research]}}
    assert permission(key_info(backend, token)) == ([], [research])

    backend.admin_json("POST", "/key/update", json={"key": token, "object_permission": {"mcp_toolsets": [ops]}})
    read = provider.read(token, outs)
    assert read.outs["mcp_toolsets"] == [ops] and provider.diff(token, read.outs, news).changes is True


def test_a_teams_toolsets_and_servers_travel_together_and_neither_drops_the_other(litellm_api, suffix):
    backend, provider = litellm_api.backend, TeamProvider()
    server = mcp_server(backend, f"tools_{suffix}")
    research, ops = toolset(backend, f"research-{suffix}"), toolset(backend, f"ops-{suffix}")
    inputs, team_id, outs = created(provider, connection(litellm_api, team_alias=f"ts-{suffix}", team_id=f"t-{suffix}",
                                                         mcp_servers=[server], mcp_toolsets=[research]))
    (new,) = litellm_api.calls_to("POST", "/team/new")
    assert new.body["object_permission"] == {"mcp_servers": [server], "mcp_toolsets": [research]}
    info = lambda: backend.admin_json("GET", "/team/info", params={"team_id": team_id})["team_info"]  # noqa: E731
    assert permission(info()) == ([server], [research])
    assert provider.diff(team_id, provider.read(team_id, outs).outs, inputs).changes is False

    litellm_api.reset_calls()
    news = checked(provider, inputs, next_program_inputs(inputs, "team_id", mcp_toolsets=[ops, research]))
    assert provider.diff(team_id, outs, news).replaces == []
    outs = provider.update(team_id, outs, news).outs
    (patch,) = litellm_api.calls_to("PATCH", f"/team/{team_id}")
    assert patch.body == {"object_permission": {"mcp_toolsets": [ops, research]}}
    assert permission(info()) == ([server], sorted([ops, research]))

    backend.admin_json("PATCH", f"/team/{team_id}", json={"object_permission": {"mcp_toolsets": []}})
    read = provider.read(team_id, outs)
    assert "mcp_toolsets" not in read.outs and provider.diff(team_id, read.outs, news).changes is True


def tool_names(backend, raw_key):
    answer = backend.admin("GET", "/mcp-rest/tools/list", key=raw_key)
    assert answer.status_code == 200, answer.text[:300]
    return sorted(tool["name"] for tool in answer.json().get("tools") or [])


def test_a_key_granted_a_toolset_lists_only_the_toolsets_tools(litellm_api, suffix):
    backend, provider = litellm_api.backend, VirtualKeyProvider()
    name = f"stub_{suffix}"
    with McpStub() as stub:
        server = mcp_server(backend, name, stub.url)
        research = toolset(backend, f"research-{suffix}", [{"server_id": server, "tool_name": "search"}])
        raw = {}
        for label, grant in (("toolset", {"mcp_toolsets": [research]}), ("server", {"mcp_servers": [server]}),
                             ("nothing", {})):
            raw[label] = create(provider, litellm_api, key_alias=f"{label}-{suffix}", **grant)[2]["key"]
        listed = {label: tool_names(backend, key) for label, key in raw.items()}
        call = {label: backend.admin("POST", "/mcp-rest/tools/call", key=raw["toolset"], json={
            "server_id": server, "name": tool, "arguments": {"query": "x"}}) for label, tool in
            (("granted", "search"), ("outside", "read_page"))}
    # The REST listing shows the tools' own names (the MCP endpoint adds the `<server>-` prefix).
    assert listed == {"toolset": ["search"], "server": sorted(TOOL_NAMES), "nothing": []}, listed
    assert call["granted"].status_code == 200 and "search ran" in call["granted"].text, call["granted"].text[:300]
    assert call["outside"].status_code == 403, (call["outside"].status_code, call["outside"].text[:300])
