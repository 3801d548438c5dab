"""LiteLLMCatalog under Pulumi mocks: tags[], guardrails[] and mcpServers[]."""

from __future__ import annotations

import base64

import dill
import pulumi

from config import KeyConfig, TeamConfig
from tests.support.pulumi_program import has_secret_envelope, plain
from tests.support.catalog_mocks import MASTER, build, stack_lists, wait_for


# --- tags[] and guardrails[] ---------------------------------------------------------------------
TAG_T = "pulumi-python:dynamic/litellm:Tag"
GUARDRAIL_T = "pulumi-python:dynamic/litellm:Guardrail"


@pulumi.runtime.test
def test_tags_and_guardrails_become_resources_that_keys_depend_on(catalog_mocks):
    from config import GuardrailConfig, TagConfig

    models, teams, keys = stack_lists()
    tagged = KeyConfig(alias="carol", models=("granite-8b-instruct",), tags=("research",), guardrails=("cf",))
    gateway, catalog = build(
        catalog_mocks, keys=(*keys, tagged), teams=(*teams, TeamConfig(alias="tagged", tags=("research",))),
        tags=(TagConfig(name="research", models=("granite-8b-instruct",), max_budget=5.0),),
        guardrails=(GuardrailConfig(name="cf", provider="lakera_v2", mode="pre_call",
                                    api_key=pulumi.Output.secret("sk-lakera-0123"), params={"x": 1}),))
    children = [catalog.tags["research"], catalog.guardrails["cf"], catalog.models["granite-8b-instruct"]]

    def check(values):
        gateway_urn, tag_urn, guardrail_urn, model_urn = values[:4]
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        tag, guardrail = seen["catalog-tag-research"], seen["catalog-guardrail-cf"]
        assert tag.typ == TAG_T and plain(tag.inputs)["name"] == "research" and plain(tag.inputs)["max_budget"] == 5.0
        assert guardrail.typ == GUARDRAIL_T and plain(guardrail.inputs)["provider"] == "lakera_v2"
        assert has_secret_envelope(guardrail.inputs["api_key"])
        # Off stays unset, as the states of earlier releases hold it; params without a credential are plain.
        assert "default_on" not in plain(guardrail.inputs) and guardrail.inputs["params"] == {"x": 1}
        assert {tag_urn, guardrail_urn, model_urn} <= set(wire["catalog-key-carol"][1])
        assert {gateway_urn, model_urn} <= set(wire["catalog-tag-research"][1])
        assert gateway_urn in wire["catalog-guardrail-cf"][1]
        assert tag_urn in wire["catalog-team-tagged"][1] and plain(seen["catalog-team-tagged"].inputs)["tags"] == \
            ["research"]
        carol = plain(seen["catalog-key-carol"].inputs)
        assert (carol["tags"], carol["guardrails"]) == (["research"], ["cf"])
        assert plain(seen["catalog-key-bob"].inputs).get("tags") is None  # unset: nothing in the state

    return pulumi.Output.all(gateway.urn, *[c.urn for c in children], wait_for(catalog)).apply(check)


# --- MCP servers (mcpServers[] -> litellm:McpServer) -----------------------------------------------

MCP_T = "pulumi-python:dynamic/litellm:McpServer"
MCP_TOKEN = "mcp-bearer-token-0123"


@pulumi.runtime.test
def test_mcp_servers_become_resources_with_a_secret_auth_value(catalog_mocks):
    from config import McpServerConfig

    servers = (McpServerConfig(name="github_tools", url="https://mcp.example.com/mcp", transport="http",
                               auth_type="bearer_token", auth_value=pulumi.Output.secret(MCP_TOKEN), teams=("ml",)),
               McpServerConfig(name="docs", url="http://docs:8080/sse", id="docs_1", description="Docs"))
    models, teams, keys = stack_lists()
    keys = (KeyConfig(alias="carol", mcp_servers=("docs",)), *keys)
    gateway, catalog = build(catalog_mocks, mcp_servers=servers, keys=keys)
    assert set(catalog.mcp_servers) == {"github_tools", "docs"}

    def check(values):
        gateway_urn, catalog_urn = values[:2]
        seen = catalog_mocks.seen
        github, docs = (seen[f"catalog-mcp-{n}"] for n in ("github_tools", "docs"))
        assert github.typ == docs.typ == MCP_T
        assert has_secret_envelope(github.inputs["auth_value"])
        inputs = plain(github.inputs)
        assert (inputs["server_name"], inputs["url"], inputs["transport"], inputs["auth_type"],
                inputs["auth_value"]) == ("github_tools", "https://mcp.example.com/mcp", "http", "bearer_token",
                                          MCP_TOKEN)
        assert not {"alias", "description", "server_id"} & set(inputs)  # unset values stay out of the state
        assert (plain(docs.inputs)["server_id"], plain(docs.inputs)["description"]) == ("docs_1", "Docs")
        for name in ("catalog-mcp-github_tools", "catalog-mcp-docs"):
            parent, dependencies = catalog_mocks.wire[name]
            assert parent == catalog_urn and gateway_urn in dependencies, name
            provider = dill.loads(base64.b64decode(plain(seen[name].inputs["__provider"])))
            assert type(provider).__module__ == "dynamic_providers.mcp_server" and vars(provider) == {}
        # The granted team holds the server's id and depends on it (so a removed server loses its grant first).
        github_urn = values[2]
        assert plain(seen["catalog-team-ml"].inputs)["mcp_servers"] == ["generated-catalog-mcp-github_tools"]
        assert github_urn in catalog_mocks.wire["catalog-team-ml"][1]
        assert "mcp_servers" not in plain(seen["catalog-team-ops"].inputs)
        assert github_urn not in catalog_mocks.wire["catalog-team-ops"][1]
        docs_urn = values[3]
        assert plain(seen["catalog-key-carol"].inputs)["mcp_servers"] == ["docs_1"]
        assert docs_urn in catalog_mocks.wire["catalog-key-carol"][1]
        assert "mcp_servers" not in plain(seen["catalog-key-bob"].inputs)

    return pulumi.Output.all(gateway.urn, catalog.urn, *[s.urn for s in catalog.mcp_servers.values()],
                             *[t.urn for t in catalog.teams.values()],
                             *[k.urn for k in catalog.keys.values()]).apply(check)


@pulumi.runtime.test
def test_an_mcp_server_is_adopted_by_its_id_alone(catalog_mocks):
    from dynamic_providers.mcp_server import McpServer
    from dynamic_providers.provider_base import AdminConnection

    found = McpServer.get("existing-mcp", "srv-1", AdminConnection("https://litellm.apps.example.com",
                                                                    pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-mcp"]
        assert (seen.typ, seen.resource_id) == (MCP_T, "srv-1")
        assert not {"server_name", "url"} & set(seen.inputs)

    return found.urn.apply(check)


