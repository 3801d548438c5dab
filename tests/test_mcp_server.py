"""litellm:McpServer provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, the
written-only auth value, drift, import and a lost create answer. State is inspected with admin reads and SQL."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.mcp_server import McpServerProvider
from tests.support.providers import checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
# Nothing listens here: LiteLLM creates the server anyway and marks it unhealthy later.
UNREACHABLE = "http://127.0.0.1:9/mcp"
TOKEN = "mcp-token-0123456789abcdef"


@pytest.fixture
def provider():
    return McpServerProvider()


@pytest.fixture
def name():
    """A unique server name: the proxy keeps MCP servers in memory across the per-test database reset."""
    return f"tools_{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    # The proxy's first MCP create takes seconds (it sets up its MCP manager): more than the 2 s test default.
    return connection(api, **{"request_timeout": 15.0, "server_name": name, "url": UNREACHABLE, "transport": "http",
                              "auth_type": "bearer_token", "auth_value": TOKEN, "description": "team tools",
                              **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "server_id", **changes)


def server(backend, server_id):
    return backend.admin_json("GET", f"/v1/mcp/server/{server_id}")


def server_rows(backend):
    return backend.db.rows('SELECT server_id, server_name, credentials FROM "LiteLLM_MCPServerTable"')


def admin_calls(api):
    return [(c.method, c.path) for c in api.calls if not c.path.startswith("/health")]


# --- check and diff ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("server_name", "my-tools", "use '_' instead (e.g. 'my_tools')"),
    ("server_name", "my tools", "is not an MCP tool prefix"),
    ("alias", "a-b", "contains '-'"),
    ("url", "mcp.example.com", "is not an http(s) URL"),
    ("transport", "stdio", "is not one of sse, http"),
    ("auth_type", "oauth2", "is not one of none, api_key"),
])
def test_check_rejects_bad_inputs(provider, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, "tools", **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_check_never_echoes_the_auth_value(provider):
    failures = provider.check({}, news_for(OFFLINE, "tools", auth_type=None)).failures
    assert [f.property for f in failures] == ["auth_value"] and TOKEN not in failures[0].reason


def test_every_change_but_the_id_updates_in_place(provider):
    olds = checked(provider, {}, news_for(OFFLINE, "tools"))
    assert provider.diff("s", olds, checked(provider, olds, program(olds))).changes is False
    for change in ({"server_name": "other"}, {"alias": "t"}, {"url": "https://mcp.example.com/mcp"},
                   {"transport": "sse"}, {"auth_type": "api_key"}, {"auth_value": "another"},
                   {"description": None}):
        result = provider.diff(olds["server_id"], olds, checked(provider, olds, program(olds, **change)))
        assert (result.changes, result.replaces) == (True, []), change
    fixed = checked(provider, olds, program(olds, server_id="fixed_1"))
    assert provider.diff(olds["server_id"], olds, fixed).replaces == ["server_id"]


def test_auth_value_is_a_secret_output(provider):
    assert "auth_value" in provider.secret_outputs()


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_lifecycle_with_the_auth_value_written_only(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, server_id, outs = created(provider, news_for(litellm_api, name))
    found = server(backend, server_id)
    assert (found["server_name"], found["url"], found["transport"], found["auth_type"], found["description"]) == \
        (name, UNREACHABLE, "http", "bearer_token", "team tools")
    assert found["credentials"] is None  # never returned
    (row,) = server_rows(backend)
    assert row[0] == server_id and TOKEN not in str(row[2]) and row[2]  # stored, encrypted
    assert admin_calls(litellm_api) == [("POST", "/v1/mcp/server")]

    litellm_api.reset_calls()
    read = provider.read(server_id, outs)
    assert read.id == server_id and read.outs == outs  # the volatile health status is no drift

    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, description=None, auth_value="rotated-token"))
    provider.update(server_id, outs, news)
    calls = [c for c in litellm_api.calls if not c.path.startswith("/health")]
    assert [(c.method, c.path, c.status) for c in calls] == [("PUT", "/v1/mcp/server", 202)]
    assert calls[0].body == {"server_id": server_id, "description": None,
                             "credentials": {"auth_value": "rotated-token"}}
    assert server(backend, server_id)["description"] is None
    assert server_rows(backend)[0][2] != row[2]  # the new value replaced the stored one

    provider.delete(server_id, outs)
    provider.delete(server_id, outs)  # already gone = success
    assert server_rows(backend) == []
    assert [c.status for c in litellm_api.calls_to("DELETE", "/v1/mcp/server/*")] == [202, 404]
    assert provider.read(server_id, outs).id == ""


def test_a_change_without_the_auth_value_keeps_it(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, server_id, outs = created(provider, news_for(litellm_api, name))
    stored = server_rows(backend)[0][2]
    litellm_api.reset_calls()
    provider.update(server_id, outs, checked(provider, inputs, program(inputs, url="https://mcp.example.com/mcp")))
    (call,) = litellm_api.calls_to("PUT", "/v1/mcp/server")
    assert call.body == {"server_id": server_id, "url": "https://mcp.example.com/mcp"}
    assert server_rows(backend)[0][2] == stored and server(backend, server_id)["url"] == "https://mcp.example.com/mcp"


def test_a_name_taken_ignoring_case_is_refused(provider, litellm_api, name):
    created(provider, news_for(litellm_api, name))
    with pytest.raises(LiteLLMAdminError, match="must be unique, case-insensitive"):
        created(provider, news_for(litellm_api, name.upper()))
    assert len(server_rows(litellm_api.backend)) == 1


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits_and_deletion(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, server_id, outs = created(provider, news_for(litellm_api, name))
    backend.admin_json("PUT", "/v1/mcp/server", json={"server_id": server_id, "url": "https://elsewhere.example/mcp",
                                                       "description": "edited in the UI"})
    read = provider.read(server_id, outs)
    assert (read.outs["url"], read.outs["description"]) == ("https://elsewhere.example/mcp", "edited in the UI")
    assert read.outs["auth_value"] == TOKEN  # written only: what the stack last sent
    assert provider.diff(server_id, read.outs, inputs).changes is True
    backend.admin("DELETE", f"/v1/mcp/server/{server_id}")
    assert provider.read(server_id, outs).id == ""


@pytest.mark.every_litellm_version
def test_import_from_the_id_alone(provider, litellm_api, name):
    server_id = f"legacy_{uuid.uuid4().hex[:8]}"
    litellm_api.backend.admin_json("POST", "/v1/mcp/server", json={
        "server_id": server_id, "server_name": name, "url": UNREACHABLE, "transport": "sse",
        "description": "made by hand"})
    read = provider.read(server_id, connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert (source["server_name"], source["url"], source["transport"], source["description"]) == \
            (name, UNREACHABLE, "sse", "made by hand")
        assert source["server_id"] == server_id and source["server_id_fixed"] is True
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(server_id, read.outs, again).changes is False


# --- faults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, name, fault):
    warm_up = litellm_api.backend.admin_json("POST", "/v1/mcp/server", json={"server_name": f"{name}_w",
                                                                               "url": UNREACHABLE})
    litellm_api.backend.admin("DELETE", f"/v1/mcp/server/{warm_up['server_id']}")
    litellm_api.lose_answer("POST", "/v1/mcp/server", fault)
    _, server_id, _ = created(provider, news_for(litellm_api, name, request_timeout=1.0))
    assert [r[0] for r in server_rows(litellm_api.backend)] == [server_id]
    assert len(litellm_api.calls_to("POST", "/v1/mcp/server")) == 1
    # The found server matches, but the auth value cannot be compared: it is sent again.
    (put,) = litellm_api.calls_to("PUT", "/v1/mcp/server")
    assert put.body == {"server_id": server_id, "credentials": {"auth_value": TOKEN}}


def test_update_after_a_hand_delete_says_what_to_do(provider, litellm_api, name):
    inputs, server_id, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin("DELETE", f"/v1/mcp/server/{server_id}")
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi"):
        provider.update(server_id, outs, checked(provider, inputs, program(inputs, description="x")))


def test_removing_the_auth_clears_the_stored_value(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, server_id, outs = created(provider, news_for(litellm_api, name))
    news = checked(provider, inputs, {k: v for k, v in program(inputs).items() if k not in ("auth_type", "auth_value")})
    provider.update(server_id, outs, news)
    (call,) = litellm_api.calls_to("PUT", "/v1/mcp/server")
    assert call.body == {"server_id": server_id, "auth_type": None, "credentials": {"auth_value": None}}
    assert server_rows(backend)[0][2] == '{"auth_value": null}' and server(backend, server_id)["auth_type"] is None
