"""A LiteLLM A2A agent (`POST /v1/agents`, LiteLLM's agent registry) as the dynamic resource `litellm:Agent`.

An agent in the registry is a named entry point on the gateway (`/a2a/<agent_id>`) for an agent that runs elsewhere
(its A2A card names its `url`) or on a model of the gateway (`litellm_params.model`): callers reach it with their
virtual keys, and the agent's rate limits and spend are LiteLLM's. Fields: `kinds.AGENT`.

Traps of LiteLLM 1.108.7 (and 1.108.14, the same code), handled:
- the id is LiteLLM's uuid and the name is unique: a lost create answer is confirmed by listing `GET /v1/agents`
  and matching the name; a name taken on another replica answers 409 "already registered" (`name_taken`);
- that list is the answering pod's memory, reloaded every 30 s: an agent created through another pod, or while this
  pod's reload read the table (which then rebuilds the list without it), is missing from it until the next reload.
  So a lost create answer waits for the agent to show (once per run, `shown`) before creating again, which would be
  refused as a taken name and leave the agent outside the stack. `GET /v1/agents/{id}` falls back to the database;
  only its values may lag (a refresh right after an update through another pod may show the old ones once);
- the server merges its own keys into the card (`supportedInterfaces`, `security`, `securitySchemes`, a default
  `provider`, `version`, ...): only the declared card keys are compared, and an import leaves LiteLLM's own out;
- credentials in `litellm_params` read back as `REDACTED_BY_LITELM` (`kinds.agent_param_hidden`): written only,
  the program's value is kept; and a write that omits one keeps it, so removing one replaces the agent;
- `static_headers` (often the agent's own credential) come back in clear to the proxy admin: compared as any
  field, and a secret input and output;
- `PUT` keeps omitted limits: updates are a `PATCH` of the changed fields, where an explicit null clears a limit
  and a new name renames in place; a removed card is sent as `{}` (a null would keep the old card), with the
  name, which the merge gives a card without one (as on create).

API: `AgentProvider` is pickled by reference into every Agent's state; the module path `dynamic_providers.agent`
and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional
from urllib.parse import quote

import pulumi
from pulumi.dynamic import CheckFailure

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import AGENT, AGENT_CARD_SERVER_KEYS, agent_card_problems, agent_param_hidden

REDACTED = "REDACTED_BY_LITELM"  # LiteLLM's REDACTED_BY_LITELM_STRING (sic)
_AGENTS = "/v1/agents"


def _path(agent_id: str) -> str:
    return f"{_AGENTS}/{quote(agent_id, safe='')}"


def name_taken(api: Any, exc: LiteLLMAdminError) -> LiteLLMAdminError:
    """A name another replica registered answers 409 "already registered" (the database's unique name), not the
    400 "already exists" of the answering replica's memory: the same refusal, said as the latter."""
    if exc.status == 409 and exc.mentions("already registered"):
        return api.error(exc.method, exc.endpoint, 400, f"agent name already exists: {exc.message}",
                         error_type=exc.error_type)
    return exc


def _with_our_credentials(theirs: Any, ours: Any) -> Any:
    """The server's litellm_params with each redacted credential replaced by the program's value (written only)."""
    if not isinstance(theirs, dict):
        return theirs
    ours = ours if isinstance(ours, dict) else {}
    return {k: (ours[k] if v == REDACTED and k in ours else v) for k, v in theirs.items()
            if not (v == REDACTED and k not in ours)}


class AgentProvider(ObjectProvider):
    """CRUD for `litellm:Agent` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = AGENT.name
    fields = AGENT.fields
    id_field = AGENT.id_field
    generates_id = False
    server_assigns_id = True
    identity_field = "agent_name"  # unique on the server: finds an agent whose create answer was lost
    server_owned_keys = {"agent_card_params": AGENT_CARD_SERVER_KEYS}
    taken_hint = ("an agent named {id!r} exists already: import it by its id (`GET /v1/agents`), "
                  "or choose another name")

    def check_resource(self, olds, inputs, failures):
        card = inputs.get("agent_card_params")
        if isinstance(card, dict):
            failures.extend(CheckFailure("agent_card_params", f"agent_card_params.{key} {problem}")
                            for key, problem in agent_card_problems(card))

    def replacements(self, olds, news):
        replaces = super().replacements(olds, news)
        kept = set((news.get("litellm_params") or {}))
        if any(agent_param_hidden(k) and k not in kept for k in (olds.get("litellm_params") or {})):
            replaces.append("litellm_params")  # LiteLLM keeps a credential a write leaves out
        return replaces

    def delete_before_replace(self, olds, news):
        return olds.get("agent_name") == news.get("agent_name")  # the name is unique on the server

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        try:
            return api.post(_AGENTS, body, idempotent=False)
        except LiteLLMAdminError as exc:
            raise name_taken(api, exc) from None

    def locate(self, api, props) -> Optional[dict[str, Any]]:
        """Our agent after a lost create answer, as far as we declared it (the card and params LiteLLM augments
        compared by the declared keys only, so a found agent that matches gets no update)."""
        name = props["agent_name"]
        found = self.shown(api, lambda: next((r for r in api.get(_AGENTS) or []
                                              if isinstance(r, dict) and r.get("agent_name") == name), None),
                           f"agent {name}")
        if found is None:
            return None
        found = {**found, "litellm_params": _with_our_credentials(found.get("litellm_params"),
                                                                  props.get("litellm_params"))}
        declared_only = {name: {k: v for k, v in (found.get(name) or {}).items() if k in props[name]}
                         for name in ("agent_card_params", "litellm_params") if isinstance(props.get(name), dict)}
        return {**found, **declared_only}

    def fetch(self, api, object_id):
        return api.absent_as_none(lambda: api.get(_path(object_id)))

    def update_body(self, olds, news, changed):
        body = super().update_body(olds, news, changed)
        if "agent_card_params" in body:
            if body["agent_card_params"] is None:
                body["agent_card_params"] = {}  # a null keeps the old card; {} leaves LiteLLM's default one
            body["agent_name"] = news["agent_name"]  # the merge names a card without a name after it, as a create
        return body

    def send_update(self, api, object_id, body):
        try:
            return api.patch(_path(object_id), body)
        except LiteLLMAdminError as exc:
            raise name_taken(api, exc) from None

    def send_delete(self, api, object_id, props):
        return api.absent_as_none(lambda: api.request("DELETE", _path(object_id))) is not None

    def refreshed(self, object_id: str, props: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
        found = {**found, "litellm_params": _with_our_credentials(found.get("litellm_params"),
                                                                  props.get("litellm_params"))}
        return super().refreshed(object_id, props, found)


class Agent(LiteLLMResource, module="litellm", name="Agent"):
    """A LiteLLM A2A agent; its inputs are `kinds.AGENT`'s fields. Type token `pulumi-python:dynamic/litellm:Agent`."""

    provider_class = AgentProvider
    agent_id: pulumi.Output[str]
    agent_name: pulumi.Output[str]
