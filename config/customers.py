"""`customers[]`: LiteLLM end-user customers, the `user` of an OpenAI request (fields: kinds/declarations.py)."""

from __future__ import annotations

from typing import Any, Collection

from config.kind_reader import read_entries
from config.reader import Reader
from kinds.declarations import CUSTOMER

CUSTOMER_KEYS = CUSTOMER.config_keys
CustomerConfig = CUSTOMER.config_class("CustomerConfig", __name__, "An end-user customer (`customers[]`); `id` is "
                                       "the `user` its requests send.")
# LiteLLM makes a budget row for these, and then ignores `budget_id` (or refuses it with max_budget, 422).
_OWN_LIMITS = ("maxBudget", "budgetDuration", "tpmLimit", "rpmLimit")


def parse_customers(top: Reader, declared_models: Collection[str], declared_budgets: Collection[str]
                    ) -> tuple[Any, ...]:
    customers = []
    declared = {"models": declared_models, "budgets": declared_budgets}
    for item, values in read_entries(top, CUSTOMER, declared=declared):
        own = [key for key in _OWN_LIMITS if values[CUSTOMER.field_by_key(key).attribute] is not None]
        if values["budget"] is not None and own:
            item.fail_key("budget", f"conflicts with {', '.join(own)}: a customer has a budget tier or limits of its "
                          "own, not both (LiteLLM would ignore the tier); drop one")
        models, default = values["models"], values["default_model"]
        if default is not None and models and default not in models:
            item.fail_key("defaultModel", f"{default!r} is not among the customer's models ({', '.join(models)}); "
                          "add it there or choose one of them")
        customers.append(CustomerConfig(**values))
    return tuple(customers)
