"""A LiteLLM guardrail (`POST /guardrails`) as the dynamic resource `litellm:Guardrail`.

LiteLLM chooses the id (a UUID; a client `guardrail_id` is ignored), so the resource id is known only after the
create. The name is unique on the server, so a lost create answer is confirmed by listing `/v2/guardrails/list`
and matching the name. Updates are a full `PUT /guardrails/{id}` of the desired guardrail (PUT replaces: a removed
param goes away), with the api key from the program, never a value read back: LiteLLM shows it masked
(`gr****56`) and a PUT of the mask would store the mask as the key. The create answer echoes the key in clear; it
is never stored. The key is written only: a change of it is sent, a change on the server is not seen.

A new provider replaces the guardrail (delete first when the name stays: names are unique). A new name, mode,
default_on, api_base, api key or params updates in place.

API: `GuardrailProvider` is pickled by reference into every Guardrail's state; the module path
`dynamic_providers.guardrail` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import AdminConnection, LiteLLMResource
from kinds.declarations import GUARDRAIL, GUARDRAIL_OWN_PARAMS

_OWN_PARAMS = frozenset(GUARDRAIL.field(name).api for name in GUARDRAIL_OWN_PARAMS)  # as LiteLLM names them
_PARAMS_SECTION = "litellm_params"


def _shaped(theirs: Any, ours: Any) -> Any:
    """The server's value without the null defaults LiteLLM adds inside what we sent (blocked_words[].description)."""
    if isinstance(theirs, dict) and isinstance(ours, dict):
        return {k: _shaped(v, ours.get(k)) for k, v in theirs.items() if k in ours or v is not None}
    if isinstance(theirs, list) and isinstance(ours, list) and len(theirs) == len(ours):
        return [_shaped(t, o) for t, o in zip(theirs, ours)]
    return theirs


class GuardrailProvider(ObjectProvider):
    """CRUD for `litellm:Guardrail` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = GUARDRAIL.name
    fields = GUARDRAIL.fields
    id_field = GUARDRAIL.id_field
    generates_id = False
    server_assigns_id = True  # a client guardrail_id is ignored
    identity_field = "guardrail_name"  # unique on the server: finds a guardrail whose create answer was lost
    body_sections = {_PARAMS_SECTION: GUARDRAIL_OWN_PARAMS}
    spread_fields = {"params": _PARAMS_SECTION}  # the provider's other litellm_params
    taken_hint = ("a guardrail named {id!r} exists already: import it by its id (`/v2/guardrails/list`), "
                  "or choose another name")

    def check_resource(self, olds, inputs, failures):
        own = sorted(_OWN_PARAMS & set(inputs.get("params") or {}))
        if own:
            failures.append(CheckFailure("params", f"params must not hold {', '.join(own)}: use the resource's own "
                                         "inputs (api_key is a secret)"))

    def delete_before_replace(self, olds, news):
        return olds.get("guardrail_name") == news.get("guardrail_name")  # the name is unique on the server

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        return api.guardrail_new(body)

    def locate(self, api, props):
        return api.guardrail_named(props["guardrail_name"])

    def fetch(self, api, object_id):
        return api.guardrail_get(object_id)

    def update_body(self, olds, news, changed):
        return self.create_body(news)  # PUT replaces: always the whole desired guardrail

    def send_update(self, api, object_id, body):
        return api.guardrail_put(object_id, body)

    def send_delete(self, api, object_id, props):
        return api.guardrail_delete(object_id)

    def server_values(self, found):
        values = super().server_values(found)
        values["default_on"] = values.get("default_on") or None  # LiteLLM answers false for unset
        values.pop("api_key", None)  # shown masked: never the program's value
        return values

    def refreshed(self, object_id, props, found):
        ours = props.get("params")
        if isinstance(ours, dict) and isinstance(found.get("litellm_params"), dict):
            found = {**found, "litellm_params": _shaped(found["litellm_params"], {**ours, **{k: 1 for k in _OWN_PARAMS}})}
        return super().refreshed(object_id, props, found)

    def computed_outputs(self, found):
        return {}  # never copy an answer: the create answer holds the api key in clear; only its id is kept


class Guardrail(LiteLLMResource, module="litellm", name="Guardrail"):
    """A LiteLLM guardrail; its inputs are `kinds.GUARDRAIL`'s fields. Type token `pulumi-python:dynamic/litellm:Guardrail`."""

    provider_class = GuardrailProvider
    guardrail_id: pulumi.Output[str]
    guardrail_name: pulumi.Output[str]

    def __init__(self, resource_name: str, *, connection: AdminConnection,
                 opts: Optional[pulumi.ResourceOptions] = None, **inputs: Any) -> None:
        # Off is stored as unset, as every release before stored it (a false in the state would be a new input).
        super().__init__(resource_name, connection=connection, opts=opts,
                         **{**inputs, "default_on": inputs.get("default_on") or None})
