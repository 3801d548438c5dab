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

from typing import Optional

import pulumi

from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import AdminConnection, Field, LiteLLMResource

BUDGET_FIELDS = (
    Field("budget_id", "str", required=True),
    Field("max_budget", "number", minimum=0),
    Field("soft_budget", "number", minimum=0),
    Field("budget_duration", "str", duration=True),
    Field("tpm_limit", "int", minimum=0),
    Field("rpm_limit", "int", minimum=0),
    Field("max_parallel_requests", "int", minimum=1),
)


class BudgetProvider(ObjectProvider):
    """CRUD for `litellm:Budget`. Stateless; pickled by reference."""

    kind = "budget"
    fields = BUDGET_FIELDS
    id_field = "budget_id"
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
    """A LiteLLM budget. Type token `pulumi-python:dynamic/litellm:Budget`."""

    provider_class = BudgetProvider
    budget_id: pulumi.Output[str]

    def __init__(self, resource_name: str, *, connection: AdminConnection, budget_id: pulumi.Input[str],
                 max_budget: Optional[float] = None, soft_budget: Optional[float] = None,
                 budget_duration: Optional[str] = None, tpm_limit: Optional[int] = None,
                 rpm_limit: Optional[int] = None, max_parallel_requests: Optional[int] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        self._register(resource_name, connection, {
            "budget_id": budget_id, "max_budget": max_budget, "soft_budget": soft_budget,
            "budget_duration": budget_duration, "tpm_limit": tpm_limit, "rpm_limit": rpm_limit,
            "max_parallel_requests": max_parallel_requests,
        }, opts)
