"""LiteLLMCatalog under Pulumi mocks: prompts[] become litellm:Prompt resources, one per (id, environment), with the
inputs the kind's schema maps from the config; the api key a secret input, unset keys left unset."""

from __future__ import annotations

import pulumi

from config import KeyConfig, PromptConfig, TeamConfig
from tests.support.pulumi_program import plain
from tests.support.catalog_mocks import build

PROMPT_T = "pulumi-python:dynamic/litellm:Prompt"
TEMPLATE = "---\nmodel: granite\n---\nHello {{name}}"


@pulumi.runtime.test
def test_prompts_become_one_resource_per_id_and_environment(catalog_mocks):
    prompts = (PromptConfig(id="greet", template=TEMPLATE),
               PromptConfig(id="greet", environment="production", template="Hi {{name}}"),
               PromptConfig(id="remote", integration="generic_prompt_management", api_base="https://pm.example.com",
                            api_key=pulumi.Output.secret("pm-key")))
    _, catalog = build(catalog_mocks, teams=(), keys=(), prompts=prompts)
    assert sorted(catalog.prompts) == ["development/greet", "development/remote", "production/greet"]

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        greet = seen["catalog-prompt-development.greet"]
        assert greet.typ == PROMPT_T
        declared = {k: v for k, v in plain(greet.inputs).items() if k not in ("admin_url", "master_key", "__provider")}
        assert declared == {"prompt_id": "greet", "template": TEMPLATE}  # environment and integration left unset
        production = plain(seen["catalog-prompt-production.greet"].inputs)
        assert (production["prompt_id"], production["environment"]) == ("greet", "production")
        remote = seen["catalog-prompt-development.remote"].inputs
        assert plain(remote)["integration"] == "generic_prompt_management" and "template" not in plain(remote)
        assert remote["api_key"].get(pulumi.runtime.rpc._special_sig_key) == pulumi.runtime.rpc._special_secret_sig
        assert [u for u in wire["catalog-prompt-development.greet"][1] if u.endswith("::gateway")]

    return pulumi.Output.all(*[r.urn for r in catalog.prompts.values()]).apply(check)


@pulumi.runtime.test
def test_teams_and_keys_naming_a_prompt_depend_on_it_in_every_environment(catalog_mocks):
    prompts = (PromptConfig(id="greet", template=TEMPLATE), PromptConfig(id="greet", environment="production",
                                                                         template="Hi"),
               PromptConfig(id="other", template="Other"))
    teams = (TeamConfig(alias="ml", prompts=("greet",)),)
    keys = (KeyConfig(alias="alice", team="ml", prompts=("greet",)),)
    _, catalog = build(catalog_mocks, teams=teams, keys=keys, prompts=prompts)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert plain(seen["catalog-team-ml"].inputs)["prompts"] == ["greet"]
        assert plain(seen["catalog-key-alice"].inputs)["prompts"] == ["greet"]
        for holder in ("catalog-team-ml", "catalog-key-alice"):
            named = sorted(u.rsplit("::", 1)[1] for u in wire[holder][1] if "::catalog-prompt-" in u)
            assert named == ["catalog-prompt-development.greet", "catalog-prompt-production.greet"], holder

    return pulumi.Output.all(*[r.urn for r in (*catalog.prompts.values(), *catalog.teams.values(),
                                                *catalog.keys.values())]).apply(check)
