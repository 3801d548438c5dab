"""A LiteLLM tag (`POST /tag/new`) as the dynamic resource `litellm:Tag`.

The id is the tag's `name` (LiteLLM's primary key), chosen by the program, so a create is safe to retry: after a
lost answer the name is looked up before trying again. A new name replaces the tag. Everything else updates in
place with `/tag/update`, which REPLACES description and models (omitted = cleared), so both are sent every time;
the budget fields (an inline budget row LiteLLM creates for the tag) are partial: only the changed ones are sent,
null clears. `/tag/info` shows the budget row under `litellm_budget_table`; a delete removes that row after the
tag (LiteLLM's /tag/delete keeps it).

API: `TagProvider` is pickled by reference into every Tag's state; the module path `dynamic_providers.tag` and
the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import pulumi

from kinds.declarations import TAG, TAG_BUDGET_ROW
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource


class TagProvider(ObjectProvider):
    """CRUD for `litellm:Tag` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = TAG.name
    fields = TAG.fields
    id_field = TAG.id_field
    generates_id = False
    taken_hint = "import it (`pulumi import pulumi-python:dynamic/litellm:Tag <name> {id}`), or choose another name"

    def send_create(self, api, body):
        return api.tag_new(body)

    def fetch(self, api, object_id):
        return api.tag_info(object_id)

    def send_update(self, api, object_id, body):
        return api.tag_update({**body, "name": object_id})

    def send_delete(self, api, object_id, props):
        # /tag/delete leaves the budget row LiteLLM made for the tag's limits; nothing else points at it.
        found = api.tag_info(object_id)
        deleted = api.tag_delete(object_id)
        api.budget_row_delete(((found or {}).get("litellm_budget_table") or {}).get("budget_id"))
        return deleted

    def update_body(self, olds, news, changed):
        body = super().update_body(olds, news, changed)
        # /tag/update replaces these two: omitting one would clear it.
        body["description"] = news.get("description")
        body["models"] = list(news.get("models") or [])
        return body

    def server_values(self, found):
        budget = found.get("litellm_budget_table") or {}
        values = {"name": found.get("name"), "description": found.get("description"), "models": found.get("models")}
        values.update({name: budget.get(name) for name in TAG_BUDGET_ROW})
        return values


class Tag(LiteLLMResource, module="litellm", name="Tag"):
    """A LiteLLM tag; its inputs are `kinds.TAG`'s fields. Type token `pulumi-python:dynamic/litellm:Tag`."""

    provider_class = TagProvider
    name: pulumi.Output[str]
