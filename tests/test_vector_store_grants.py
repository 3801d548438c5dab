"""Keys and teams granted vector stores (`object_permission.vector_stores`, free in 1.108.7) against the real proxy:
sent beside the MCP server grant, changed in place without touching it (LiteLLM merges object_permission), revoked,
and drift read back; a store another stack's key or team still holds is not deleted."""

from __future__ import annotations

import uuid

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.team import TeamProvider
from dynamic_providers.vector_store import VectorStoreProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import changed, key_info
from tests.support.keys import create as create_key
from tests.support.providers import TEST_STACK, checked, connection, created, next_program_inputs

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


TENANT = "organization/litemaas/tenant"


def a_store(litellm_api):
    """A vector store made by this (the test's) stack: (id, outputs)."""
    store = f"vs_held_{uuid.uuid4().hex[:8]}"
    _, _, outs = created(VectorStoreProvider(), connection(litellm_api, vector_store_id=store,
                                                           custom_llm_provider="openai"))
    return store, outs


def store_ids(backend):
    return {row["vector_store_id"] for row in backend.admin_json("GET", "/vector_store/list",
                                                                 params={"page_size": 100})["data"]}


@pytest.mark.parametrize("stamp, refused", [(TENANT, True), (TEST_STACK, False), (None, False)])
def test_a_store_a_key_of_another_stack_holds_is_not_deleted(litellm_api, stamp, refused):
    provider, backend = VectorStoreProvider(), litellm_api.backend
    store, outs = a_store(litellm_api)
    alias = f"holder-{store}"
    backend.admin_json("POST", "/key/generate", json={
        "key_alias": alias, "object_permission": {"vector_stores": [store]},
        "metadata": {"litemaas_stack": stamp} if stamp else {}})
    if refused:
        with pytest.raises(LiteLLMAdminError) as error:
            provider.delete(store, outs)
        assert error.value.status == 409
        assert f"vector store {store!r} was not deleted: tenant stacks still use it: {TENANT} (key {alias})" in \
            str(error.value)
        assert "remove it from those stacks (or `pulumi destroy` them) first" in str(error.value)
        assert store in store_ids(backend)
    else:  # this stack's own holder (it loses the grant through its dependency), or one no stack made
        provider.delete(store, outs)
        assert store not in store_ids(backend)


def test_a_store_a_team_of_another_stack_holds_is_deleted_once_the_team_drops_it(litellm_api):
    provider, backend = VectorStoreProvider(), litellm_api.backend
    store, outs = a_store(litellm_api)
    alias = f"holders-{store}"
    team_id = backend.admin_json("POST", "/team/new", json={
        "team_alias": alias, "object_permission": {"vector_stores": [store]},
        "metadata": {"litemaas_stack": TENANT}})["team_id"]
    litellm_api.reset_calls()
    with pytest.raises(LiteLLMAdminError, match=f"tenant stacks still use it: {TENANT} \\(team {alias}\\)"):
        provider.delete(store, outs)
    # `/team/list` shows no team's grants: only teams of another stack with a grant row are read one by one.
    others = {t["team_id"] for t in backend.admin_json("GET", "/team/list")
              if (t.get("metadata") or {}).get("litemaas_stack") not in (None, TEST_STACK)
              and t.get("object_permission_id")}
    read = [c.query["team_id"] for c in litellm_api.calls_to("GET", "/team/info")]
    assert team_id in read and set(read) <= others and len(read) == len(set(read))
    assert litellm_api.calls_to("POST", "/vector_store/delete") == []

    backend.admin_json("POST", "/team/update", json={"team_id": team_id, "object_permission": {"vector_stores": []}})
    litellm_api.reset_calls()
    provider.delete(store, outs)
    assert store not in store_ids(backend)
    calls = [f"{c.method} {c.path}" for c in litellm_api.calls if not c.path.startswith("/health")]
    assert calls.count("GET /team/list") == 1 and calls[-1] == "POST /vector_store/delete", calls
