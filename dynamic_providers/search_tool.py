"""A LiteLLM search tool (`POST /search_tools`) as the dynamic resource `litellm:SearchTool`.

A search tool is a web search backend (Perplexity, Tavily, Exa, ...) that clients call by name through
`/v1/search/{name}`. LiteLLM chooses the id (a uuid; a client `search_tool_id` is ignored), so the resource id is
known only after the create. The name is unique on the server: a lost create answer is confirmed by listing
`/search_tools/list` and matching the name (a second create would fail with a 500 unique-constraint error, not 409).

Traps of LiteLLM 1.108.7, handled:
- `PUT /search_tools/{id}` replaces the whole tool: every update sends the full desired tool, the api key from the
  program included (a PUT without it removes the key). A new name or provider is an update in place;
- the create and update answers echo the api key in clear: the admin client drops it from the answer
  (`without_clear_api_key`), so it never reaches an output, a log line or an error;
- reads show the key masked (first two + `****` + last two characters): drift of the key is seen by comparing that
  mask with the mask of the declared key (`key_as_declared`); a change that keeps the first and last two
  characters is not seen. A read value is never sent back (the PUT takes the program's key).

API: `SearchToolProvider` is pickled by reference into every SearchTool's state; the module path
`dynamic_providers.search_tool` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

from dynamic_providers.grants import HeldAs
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import SEARCH_TOOL, SEARCH_TOOL_PARAMS

_PARAMS_SECTION = "litellm_params"


def litellm_mask(value: str) -> str:
    """A sensitive value as LiteLLM's reads show it (`get_masked_values`, unmasked_length=4, 4 asterisks)."""
    return "*****" if len(value) <= 4 else f"{value[:2]}****{value[-2:]}"


def key_as_declared(found: Optional[dict[str, Any]], declared: Optional[str]) -> Optional[dict[str, Any]]:
    """A read search tool whose masked `api_key` is replaced by the declared key when it is that key's mask. Another
    mask (changed outside Pulumi) stays, so the next `up` sends the declared key again; an undeclared key is left
    out (an import never adopts a mask as the key)."""
    if not isinstance(found, dict) or not isinstance(found.get(_PARAMS_SECTION), dict):
        return found
    params = {k: v for k, v in found[_PARAMS_SECTION].items() if k != "api_key"}
    shown = found[_PARAMS_SECTION].get("api_key")
    if declared is not None and shown is not None:
        params["api_key"] = declared if shown == litellm_mask(declared) else shown
    return {**found, _PARAMS_SECTION: params}


class SearchToolProvider(ObjectProvider):
    """CRUD for `litellm:SearchTool` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = SEARCH_TOOL.name
    fields = SEARCH_TOOL.fields
    id_field = SEARCH_TOOL.id_field
    generates_id = False
    server_assigns_id = True  # a client search_tool_id is ignored
    identity_field = "search_tool_name"  # unique on the server: finds a tool whose create answer was lost
    held_as = HeldAs("search_tools", "DELETE /search_tools/{id}", carries="search_tool_name")  # granted by name
    body_sections = {_PARAMS_SECTION: SEARCH_TOOL_PARAMS}
    taken_hint = ("a search tool named {id!r} exists already: import it by its id (`/search_tools/list`), "
                  "or choose another name")

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        return api.search_tool_new(body)

    def locate(self, api, props):
        return key_as_declared(api.search_tool_named(props["search_tool_name"]), props.get("api_key"))

    def fetch(self, api, object_id):
        return api.search_tool_get(object_id)

    def update_body(self, olds, news, changed):
        return self.create_body(news)  # PUT replaces: always the whole desired tool, with the program's key

    def send_update(self, api, object_id, body):
        return api.search_tool_put(object_id, body)

    def send_delete(self, api, object_id, props):
        return api.search_tool_delete(object_id)

    def refreshed(self, object_id, props, found):
        return super().refreshed(object_id, props, key_as_declared(found, props.get("api_key")))


class SearchTool(LiteLLMResource, module="litellm", name="SearchTool"):
    """A LiteLLM search tool; its inputs are `kinds.SEARCH_TOOL`'s fields. Type token
    `pulumi-python:dynamic/litellm:SearchTool`."""

    provider_class = SearchToolProvider
    search_tool_id: pulumi.Output[str]
    search_tool_name: pulumi.Output[str]
