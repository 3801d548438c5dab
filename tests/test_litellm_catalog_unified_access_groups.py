"""LiteLLMCatalog under Pulumi mocks: unifiedAccessGroups[] become litellm:UnifiedAccessGroup resources after the
models and MCP servers they grant; the teams and keys naming a group carry its id and depend on it; model access
groups (accessGroups[]) are unchanged beside them."""

from __future__ import annotations

import base64

import dill
import pulumi

from config import AccessGroupConfig, AccessGroupsConfig, KeyConfig, McpServerConfig, TeamConfig, \
    UnifiedAccessGroupConfig
from tests.support.catalog_mocks import MASTER, build, stack_lists
from tests.support.pulumi_program import plain

UAG_T = "pulumi-python:dynamic/litellm:UnifiedAccessGroup"


@pulumi.runtime.test
def test_groups_are_resources_their_holders_carry_and_wait_for(catalog_mocks):
    models, teams, keys = stack_lists()
    groups = (UnifiedAccessGroupConfig(name="research", description="research tools", models=("deepseek-chat",),
                                       mcp_servers=("docs",)),
              UnifiedAccessGroupConfig(name="unused"))
    teams = (TeamConfig(alias="ml", models=("granite-8b-instruct",), unified_access_groups=("research",)), teams[1])
    keys = (*keys, KeyConfig(alias="carol", unified_access_groups=("research", "unused")))
    model_groups = AccessGroupsConfig(groups=(AccessGroupConfig(name="fast", models=("granite-8b-instruct",)),),
                                      teams={"ml": ("fast",)})
    _, catalog = build(catalog_mocks, models=models, teams=teams, keys=keys, unified_access_groups=groups,
                       access_groups=model_groups,
                       mcp_servers=(McpServerConfig(name="docs", url="http://docs:8080/sse", id="docs_1"),))
    assert set(catalog.unified_access_groups) == {"research", "unused"}

    def check(urns):
        research_urn, unused_urn, deepseek_urn, docs_urn = urns
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        research = seen["catalog-uag-research"]
        assert research.typ == UAG_T
        assert {k: v for k, v in plain(research.inputs).items() if not k.startswith("__") and v is not None
                and k not in ("admin_url", "master_key", "owner_stack")} == {
            "access_group_name": "research", "description": "research tools", "access_model_names": ["deepseek-chat"],
            "access_mcp_server_ids": ["docs_1"]}
        assert not {"access_model_names", "access_mcp_server_ids", "description"} & \
            {k for k, v in plain(seen["catalog-uag-unused"].inputs).items() if v is not None}
        assert deepseek_urn in wire["catalog-uag-research"][1] and docs_urn in wire["catalog-uag-research"][1]
        provider = dill.loads(base64.b64decode(plain(research.inputs["__provider"])))
        assert type(provider).__module__ == "dynamic_providers.unified_access_group" and vars(provider) == {}
        # The holders own the membership: the group's id in their access_group_ids, and a dependency on the group.
        team, carol = plain(seen["catalog-team-ml"].inputs), plain(seen["catalog-key-carol"].inputs)
        assert team["access_group_ids"] == ["generated-catalog-uag-research"]
        assert sorted(carol["access_group_ids"]) == ["generated-catalog-uag-research", "generated-catalog-uag-unused"]
        assert research_urn in wire["catalog-team-ml"][1]
        assert {research_urn, unused_urn} <= set(wire["catalog-key-carol"][1])
        assert "access_group_ids" not in plain(seen["catalog-team-ops"].inputs)
        assert "access_group_ids" not in plain(seen["catalog-key-bob"].inputs)
        # The model access group is still a model name on the team (and on the model's model_info).
        assert sorted(team["models"]) == ["fast", "granite-8b-instruct"]
        assert plain(seen["catalog-model-granite-8b-instruct"].inputs)["model_info"]["access_groups"] == ["fast"]

    return pulumi.Output.all(catalog.unified_access_groups["research"].urn, catalog.unified_access_groups["unused"].urn,
                             catalog.models["deepseek-chat"].urn, catalog.mcp_servers["docs"].urn,
                             *[t.urn for t in catalog.teams.values()],
                             *[k.urn for k in catalog.keys.values()]).apply(lambda v: check(v[:4]))


@pulumi.runtime.test
def test_a_group_is_adopted_by_its_id_alone(catalog_mocks):
    from dynamic_providers.provider_base import AdminConnection
    from dynamic_providers.unified_access_group import UnifiedAccessGroup

    found = UnifiedAccessGroup.get("existing-uag", "3f1c-uuid", AdminConnection("https://litellm.apps.example.com",
                                                                                pulumi.Output.secret(MASTER)))

    def check(_):
        seen = catalog_mocks.seen["existing-uag"]
        assert (seen.typ, seen.resource_id) == (UAG_T, "3f1c-uuid")
        assert not {"access_group_name", "access_model_names"} & set(seen.inputs)

    return found.urn.apply(check)
