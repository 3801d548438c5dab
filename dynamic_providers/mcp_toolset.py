"""An MCP toolset on the LiteLLM gateway (`POST /v1/mcp/toolset`) as the dynamic resource `litellm:McpToolset`.

A toolset is a named list of `{server_id, tool_name}`: keys and teams granted it (`object_permission.mcp_toolsets`)
may use exactly those tools, and `/toolset/<name>/mcp` serves them. LiteLLM chooses the id (a uuid), so the resource
id is known only after the create; the name is unique (409), so a lost create answer is settled by listing
`GET /v1/mcp/toolset` and matching the name. Every field updates in place (`PUT /v1/mcp/toolset` with the id in the
body, partial: null clears `description`; a null `tools` is ignored, so an emptied list is sent as `[]`).

Traps of LiteLLM 1.108.7, handled: server ids are not checked (the stack config checks that each names one of its
`mcpServers[]`, and the resource depends on those servers); the delete answers 202 with no body; a delete or PUT of
a missing id may answer 500 instead of 404 (`missing_toolset_500`).

API: `McpToolsetProvider` is pickled by reference into every McpToolset's state; the module path
`dynamic_providers.mcp_toolset` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Callable, Optional
from urllib.parse import quote

import pulumi

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.grants import HeldAs
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import MCP_TOOLSET

TOOLSETS = "/v1/mcp/toolset"
_TOOL_KEYS = MCP_TOOLSET.field("tools").item_keys


def _toolset_path(toolset_id: str) -> str:
    return f"{TOOLSETS}/{quote(toolset_id, safe='')}"


def missing_toolset_500(api: AdminClient, send: Callable[[], Any], toolset_id: str) -> Any:
    """A delete or PUT of a missing id answers 500 (seen on 1.108.7 and 1.108.14; the source means 404): a GET of the
    id tells which it was, and a 404 there is answered as the 404 it is."""
    try:
        return send()
    except LiteLLMAdminError as exc:
        if not exc.server_error or api.absent_as_none(lambda: api.get(_toolset_path(toolset_id))) is not None:
            raise
        raise api.error(exc.method, exc.endpoint, 404, f"toolset {toolset_id} not found (LiteLLM answered "
                        f"{exc.status}: {exc.message})") from None


class McpToolsetProvider(ObjectProvider):
    """CRUD for `litellm:McpToolset` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = MCP_TOOLSET.name
    fields = MCP_TOOLSET.fields
    id_field = MCP_TOOLSET.id_field
    generates_id = False
    server_assigns_id = True
    identity_field = "toolset_name"  # unique on the server: finds a toolset whose create answer was lost
    held_as = HeldAs("mcp_toolsets", "DELETE /v1/mcp/toolset/{id}")
    taken_hint = ("an MCP toolset named {id!r} exists already: import it by its id (`GET /v1/mcp/toolset`), or "
                  "choose another name")

    def delete_before_replace(self, olds, news):
        return olds.get("toolset_name") == news.get("toolset_name")  # the name is unique on the server

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        return api.post(TOOLSETS, body, idempotent=False) or {}

    def locate(self, api, props):
        rows = api.get(TOOLSETS) or []
        return next((r for r in rows if isinstance(r, dict) and r.get("toolset_name") == props["toolset_name"]), None)

    def fetch(self, api, object_id) -> Optional[dict[str, Any]]:
        return api.absent_as_none(lambda: api.get(_toolset_path(object_id)))

    def update_body(self, olds, news, changed):
        body = super().update_body(olds, news, changed)
        if "tools" in body:
            body["tools"] = list(body["tools"] or [])  # null would keep the stored tools
        return body

    def send_update(self, api, object_id, body):
        return missing_toolset_500(api, lambda: api.request("PUT", TOOLSETS, json={**body, "toolset_id": object_id}),
                                   object_id)

    def send_delete(self, api, object_id, props):
        # 202 with an empty body: deleted all the same.
        return api.absent_as_none(lambda: missing_toolset_500(
            api, lambda: api.request("DELETE", _toolset_path(object_id), ok=(200, 202, 204)) or True,
            object_id)) is not None

    def server_values(self, found):
        values = super().server_values(found)
        values["tools"] = [{k: tool.get(k) for k in _TOOL_KEYS} for tool in values.get("tools") or []
                           if isinstance(tool, dict)] or None
        return values


class McpToolset(LiteLLMResource, module="litellm", name="McpToolset"):
    """A named set of MCP tools; inputs: `kinds.MCP_TOOLSET`'s fields. Type token
    `pulumi-python:dynamic/litellm:McpToolset`."""

    provider_class = McpToolsetProvider
    toolset_id: pulumi.Output[str]
    toolset_name: pulumi.Output[str]
