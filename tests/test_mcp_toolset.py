"""litellm:McpToolset provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD with a
server-assigned id, the partial PUT (a cleared description, an emptied tool list), drift, import by id, a lost create
answer, a name taken before, and a toolset whose MCP server goes first."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.mcp_toolset import McpToolsetProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
# LiteLLM stores any server id in a toolset (the stack config checks them): made-up ids serve the CRUD tests.
DOCS, WIKI = "docs-server-id", "wiki-server-id"
TOOLS = [{"server_id": DOCS, "tool_name": "search"}, {"server_id": WIKI, "tool_name": "read_page"}]


@pytest.fixture
def provider():
    return McpToolsetProvider()


@pytest.fixture
def name():
    return f"toolset-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    return connection(api, **{"toolset_name": name, "description": "research tools", "tools": TOOLS, **fields})


def program(inputs, **changes):
    """What the program sends next time: its own inputs (the server's id is an output), plus changes."""
    news = {k: v for k, v in inputs.items() if k != "toolset_id"}
    news.update(changes)
    return {k: v for k, v in news.items() if v is not None}


def toolset(backend, toolset_id):
    answer = backend.admin("GET", f"/v1/mcp/toolset/{toolset_id}")
    return answer.json() if answer.ok else None


def toolset_rows(backend, name):
    return backend.db.rows(f"""SELECT toolset_id FROM "LiteLLM_MCPToolsetTable" WHERE toolset_name = '{name}'""")


# --- check and diff ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("toolset_name", "", "toolset_name must not be empty"),
    ("tools", ["docs-search"], "tools must be a list of maps of server_id, tool_name"),
    ("tools", [{"server_id": DOCS}], "tools must be a list of maps of server_id, tool_name"),
    ("tools", [{"server_id": DOCS, "tool_name": ""}], "tools must be a list of maps of server_id, tool_name"),
    ("tools", [TOOLS[0], dict(TOOLS[0])], "tools lists an entry twice"),
])
def test_check_rejects_bad_inputs(provider, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, "t", **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_a_new_name_replaces_and_every_other_change_updates_in_place(provider):
    olds = {**checked(provider, {}, news_for(OFFLINE, "t")), "toolset_id": "3f1c"}
    assert provider.diff("3f1c", olds, program(olds)).changes is False
    renamed = provider.diff("3f1c", olds, checked(provider, olds, program(olds, toolset_name="t2")))
    assert renamed.replaces == ["toolset_name"] and renamed.delete_before_replace is False  # both may exist a while
    for change in ({"description": "other"}, {"description": None}, {"tools": TOOLS[:1]},
                   {"tools": list(reversed(TOOLS))}, {"tools": None}):
        result = provider.diff("3f1c", olds, checked(provider, olds, program(olds, **change)))
        assert (result.changes, result.replaces) == (True, []), change


# --- CRUD ----------------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_lifecycle_with_a_server_assigned_id(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, toolset_id, outs = created(provider, news_for(litellm_api, name))
    assert str(uuid.UUID(toolset_id)) == toolset_id and outs["toolset_id"] == toolset_id
    found = toolset(backend, toolset_id)
    assert (found["toolset_name"], found["description"], found["tools"]) == (name, "research tools", TOOLS)
    read = provider.read(toolset_id, outs)
    assert read.id == toolset_id and provider.diff(toolset_id, read.outs, program(inputs)).changes is False

    # The PUT is partial: only what changed, with the id in the body.
    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, description="search only", tools=TOOLS[:1]))
    outs = provider.update(toolset_id, outs, news).outs
    (call,) = litellm_api.calls_to("PUT", "/v1/mcp/toolset")
    assert call.body == {"toolset_id": toolset_id, "description": "search only", "tools": TOOLS[:1]}
    assert outs["toolset_id"] == toolset_id
    assert (toolset(backend, toolset_id)["description"], toolset(backend, toolset_id)["tools"]) == \
        ("search only", TOOLS[:1])

    # A removed description is a null (cleared); removed tools are an explicit [] (a null would keep them).
    litellm_api.reset_calls()
    news = checked(provider, news, {k: v for k, v in program(news).items() if k not in ("description", "tools")})
    outs = provider.update(toolset_id, outs, news).outs
    (call,) = litellm_api.calls_to("PUT", "/v1/mcp/toolset")
    assert call.body == {"toolset_id": toolset_id, "description": None, "tools": []}
    found = toolset(backend, toolset_id)
    assert (found["toolset_name"], found["description"], found["tools"]) == (name, None, [])
    assert provider.diff(toolset_id, provider.read(toolset_id, outs).outs, news).changes is False

    litellm_api.reset_calls()
    provider.delete(toolset_id, outs)
    provider.delete(toolset_id, outs)  # already gone = success (whatever LiteLLM answers for a missing id)
    assert [c.status for c in litellm_api.calls_to("DELETE", f"/v1/mcp/toolset/{toolset_id}")][0] == 202
    assert toolset(backend, toolset_id) is None and provider.read(toolset_id, outs).id == ""


def test_update_after_a_hand_delete_says_what_to_do(provider, litellm_api, name):
    inputs, toolset_id, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin("DELETE", f"/v1/mcp/toolset/{toolset_id}")
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi"):
        provider.update(toolset_id, outs, checked(provider, inputs, program(inputs, description="x")))


def test_a_name_taken_before_is_refused(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/v1/mcp/toolset", json={"toolset_name": name})
    with pytest.raises(LiteLLMAdminError, match=f"an MCP toolset named '{name}' exists already: import it"):
        created(provider, news_for(litellm_api, name))
    assert len(toolset_rows(litellm_api.backend, name)) == 1


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits_and_deletion(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, toolset_id, outs = created(provider, news_for(litellm_api, name))
    backend.admin_json("PUT", "/v1/mcp/toolset", json={"toolset_id": toolset_id, "description": "edited in the UI",
                                                        "tools": [*TOOLS, {"server_id": DOCS, "tool_name": "delete"}]})
    read = provider.read(toolset_id, outs)
    assert read.outs["description"] == "edited in the UI" and len(read.outs["tools"]) == 3
    assert provider.diff(toolset_id, read.outs, program(inputs)).changes is True
    backend.admin("DELETE", f"/v1/mcp/toolset/{toolset_id}")
    assert provider.read(toolset_id, outs).id == ""


@pytest.mark.every_litellm_version
def test_import_by_id_alone(provider, litellm_api, name):
    made = litellm_api.backend.admin_json("POST", "/v1/mcp/toolset", json={
        "toolset_name": name, "description": "made by hand", "tools": TOOLS})
    read = provider.read(made["toolset_id"], connection(litellm_api))  # what `McpToolset.get` reads
    for source in (read.outs, read.inputs):
        assert (source["toolset_name"], source["description"], source["tools"]) == (name, "made by hand", TOOLS)
    assert read.outs["toolset_id"] == made["toolset_id"]
    again = checked(provider, read.inputs, program(read.inputs))
    assert provider.diff(made["toolset_id"], read.outs, again).changes is False


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_a_lost_create_answer_ends_with_one_toolset(provider, litellm_api, name, fault):
    litellm_api.lose_answer("POST", "/v1/mcp/toolset", fault)
    _, toolset_id, outs = created(provider, news_for(litellm_api, name, request_timeout=1.0))
    assert [row[0] for row in toolset_rows(litellm_api.backend, name)] == [toolset_id]
    assert outs["toolset_id"] == toolset_id
    assert len(litellm_api.calls_to("POST", "/v1/mcp/toolset")) == 1
    assert litellm_api.calls_to("PUT", "/v1/mcp/toolset") == []  # the toolset found by name already matches
