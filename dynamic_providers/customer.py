"""A LiteLLM end-user customer (`POST /customer/new`) as the dynamic resource `litellm:Customer`.

A customer is the `user` an OpenAI request names on a key: its own budget and limits apply to every request that
names it, whatever the key. The id is LiteLLM's end-user `user_id`, chosen by the program; fields: `kinds.CUSTOMER`.

Traps of LiteLLM 1.108.7, handled:
- `/customer/update` skips a null and a 0 (`_should_update_field`), so removing `alias`, `max_budget`, `budget_id`,
  `allowed_model_region` or `default_model`, or setting `max_budget` to 0, cannot happen in place: it replaces the
  customer (deleted first: the id is unique), and so do the budget fields the update does not take at all;
- `max_budget` and limits live in a budget row LiteLLM makes for the customer, which `/customer/delete` keeps: a
  delete removes it after the customer (never a `budgets[]` tier the customer names). Some updates leave one
  more row that nothing references (seen on 1.108.7, not the customer's own): it is not cleaned;
- LiteLLM makes customers itself from traffic (spend of a request's `user`): one found with our id is adopted.

API: `CustomerProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

import uuid
from typing import Any, Optional

import pulumi

from kinds.declarations import CUSTOMER, CUSTOMER_BUDGET_ROW
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource, declared

_NOT_CLEARABLE = ("alias", "max_budget", "budget_id", "allowed_model_region", "default_model")


def own_budget_row(budget_id: Any) -> bool:
    """A budget row LiteLLM made for the customer's own limits (a uuid), not a `budgets[]` tier (a name)."""
    try:
        uuid.UUID(str(budget_id))
    except ValueError:
        return False
    return True


class CustomerProvider(ObjectProvider):
    """CRUD for `litellm:Customer` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = CUSTOMER.name
    fields = CUSTOMER.fields
    id_field = CUSTOMER.id_field
    generates_id = False

    def send_create(self, api, body):
        return api.post("/customer/new", body, idempotent=False)

    def fetch(self, api, object_id) -> Optional[dict[str, Any]]:
        return api.absent_as_none(lambda: api.get("/customer/info", {"end_user_id": object_id}))

    def send_update(self, api, object_id, body):
        return api.post("/customer/update", {**body, "user_id": object_id}, idempotent=True)

    def send_delete(self, api, object_id, props):
        found = self.fetch(api, object_id)
        deleted = api.absent_as_none(
            lambda: api.post("/customer/delete", {"user_ids": [object_id]}, idempotent=True)) is not None
        budget_id = (found or {}).get("budget_id")
        if own_budget_row(budget_id):
            api.budget_row_delete(budget_id)
        return deleted

    def server_values(self, found):
        values = super().server_values(found)
        budget_id = found.get("budget_id")
        row = (found.get("litellm_budget_table") or {}) if own_budget_row(budget_id) else {}
        values.update({name: row.get(name) for name in CUSTOMER_BUDGET_ROW})
        values["budget_id"] = None if own_budget_row(budget_id) else budget_id
        return values

    def replacements(self, olds, news):
        replaces = super().replacements(olds, news)
        return replaces + [name for name in _NOT_CLEARABLE if name not in replaces and declared(olds, name)
                           and news.get(name) in (None, 0) and olds.get(name) != news.get(name)]

    def delete_before_replace(self, olds, news):
        return olds.get("user_id") == news.get("user_id")  # one id at a time


class Customer(LiteLLMResource, module="litellm", name="Customer"):
    """A LiteLLM end-user customer; inputs: `kinds.CUSTOMER`'s fields. Type `pulumi-python:dynamic/litellm:Customer`."""

    provider_class = CustomerProvider
    user_id: pulumi.Output[str]
