"""LiteLLMCatalog under Pulumi mocks: customers[] become litellm:Customer resources with the inputs the kind's schema
maps from the config, after the budget tier and the models they name."""

from __future__ import annotations

import pulumi

from config import BudgetConfig, CustomerConfig, ModelConfig
from tests.support.pulumi_program import plain
from tests.support.catalog_mocks import build

CUSTOMER_T = "pulumi-python:dynamic/litellm:Customer"


@pulumi.runtime.test
def test_customers_become_resources_after_their_budget_and_models(catalog_mocks):
    budgets = (BudgetConfig(name="tier-1", max_budget=5.0),)
    models = (ModelConfig(name="granite", model="openai/granite"), ModelConfig(name="other", model="openai/other"))
    customers = (CustomerConfig(id="acme", alias="Acme", max_budget=2.0, allowed_model_region="eu",
                                default_model="granite", models=("granite",)),
                 CustomerConfig(id="solo", budget="tier-1", blocked=True))
    _, catalog = build(catalog_mocks, models=models, teams=(), keys=(), budgets=budgets, customers=customers)

    def check(_):
        seen, wire = catalog_mocks.seen, catalog_mocks.wire
        assert seen["catalog-customer-acme"].typ == CUSTOMER_T
        acme, solo = plain(seen["catalog-customer-acme"].inputs), plain(seen["catalog-customer-solo"].inputs)
        assert {k: acme.get(k) for k in ("user_id", "alias", "max_budget", "allowed_model_region", "default_model",
                                         "models", "budget_id", "blocked")} == {
            "user_id": "acme", "alias": "Acme", "max_budget": 2.0, "allowed_model_region": "eu",
            "default_model": "granite", "models": ["granite"], "budget_id": None, "blocked": False}
        assert (solo["user_id"], solo["budget_id"], solo["blocked"], solo.get("models")) == ("solo", "tier-1", True, None)
        assert [u for u in wire["catalog-customer-acme"][1] if u.endswith("::catalog-model-granite")]
        assert not [u for u in wire["catalog-customer-acme"][1] if u.endswith("::catalog-model-other")]
        assert [u for u in wire["catalog-customer-solo"][1] if u.endswith("::catalog-budget-tier-1")]

    return pulumi.Output.all(*[r.urn for r in catalog.customers.values()]).apply(check)
