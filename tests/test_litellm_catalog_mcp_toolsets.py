"""LiteLLMCatalog under Pulumi mocks: mcpToolsets[] become litellm:McpToolset resources whose tools hold the ids of
the stack's MCP servers, after those servers (so they are deleted before them)."""

from __future__ import annotations

import base64

import dill
import pulumi

from config import KeyConfig, McpServerConfig, McpToolConfig, McpToolsetConfig, TeamConfig
from tests.support.catalog_mocks import MASTER, build
from tests.support.pulumi_program import plain

TOOLSET_T = "pulumi-python:dynamic/litellm:McpToolset"
SERVERS = (McpServerConfig(name="docs", url="https://docs.example.com/mcp", id="docs_1"),
           McpServerConfig(name="wiki", url="https://wiki.example.com/mcp"),
           McpServerConfig(name="unused", url="https://unused.example.com/mcp"))


@pulumi.runtime.test
def test_toolsets_hold_their_servers_ids_and_depend_on_those_servers(catalog_mocks):
    toolsets = (McpToolsetConfig(name="research", description="read-only", tools=(
                    McpToolConfig("wiki", "search"), McpToolConfig("docs", "search"), McpToolConfig("docs", "fetch"))),
                McpToolsetConfig(name="empty"))
    gateway, catalog = build(catalog_mocks, mcp_servers=SERVERS, mcp_toolsets=toolsets)
    assert set(catalog.mcp_toolsets) == {"research", "empty"}

    def check(values):
        gateway_urn, catalog_urn, docs_urn, wiki_urn, unused_urn = values[:5]
        seen = catalog_mocks.seen
        research, empty = seen["catalog-mcp-toolset-research"], seen["catalog-mcp-toolset-empty"]
        assert research.typ == empty.typ == TOOLSET_T
        inputs = plain(research.inputs)
        assert (inputs["toolset_name"], inputs["description"]) == ("research", "read-only")
        assert inputs["tools"] == [  # declared order; a server's id, generated or fixed
            {"server_id": "generated-catalog-mcp-wiki", "tool_name": "search"},
            {"server_id": "docs_1", "tool_name": "search"}, {"server_id": "docs_1", "tool_name": "fetch"}]
        assert not {"description", "tools", "toolset_id"} & set(plain(empty.inputs))  # unset stays out of the state
        parent, dependencies = catalog_mocks.wire["catalog-mcp-toolset-research"]
        assert parent == catalog_urn and {gateway_urn, docs_urn, wiki_urn} <= set(dependencies)
        assert unused_urn not in dependencies
        assert gateway_urn in catalog_mocks.wire["catalog-mcp-toolset-empty"][1]
        provider = dill.loads(base64.b64decode(plain(research.inputs["__provider"])))
        assert type(provider).__module__ == "dynamic_providers.mcp_toolset" and vars(provider) == {}

    return pulumi.Output.all(gateway.urn, catalog.urn, *[s.urn for s in catalog.mcp_servers.values()],
                             *[t.urn for t in catalog.mcp_toolsets.values()]).apply(check)


@pulumi.runtime.test
def test_teams_and_keys_granted_toolsets_hold_their_ids_beside_their_servers_and_depend_on_them(catalog_mocks):
    servers = (McpServerConfig(name="docs", url="https://docs.example.com/mcp", id="docs_1", teams=("ml",)),)
    toolsets = (McpToolsetConfig(name="research", tools=(McpToolConfig("docs", "search"),)),
                McpToolsetConfig(name="ops"))
    teams = (TeamConfig(alias="ml", mcp_toolsets=("research", "ops")), TeamConfig(alias="plain"))
    keys = (KeyConfig(alias="carol", team="ml", mcp_servers=("docs",), mcp_toolsets=("research",)),
            KeyConfig(alias="dave"))
    _, catalog = build(catalog_mocks, mcp_servers=servers, mcp_toolsets=toolsets, teams=teams, keys=keys)

    def check(urns):
        research_urn, ops_urn = urns[:2]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        ml, carol = plain(seen["catalog-team-ml"].inputs), plain(seen["catalog-key-carol"].inputs)
        assert (ml["mcp_servers"], ml["mcp_toolsets"]) == (
            ["docs_1"], ["uuid-catalog-mcp-toolset-research", "uuid-catalog-mcp-toolset-ops"])
        assert (carol["mcp_servers"], carol["mcp_toolsets"]) == (["docs_1"], ["uuid-catalog-mcp-toolset-research"])
        assert {research_urn, ops_urn} <= set(wire["catalog-team-ml"][1])
        assert research_urn in wire["catalog-key-carol"][1] and ops_urn not in wire["catalog-key-carol"][1]
        for unset in ("catalog-team-plain", "catalog-key-dave"):
            assert "mcp_toolsets" not in plain(seen[unset].inputs)  # unset stays out of the state

    return pulumi.Output.all(*[t.urn for t in catalog.mcp_toolsets.values()],
                             *[r.urn for r in (*catalog.teams.values(), *catalog.keys.values())]).apply(check)


@pulumi.runtime.test
def test_a_toolset_is_imported_by_its_id_alone(catalog_mocks):
    from dynamic_providers.mcp_toolset import McpToolset
    from dynamic_providers.provider_base import AdminConnection

    found = McpToolset.get("existing-toolset", "3f1c-uuid", AdminConnection("https://litellm.apps.example.com",
                                                                             pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-toolset"]
        assert (seen.typ, seen.resource_id) == (TOOLSET_T, "3f1c-uuid")
        assert not {"toolset_name", "tools"} & set(seen.inputs)

    return found.urn.apply(check)
