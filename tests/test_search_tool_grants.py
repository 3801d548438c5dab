"""Keys and teams granted search tools (`object_permission.search_tools`, tool names) against the real LiteLLM proxy
(through the fault proxy): sent on create and update beside the MCP server grant (each kept when only the other
changes), read back as a set, drift seen, removal clears it, and `/v1/search/<tool>` refuses a tool not granted."""

from __future__ import annotations

import uuid

import pytest

from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import changed, create, key_info
from tests.support.providers import checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def uid():
    return uuid.uuid4().hex[:8]


def made_tools(backend, uid, *names):
    """Search tools and an MCP server made by hand (the grants name them); returns the tool names."""
    for name in names:
        backend.admin_json("POST", "/search_tools", json={"search_tool": {
            "search_tool_name": f"{name}-{uid}", "litellm_params": {"search_provider": "tavily",
                                                                    "api_base": "http://127.0.0.1:9"}}})
    backend.admin_json("POST", "/v1/mcp/server", json={"server_id": f"mcp_{uid}", "server_name": f"tools_{uid}",
                                                       "url": "http://127.0.0.1:9/mcp"})
    return [f"{name}-{uid}" for name in names]


def test_a_key_granted_search_tools_keeps_its_mcp_grant_and_is_refused_the_others(litellm_api, uid):
    provider, backend = VirtualKeyProvider(), litellm_api.backend
    web, docs = made_tools(backend, uid, "web", "docs")
    permission = lambda token: key_info(backend, token)["object_permission"]  # noqa: E731
    inputs, token, outs = create(provider, litellm_api, key_alias=f"search-{uid}", search_tools=[web, docs],
                                 mcp_servers=[f"mcp_{uid}"], models=None)
    (generate,) = litellm_api.calls_to("POST", "/key/generate")
    assert generate.body["object_permission"] == {"mcp_servers": [f"mcp_{uid}"], "search_tools": [web, docs]}
    assert sorted(permission(token)["search_tools"]) == [docs, web]
    assert provider.diff(token, provider.read(token, outs).outs, inputs).changes is False

    news = checked(provider, inputs, changed(inputs, search_tools=[web]))
    assert provider.diff(token, outs, news).replaces == []
    litellm_api.reset_calls()
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"search_tools": [web]}}
    assert (permission(token)["search_tools"], permission(token)["mcp_servers"]) == ([web], [f"mcp_{uid}"])

    # The raw key may search with the granted tool only (the other is refused before any provider call).
    def search(tool):
        return backend.admin("POST", f"/v1/search/{tool}", json={"query": "pulumi"}, key=outs["key"])
    assert search(docs).status_code == 403
    assert search(web).status_code != 403  # granted: LiteLLM calls the (unreachable) provider

    backend.admin_json("POST", "/key/update", json={"key": token, "object_permission": {"search_tools": [docs]}})
    assert provider.read(token, outs).outs["search_tools"] == [docs]
    provider.update(token, outs, checked(provider, news, changed(news, search_tools=None)))
    assert not permission(token)["search_tools"] and permission(token)["mcp_servers"] == [f"mcp_{uid}"]


def test_a_team_granted_search_tools_keeps_its_mcp_grant(litellm_api, uid):
    provider, backend = TeamProvider(), litellm_api.backend
    web, docs = made_tools(backend, uid, "web", "docs")
    permission = lambda team_id: backend.admin_json(  # noqa: E731
        "GET", "/team/info", params={"team_id": team_id})["team_info"]["object_permission"]
    inputs, team_id, outs = created(provider, connection(litellm_api, team_alias=f"search-{uid}",
                                                         search_tools=[web], mcp_servers=[f"mcp_{uid}"]))
    assert (permission(team_id)["search_tools"], permission(team_id)["mcp_servers"]) == ([web], [f"mcp_{uid}"])
    assert provider.diff(team_id, provider.read(team_id, outs).outs, inputs).changes is False

    news = checked(provider, inputs, next_program_inputs(inputs, "team_id", search_tools=[docs, web]))
    litellm_api.reset_calls()
    outs = provider.update(team_id, outs, news).outs
    (patch,) = litellm_api.calls_to("PATCH", "/team/*")
    assert patch.body == {"object_permission": {"search_tools": [docs, web]}}
    assert sorted(permission(team_id)["search_tools"]) == [docs, web]
    assert permission(team_id)["mcp_servers"] == [f"mcp_{uid}"]

    backend.admin_json("PATCH", f"/team/{team_id}", json={"object_permission": {"search_tools": [web]}})
    assert provider.read(team_id, outs).outs["search_tools"] == [web]
    provider.update(team_id, outs, checked(provider, news, next_program_inputs(news, "team_id", search_tools=None)))
    assert not permission(team_id)["search_tools"]
