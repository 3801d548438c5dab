"""LiteLLMCatalog under Pulumi mocks, issue 9: credentials[] and budgets[] become resources, models depend on
their credential (sent as litellm_credential_name), keys on their budget (sent as budget_id)."""

from __future__ import annotations

import pulumi

from config import BudgetConfig, CredentialConfig, KeyConfig, ModelConfig
from tests.support.pulumi_program import has_secret_envelope, plain
from tests.support.catalog_mocks import build

CREDENTIAL_T = "pulumi-python:dynamic/litellm:Credential"
BUDGET_T = "pulumi-python:dynamic/litellm:Budget"


@pulumi.runtime.test
def test_credentials_and_budgets_become_resources_their_users_depend_on(catalog_mocks):
    credentials = (CredentialConfig(name="upstream", values=pulumi.Output.secret({"api_key": "sk-up-0123456789"}),
                                    provider="openai", info={"team": "ml"}),)
    budgets = (BudgetConfig(name="tier-small", max_budget=5.0, rpm_limit=10),)
    models = (ModelConfig(name="gpt", model="openai/gpt-4o", credential="upstream"),)
    keys = (KeyConfig(alias="carol", budget="tier-small"), KeyConfig(alias="dave"))
    _, catalog = build(catalog_mocks, models=models, teams=(), keys=keys, credentials=credentials, budgets=budgets)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert seen["catalog-credential-upstream"].typ == CREDENTIAL_T
        assert seen["catalog-budget-tier-small"].typ == BUDGET_T
        credential = seen["catalog-credential-upstream"].inputs
        assert has_secret_envelope(credential["credential_values"])
        assert plain(credential)["credential_info"] == {"team": "ml", "custom_llm_provider": "openai"}
        budget = plain(seen["catalog-budget-tier-small"].inputs)
        assert {k: budget.get(k) for k in ("budget_id", "max_budget", "rpm_limit", "tpm_limit")} == {
            "budget_id": "tier-small", "max_budget": 5.0, "rpm_limit": 10, "tpm_limit": None}
        model = plain(seen["catalog-model-gpt"].inputs)
        assert model["extra_params"] == {"litellm_credential_name": "upstream"} and "api_key" not in model
        assert plain(seen["catalog-key-carol"].inputs)["budget_id"] == "tier-small"
        assert "budget_id" not in plain(seen["catalog-key-dave"].inputs)
        credential_urn = [u for u in wire["catalog-model-gpt"][1] if u.endswith("::catalog-credential-upstream")]
        budget_urn = [u for u in wire["catalog-key-carol"][1] if u.endswith("::catalog-budget-tier-small")]
        assert credential_urn and budget_urn, (wire["catalog-model-gpt"], wire["catalog-key-carol"])
        assert not [u for u in wire["catalog-key-dave"][1] if "budget" in u]

    return pulumi.Output.all(*[r.urn for r in (*catalog.credentials.values(), *catalog.budgets.values(),
                                               *catalog.models.values(), *catalog.keys.values())]).apply(check)
