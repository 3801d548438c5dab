"""A reusable LiteLLM budget (`POST /budget/new`) as the dynamic resource `litellm:Budget`.

The id is the `budget_id`, chosen by the program (the stack config's `name`); a new name replaces the budget
(create-before-delete, so keys move to the new budget before the old one goes). Every other field updates in place
(`/budget/update` is partial; an explicit null clears a field).

Traps: LiteLLM answers "not found" with 200 `[]` (`/budget/info`) and 200 `null` (`/budget/update`,
`/budget/delete`), handled in the typed client calls. Deleting a budget that keys still reference succeeds and
silently drops their limits, so keys depend on their budget (deleted first). An unknown `budget_id` on
`/key/generate` is a generic 500: the stack config checks references at preview.

API: `BudgetProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

import pulumi

from kinds.declarations import BUDGET
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource


class BudgetProvider(ObjectProvider):
    """CRUD for `litellm:Budget`. Stateless; pickled by reference."""

    kind = BUDGET.name
    fields = BUDGET.fields
    id_field = BUDGET.id_field
    generates_id = False

    def send_create(self, api, body):
        return api.budget_new(body)

    def fetch(self, api, object_id):
        return api.budget_info(object_id)

    def send_update(self, api, object_id, body):
        return api.budget_update(object_id, body)

    def send_delete(self, api, object_id, props):
        return api.budget_delete(object_id)


class Budget(LiteLLMResource, module="litellm", name="Budget"):
    """A LiteLLM budget; its inputs are `kinds.BUDGET`'s fields. Type token `pulumi-python:dynamic/litellm:Budget`."""

    provider_class = BudgetProvider
    budget_id: pulumi.Output[str]
