"""A LiteLLM unified access group (`POST /v1/access_group`) as the dynamic resource `litellm:UnifiedAccessGroup`.

A unified access group grants models and MCP servers together to the teams and keys that carry its id in their
`access_group_ids`. LiteLLM chooses the id (a uuid), so the resource id is known only after the create; the name is
unique on the server (a second one answers 409), so a lost create answer is confirmed by listing
`GET /v1/access_group` and matching the name. Updates are a partial `PUT /v1/access_group/{id}` (a removed list is
sent as null, which LiteLLM stores as empty); every field, the name too, updates in place.

Membership is written by LiteLLM on both sides: the group's `assigned_team_ids`/`assigned_key_ids` and each team's or
key's `access_group_ids` are kept in sync whichever side is written. The stack owns it from the holders' side only
(`teams[].unifiedAccessGroups`, `keys[].unifiedAccessGroups`), so this resource neither sends nor compares the
assigned ids: a plan written from both sides would never converge. A delete removes the group's id from every team
and key that carries it (LiteLLM does that in the same transaction).

LiteLLM does not check `access_model_names` (any string is stored); the stack config checks them against models[].

API: `UnifiedAccessGroupProvider` is pickled by reference into every UnifiedAccessGroup's state; the module path
`dynamic_providers.unified_access_group` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import pulumi

from dynamic_providers.grants import HeldAs
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import UNIFIED_ACCESS_GROUP


class UnifiedAccessGroupProvider(ObjectProvider):
    """CRUD for `litellm:UnifiedAccessGroup` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = UNIFIED_ACCESS_GROUP.name
    fields = UNIFIED_ACCESS_GROUP.fields
    id_field = UNIFIED_ACCESS_GROUP.id_field
    generates_id = False
    server_assigns_id = True
    identity_field = "access_group_name"  # unique on the server: finds a group whose create answer was lost
    held_as = HeldAs("access_group_ids", "DELETE /v1/access_group/{id}")
    taken_hint = ("a unified access group named {id!r} exists already: import it by its id (`GET /v1/access_group`), "
                  "or choose another name")

    def delete_before_replace(self, olds, news):
        return olds.get("access_group_name") == news.get("access_group_name")  # the name is unique on the server

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        return api.access_group_new(body)

    def locate(self, api, props):
        return api.access_group_named(props["access_group_name"])

    def fetch(self, api, object_id):
        return api.access_group_get(object_id)

    def send_update(self, api, object_id, body):
        return api.access_group_update(object_id, body)

    def send_delete(self, api, object_id, props):
        return api.access_group_delete(object_id)


class UnifiedAccessGroup(LiteLLMResource, module="litellm", name="UnifiedAccessGroup"):
    """A LiteLLM unified access group; inputs: `kinds.UNIFIED_ACCESS_GROUP`'s fields. Type token
    `pulumi-python:dynamic/litellm:UnifiedAccessGroup`."""

    provider_class = UnifiedAccessGroupProvider
    access_group_id: pulumi.Output[str]
    access_group_name: pulumi.Output[str]
