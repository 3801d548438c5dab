"""Every kind of the catalog at once, through the real CLI against the real LiteLLM proxy: `up` creates them in
dependency order, a no-op `preview` and `up` make no LiteLLM call, `refresh` reads no drift, secrets are only
ciphertext in the state, removing entries deletes them dependents first, and `destroy` leaves nothing behind.
"""

from __future__ import annotations

import json

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

# Part of the compatibility suite: every kind at once, through the real CLI, on each tested LiteLLM version.
pytestmark = [pytest.mark.e2e, pytest.mark.every_litellm_version]

CREDENTIAL_KEY = "sk-upstream-e2e-credential-0001"
MCP_TOKEN = "mcp-token-e2e-0002"
STORE_KEY = "sk-vector-store-e2e-0003"
SEARCH_KEY = "pplx-search-e2e-0004"
AGENT_KEY = "sk-agent-e2e-0005"
GUARDRAIL_WORDS = {"blocked_words": [{"keyword": "forbidden-e2e", "action": "BLOCK"}]}
CATALOG = {
    "models": [
        {"name": "e2e-chat", "model": "openai/e2e-chat", "extraParams": {"mock_response": "ok"},
         "fallbacks": ["e2e-backup"]},
        {"name": "e2e-backup", "model": "openai/e2e-backup", "extraParams": {"mock_response": "ok"}},
        {"name": "e2e-credentialed", "model": "openai/e2e-credentialed", "apiBase": "http://127.0.0.1:9/v1",
         "credential": "e2e-upstream"},
    ],
    "accessGroups": [{"name": "e2e-small", "models": ["e2e-backup"]}],
    "budgets": [{"name": "e2e-tier", "maxBudget": 5, "budgetDuration": "30d", "rpmLimit": 100}],
    "users": [{"id": "e2e-alice", "email": "alice@e2e.example.com", "maxBudget": 20}],
    "teams": [{"alias": "e2e-team", "models": ["e2e-chat", "e2e-backup"], "maxBudget": 50,
               "modelRpmLimit": {"e2e-chat": 100}, "mcpToolsets": ["e2e-research"], "searchTools": ["e2e-web"],
               "unifiedAccessGroups": ["e2e-unified"], "members": [{"user": "e2e-alice", "maxBudgetInTeam": 10}]}],
    "tags": [{"name": "e2e-tag", "description": "cost centre 42", "models": ["e2e-chat"]}],
    "customers": [{"id": "e2e-customer", "alias": "an application's end user", "budget": "e2e-tier",
                   "models": ["e2e-chat"]}],
    "guardrails": [{"name": "e2e-filter", "provider": "litellm_content_filter", "mode": "pre_call",
                    "params": GUARDRAIL_WORDS}],
    "mcpServers": [{"name": "e2e_tools", "url": "http://127.0.0.1:9/mcp", "transport": "http",
                    "authType": "bearer_token", "teams": ["e2e-team"]},
                   {"name": "e2e_docs", "url": "http://127.0.0.1:9/docs", "transport": "http"}],
    "mcpToolsets": [{"name": "e2e-research", "description": "search only",
                     "tools": [{"server": "e2e_tools", "tool": "search"}, {"server": "e2e_docs", "tool": "search"}]}],
    # Its credential (credentials[1], e2e-store) is set as a secret by catalog_project.
    "vectorStores": [{"id": "e2e_vs", "provider": "openai", "name": "e2e docs", "metadata": {"suite": "e2e"},
                      "credential": "e2e-store", "params": {"api_base": "http://127.0.0.1:9/v1"}}],
    "searchTools": [{"name": "e2e-web", "provider": "perplexity", "timeout": 20, "info": {"description": "e2e"}}],
    "prompts": [{"id": "e2e-greet", "environment": "production",
                 "template": "---\nmodel: e2e-chat\n---\nSay hello to {{name}}."}],
    "agents": [{"name": "e2e-agent", "card": {"name": "E2E helper", "url": "http://127.0.0.1:9/agent"},
                "params": {"model": "e2e-chat"}, "tpmLimit": 100}],
    "unifiedAccessGroups": [{"name": "e2e-unified", "description": "chat and tools", "models": ["e2e-chat"],
                             "mcpServers": ["e2e_tools"]}],
    "keys": [
        {"alias": "e2e-alice-key", "team": "e2e-team", "user": "e2e-alice", "models": ["e2e-chat"],
         "allowedRoutes": ["/chat/completions", "/v1/chat/completions", "/key/info"], "modelTpmLimit": {"e2e-chat": 10000}},
        {"alias": "e2e-tier-key", "budget": "e2e-tier", "accessGroups": ["e2e-small"], "mcpServers": ["e2e_tools"],
         "vectorStores": ["e2e_vs"], "mcpToolsets": ["e2e-research"], "unifiedAccessGroups": ["e2e-unified"]},
    ],
}
LITELLM_TYPES = ("Model", "Credential", "Fallback", "Budget", "User", "Team", "TeamMember", "Tag", "Guardrail",
                 "McpServer", "McpToolset", "VirtualKey", "VectorStore", "SearchTool", "Prompt", "Agent",
                 "UnifiedAccessGroup", "Customer")


def admin_calls(api: FaultProxy) -> list[str]:
    return [f"{c.method} {c.path}" for c in api.calls if not c.path.startswith("/health")]


def litellm_resources(project: PulumiProject) -> dict[str, str]:
    """URN -> type name of every LiteLLM resource in the state."""
    return {r["urn"]: r["type"].rsplit(":", 1)[1] for r in project.resources()
            if r["type"].startswith("pulumi-python:dynamic/litellm:")}


def catalog_project(tmp_path, gateway_url: str, master_key: str, catalog: dict = CATALOG,
                    stack: str = "catalog") -> PulumiProject:
    """A stack of `catalog` (with its credential and MCP secrets) against the gateway at `gateway_url`."""
    project = PulumiProject(tmp_path, ensure_toolchain(), stack=stack)
    project.set_plain({"deployGateway": False, "gatewayUrl": gateway_url,
                       "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"}, **catalog})
    project.set_secret("masterKey", master_key)
    project.set_secret("credentials[0].name", "e2e-upstream")
    project.set_secret("credentials[0].values.api_key", CREDENTIAL_KEY)
    project.set_secret("credentials[1].name", "e2e-store")
    project.set_secret("credentials[1].values.api_key", STORE_KEY)
    project.set_secret("mcpServers[0].authValue", MCP_TOKEN)
    project.set_secret("searchTools[0].apiKey", SEARCH_KEY)
    if catalog.get("agents"):
        project.set_secret("agents[0].params.api_key", AGENT_KEY)
    return project


@pytest.fixture()
def catalog(tmp_path, real_litellm):
    with FaultProxy(real_litellm.url) as api:
        project = catalog_project(tmp_path, api.url, real_litellm.master_key)
        yield project, api, real_litellm
        project.destroy()


def test_every_kind_ups_idles_refreshes_and_is_removed_in_dependency_order(catalog):
    project, api, litellm = catalog
    project.up()
    kinds = sorted(litellm_resources(project).values())
    assert set(kinds) == set(LITELLM_TYPES), kinds

    state = json.dumps(project.export())
    for secret in (CREDENTIAL_KEY, MCP_TOKEN, STORE_KEY, SEARCH_KEY, AGENT_KEY, litellm.master_key):
        assert secret not in state  # ciphertext only
    # The per-key maps (1.3 KB a key) are stack outputs once, not repeated as the catalog component's outputs.
    (component,) = [r for r in project.resources() if r["type"] == "litemaas:index:LiteLLMCatalog"]
    assert not {"keyDetails", "handoff"} & set(component.get("outputs") or {})

    api.reset_calls()
    preview = project.preview("--expect-no-changes")
    project.up("--expect-no-changes")
    assert set(preview["changeSummary"]) == {"same"} and admin_calls(api) == []
    project.refresh("--expect-no-changes")

    # Removing the budget's key first and then the budget, the user, its membership, the MCP server grant, the
    # toolset and one of its MCP servers, the vector store with its credential, the prompt, the agent and the unified
    # access group in one change: the engine deletes the dependents (key, member, grant, toolset, store) before what
    # they depend on, and the team drops the group's id before the group is deleted.
    def remove(config):
        config["litemaas:vectorStores"] = []
        config["litemaas:credentials"] = config["litemaas:credentials"][:1]
        config["litemaas:keys"] = [k for k in config["litemaas:keys"] if k["alias"] != "e2e-tier-key"]
        config["litemaas:budgets"] = []
        config["litemaas:customers"] = []
        config["litemaas:users"] = []
        config["litemaas:teams"][0]["members"] = []
        config["litemaas:keys"][0].pop("user")
        config["litemaas:mcpServers"][0]["teams"] = []
        config["litemaas:teams"][0].pop("mcpToolsets")
        config["litemaas:mcpToolsets"] = []
        config["litemaas:mcpServers"] = config["litemaas:mcpServers"][:1]
        config["litemaas:prompts"] = []
        config["litemaas:agents"] = []
        config["litemaas:unifiedAccessGroups"] = []
        config["litemaas:teams"][0].pop("unifiedAccessGroups")

    api.reset_calls()
    project.edit_config(remove)
    api.reset_calls()
    project.up()
    deletes = admin_calls(api)
    assert deletes.index("POST /customer/delete") < deletes.index("POST /budget/delete"), deletes  # its tier after it
    assert deletes.index("POST /vector_store/delete") < deletes.index("DELETE /credentials/e2e-store"), deletes
    mcp_deletes = [c.path for c in api.calls if c.method == "DELETE" and c.path.startswith("/v1/mcp/")]
    assert len(mcp_deletes) == 2 and mcp_deletes[0].startswith("/v1/mcp/toolset/") and \
        mcp_deletes[1].startswith("/v1/mcp/server/"), mcp_deletes  # the toolset before its server
    assert litellm.admin_json("GET", "/v1/mcp/toolset") == []
    group_deleted = next(i for i, call in enumerate(deletes) if call.startswith("DELETE /v1/access_group/"))
    assert any(call.startswith("PATCH /team/") for call in deletes[:group_deleted]), deletes  # the team lets go first
    remaining = sorted(litellm_resources(project).values())
    assert "Budget" not in remaining and "User" not in remaining and "TeamMember" not in remaining
    assert "Agent" not in remaining and "e2e-agent" not in {a["agent_name"] for a in litellm.admin_json("GET", "/v1/agents")}
    assert remaining.count("VirtualKey") == 1
    budgets = litellm.admin_json("GET", "/budget/list")
    assert "e2e-tier" not in {b.get("budget_id") for b in budgets}
    assert {k["key_alias"] for k in litellm.keys()} == {"e2e-alice-key"}
    assert "Prompt" not in remaining and "Customer" not in remaining
    assert litellm.admin("GET", "/prompts/e2e-greet/info", params={"environment": "production"}).status_code == 400
    assert "UnifiedAccessGroup" not in remaining and litellm.admin_json("GET", "/v1/access_group") == []
    (team,) = [t for t in litellm.admin_json("GET", "/team/list") if t["team_alias"] == "e2e-team"]
    assert not team.get("access_group_ids")
