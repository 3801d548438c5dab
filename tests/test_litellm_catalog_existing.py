"""LiteLLMCatalog under Pulumi mocks: each `existing` entry is one litellm:Lookup, and the keys and memberships that
name it take its resolved id and wait for it (a missing object stops them at preview)."""

from __future__ import annotations

import pulumi

from config import ExistingConfig, ExistingRef, KeyConfig, MemberConfig, TeamConfig
from tests.support.catalog_mocks import LOOKUP_T, build
from tests.support.pulumi_program import plain

EXISTING = ExistingConfig(
    teams=(ExistingRef("team", "alias", "ml-platform", "existing.teams[0].alias"),),
    users=(ExistingRef("user", "email", "dave@example.com", "existing.users[0].email"),),
    budgets=(ExistingRef("budget", "name", "gold", "existing.budgets[0].name"),),
    models=(ExistingRef("model", "name", "gpt-4o", "existing.models[0].name"),))


@pulumi.runtime.test
def test_references_take_the_looked_up_ids_and_wait_for_the_lookups(catalog_mocks):
    teams = (TeamConfig(alias="own", members=(MemberConfig(user="dave@example.com"),)),)
    keys = (KeyConfig(alias="k1", team="ml-platform", user="dave@example.com", budget="gold", models=("gpt-4o",)),)
    _, catalog = build(catalog_mocks, models=(), teams=teams, keys=keys, existing=EXISTING)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        lookups = {n: plain(s.inputs) for n, s in seen.items() if s.typ == LOOKUP_T}
        assert {n: (i["kind"], i["by"], i["value"], i["config_key"]) for n, i in lookups.items()} == {
            "catalog-existing-team-ml-platform": ("team", "alias", "ml-platform", "existing.teams[0].alias"),
            "catalog-existing-user-dave@example.com": ("user", "email", "dave@example.com",
                                                       "existing.users[0].email"),
            "catalog-existing-budget-gold": ("budget", "name", "gold", "existing.budgets[0].name"),
            "catalog-existing-model-gpt-4o": ("model", "name", "gpt-4o", "existing.models[0].name")}
        key = plain(seen["catalog-key-k1"].inputs)
        assert (key["team_id"], key["user_id"], key["budget_id"], key["models"]) == (
            "found-ml-platform", "found-dave@example.com", "found-gold", ["gpt-4o"])
        assert {u.rsplit("::", 1)[1] for u in wire["catalog-key-k1"][1]} >= set(lookups)
        member = plain(seen["catalog-member-own-dave@example.com"].inputs)
        assert member["user_id"] == "found-dave@example.com"
        assert [u for u in wire["catalog-member-own-dave@example.com"][1]
                if u.endswith("::catalog-existing-user-dave@example.com")]

    return pulumi.Output.all(*[k.urn for k in catalog.keys.values()]).apply(check)
