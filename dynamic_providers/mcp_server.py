"""An MCP server on the LiteLLM gateway (`POST /v1/mcp/server`) as the dynamic resource `litellm:McpServer`.

The id is LiteLLM's `server_id`, chosen here (uuid4, or a fixed one) and always sent, so a lost create answer is
confirmed by `GET /v1/mcp/server/{id}` before trying again. Every field updates in place (`PUT /v1/mcp/server`
with the id in the body; the update is partial, an explicit null clears); only a new `server_id` replaces.

Traps of LiteLLM 1.108.7: `server_name` and `alias` are the tool prefix, joined to tool names with `-`, so a `-`
in them is refused (400); names and aliases are unique ignoring case. The URL need not answer at create (the
health check later marks the server `unhealthy`: volatile, never compared). The auth value (`credentials`) is
stored encrypted and never returned, so it is written only: a change is sent, a hand edit is not seen.

API: `McpServerProvider` is pickled by reference into every McpServer's state; the module path
`dynamic_providers.mcp_server` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Mapping

import pulumi
from pulumi.dynamic import CheckFailure

from kinds.declarations import (  # noqa: F401  (re-exported: their rules are the kind's)
    AUTH_TYPES,
    MCP_NAME,
    MCP_SERVER,
    TRANSPORTS,
    mcp_name_problem,
    mcp_url_problem,
)
from dynamic_providers.grants import HeldAs
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource, has_unknown

class McpServerProvider(ObjectProvider):
    """CRUD for `litellm:McpServer` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = MCP_SERVER.name
    fields = MCP_SERVER.fields
    id_field = MCP_SERVER.id_field
    identity_field = "server_name"
    held_as = HeldAs("mcp_servers", "DELETE /v1/mcp/server/{id}")

    def check_resource(self, olds, inputs, failures):
        for name in ("server_name", "alias"):
            value = inputs.get(name)
            if isinstance(value, str) and not has_unknown(value) and (problem := mcp_name_problem(value)):
                failures.append(CheckFailure(name, f"{name} {value!r} {problem}"))
        url = inputs.get("url")
        if isinstance(url, str) and not has_unknown(url) and (problem := mcp_url_problem(url)):
            failures.append(CheckFailure("url", f"url {url!r} {problem}"))
        if inputs.get("auth_value") is not None and inputs.get("auth_type") in (None, "none"):
            failures.append(CheckFailure("auth_value", "auth_value needs an auth_type (e.g. bearer_token)"))
        if not failures:
            super().check_resource(olds, inputs, failures)

    def send_create(self, api, body):
        return api.mcp_server_new(body)

    def fetch(self, api, object_id):
        return api.mcp_server_get(object_id)

    def send_update(self, api, object_id, body):
        return api.mcp_server_update(object_id, {k: v for k, v in body.items() if k != "server_id"})

    def send_delete(self, api, object_id, props):
        return api.mcp_server_delete(object_id)

    @staticmethod
    def _with_credentials(body: dict[str, Any]) -> dict[str, Any]:
        # LiteLLM takes the value inside `credentials`; a removed value is sent as null (it stops being used).
        if "auth_value" in body:
            body["credentials"] = {"auth_value": body.pop("auth_value")}
        return body

    def create_body(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return self._with_credentials(super().create_body(props))

    def update_body(self, olds, news, changed):
        return self._with_credentials(super().update_body(olds, news, changed))


class McpServer(LiteLLMResource, module="litellm", name="McpServer"):
    """An MCP server behind the LiteLLM gateway; inputs: `kinds.MCP_SERVER`'s fields. Type token `pulumi-python:dynamic/litellm:McpServer`."""

    provider_class = McpServerProvider
    server_id: pulumi.Output[str]
    server_name: pulumi.Output[str]
