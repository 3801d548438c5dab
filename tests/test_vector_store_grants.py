"""Keys and teams granted vector stores (`object_permission.vector_stores`, free in 1.108.7) against the real proxy:
sent beside the MCP server grant, changed in place without touching it (LiteLLM merges object_permission), revoked,
and drift read back."""

from __future__ import annotations

import uuid

import pytest

from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import changed, key_info
from tests.support.keys import create as create_key
from tests.support.providers import checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def stores(litellm_api):
    """Two vector stores and one MCP server on the proxy, with ids unique to the test."""
    suffix = uuid.uuid4().hex[:8]
    backend = litellm_api.backend
    a, b, server = f"vs_a_{suffix}", f"vs_b_{suffix}", f"mcp_{suffix}"
    for store in (a, b):
        backend.admin_json("POST", "/vector_store/new", json={"vector_store_id": store, "custom_llm_provider": "openai"})
    backend.admin_json("POST", "/v1/mcp/server", json={"server_id": server, "server_name": f"tools_{suffix}",
                                                       "url": "http://127.0.0.1:9/mcp"})
    return a, b, server


def test_a_key_is_granted_vector_stores_beside_its_mcp_servers(litellm_api, stores):
    provider, backend = VirtualKeyProvider(), litellm_api.backend
    a, b, server = stores
    permission = lambda token: key_info(backend, token)["object_permission"]  # noqa: E731
    inputs, token, outs = create_key(provider, litellm_api, key_alias=f"rag-{a}", vector_stores=[a, b],
                                     mcp_servers=[server])
    (generate,) = litellm_api.calls_to("POST", "/key/generate")
    assert generate.body["object_permission"] == {"mcp_servers": [server], "vector_stores": [a, b]}
    assert (sorted(permission(token)["vector_stores"]), permission(token)["mcp_servers"]) == ([a, b], [server])
    assert provider.diff(token, provider.read(token, outs).outs, inputs).changes is False

    news = checked(provider, inputs, changed(inputs, vector_stores=[b]))
    assert provider.diff(token, outs, news).replaces == []
    litellm_api.reset_calls()
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"vector_stores": [b]}}
    assert (permission(token)["vector_stores"], permission(token)["mcp_servers"]) == ([b], [server])  # merged

    backend.admin_json("POST", "/key/update", json={"key": token, "object_permission": {"vector_stores": [a]}})
    assert provider.read(token, outs).outs["vector_stores"] == [a]  # drift
    provider.update(token, outs, checked(provider, news, changed(news, vector_stores=None)))
    assert (permission(token)["vector_stores"], permission(token)["mcp_servers"]) == ([], [server])


def test_a_team_is_granted_vector_stores_beside_its_mcp_servers(litellm_api, stores):
    provider, backend = TeamProvider(), litellm_api.backend
    a, b, server = stores
    permission = lambda team_id: backend.admin_json(  # noqa: E731
        "GET", "/team/info", params={"team_id": team_id})["team_info"]["object_permission"]
    inputs, team_id, outs = created(provider, connection(litellm_api, team_alias=f"rag-{a}", vector_stores=[a, b],
                                                         mcp_servers=[server]))
    assert (sorted(permission(team_id)["vector_stores"]), permission(team_id)["mcp_servers"]) == ([a, b], [server])
    again = checked(provider, inputs, next_program_inputs(inputs, "team_id", vector_stores=[b, a]))
    assert provider.diff(team_id, provider.read(team_id, outs).outs, again).changes is False  # a set

    news = checked(provider, inputs, next_program_inputs(inputs, "team_id", vector_stores=[b]))
    litellm_api.reset_calls()
    outs = provider.update(team_id, outs, news).outs
    (patch,) = litellm_api.calls_to("PATCH", "/team/*")
    assert patch.body == {"object_permission": {"vector_stores": [b]}}
    assert (permission(team_id)["vector_stores"], permission(team_id)["mcp_servers"]) == ([b], [server])

    backend.admin_json("PATCH", f"/team/{team_id}", json={"object_permission": {"vector_stores": [a]}})
    assert provider.read(team_id, outs).outs["vector_stores"] == [a]  # drift
    provider.update(team_id, outs, checked(provider, news, next_program_inputs(news, "team_id", vector_stores=None)))
    assert (permission(team_id)["vector_stores"], permission(team_id)["mcp_servers"]) == ([], [server])
