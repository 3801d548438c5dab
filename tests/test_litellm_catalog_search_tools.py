"""LiteLLMCatalog under Pulumi mocks: searchTools[] become litellm:SearchTool resources with the inputs the kind's
schema maps from the config, the api key a secret, after the gateway."""

from __future__ import annotations

import pulumi

from config import SearchToolConfig
from tests.support.catalog_mocks import build
from tests.support.pulumi_program import has_secret_envelope, plain

SEARCH_TOOL_T = "pulumi-python:dynamic/litellm:SearchTool"


@pulumi.runtime.test
def test_search_tools_become_resources_with_a_secret_key(catalog_mocks):
    tools = (SearchToolConfig(name="web", provider="perplexity", api_key=pulumi.Output.secret("pplx-search-0123"),
                              timeout=20.0, max_retries=2, input_cost_per_query=0.005,
                              info={"description": "web search"}),
             SearchToolConfig(name="docs", provider="tavily"))
    _, catalog = build(catalog_mocks, models=(), teams=(), keys=(), search_tools=tools)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        web = seen["catalog-search-tool-web"]
        assert web.typ == SEARCH_TOOL_T and has_secret_envelope(web.inputs["api_key"])
        assert {k: plain(web.inputs).get(k) for k in (
            "search_tool_name", "provider", "api_key", "timeout", "max_retries", "input_cost_per_query",
            "search_tool_info")} == {
            "search_tool_name": "web", "provider": "perplexity", "api_key": "pplx-search-0123", "timeout": 20.0,
            "max_retries": 2, "input_cost_per_query": 0.005, "search_tool_info": {"description": "web search"}}
        docs = plain(seen["catalog-search-tool-docs"].inputs)
        assert (docs["search_tool_name"], docs["provider"], docs.get("api_key"), docs.get("search_tool_info")) == \
            ("docs", "tavily", None, None)
        assert [u for u in wire["catalog-search-tool-docs"][1] if u.endswith("::gateway")]  # after the gateway

    return pulumi.Output.all(*[t.urn for t in catalog.search_tools.values()]).apply(check)


@pulumi.runtime.test
def test_a_search_tool_is_adopted_by_its_id_alone(catalog_mocks):
    from dynamic_providers.provider_base import AdminConnection
    from dynamic_providers.search_tool import SearchTool
    from tests.support.catalog_mocks import MASTER

    found = SearchTool.get("existing-search", "3f0c-uuid", AdminConnection("https://litellm.apps.example.com",
                                                                          pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-search"]
        assert (seen.typ, seen.resource_id) == (SEARCH_TOOL_T, "3f0c-uuid")
        assert not {"search_tool_name", "provider", "api_key"} & set(seen.inputs)

    return found.urn.apply(check)


@pulumi.runtime.test
def test_teams_and_keys_granted_a_search_tool_depend_on_it(catalog_mocks):
    from config import KeyConfig, TeamConfig

    tools = (SearchToolConfig(name="web", provider="perplexity"), SearchToolConfig(name="docs", provider="tavily"))
    _, catalog = build(catalog_mocks, models=(), search_tools=tools,
                       teams=(TeamConfig(alias="ml", search_tools=("web",)),),
                       keys=(KeyConfig(alias="alice", search_tools=("docs", "web")),))

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert plain(seen["catalog-team-ml"].inputs)["search_tools"] == ["web"]
        assert plain(seen["catalog-key-alice"].inputs)["search_tools"] == ["docs", "web"]
        for resource, tools in (("catalog-team-ml", {"web"}), ("catalog-key-alice", {"docs", "web"})):
            assert {u.rsplit("-", 1)[1] for u in wire[resource][1] if "::catalog-search-tool-" in u} == tools

    return pulumi.Output.all(*[t.urn for t in catalog.search_tools.values()], catalog.teams["ml"].urn,
                             catalog.keys["alice"].urn).apply(check)
