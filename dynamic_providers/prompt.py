"""A LiteLLM managed prompt (`POST /prompts`) as the dynamic resource `litellm:Prompt`.

A prompt is a template an OpenAI request names by `prompt_id`; LiteLLM keeps one per (id, environment). The resource
id is `<environment>/<prompt_id>` (both are the program's, so `Prompt.get("p", "production/greet", ...)` imports
any environment's prompt); fields: `kinds.PROMPT`.

Quirks of LiteLLM 1.108.7, each a named adapter below:
- a create never conflicts: the same `POST /prompts` again appends a version (`greet.v2`). So a create reads
  `/prompts/{id}/info` first (one already there, left by a create whose answer an earlier run lost or made by
  hand, is taken over in place), and after an answer that leaves the outcome open it reads again and is never sent
  again: a slow proxy can commit a timed-out create after that read (seen on a loaded machine), so not found then
  fails the `up` (`unsettled_create_hint`); the next `up` finds the prompt if it landed;
- a missing prompt's info answers 400 `Prompt greet not found`, not 404 (`prompt_info_or_none`);
- updates use `PATCH /prompts/{id}?environment=`, which rewrites the latest version in place, not `PUT`, which
  appends one: a PATCH is idempotent, so a lost update answer is simply sent again without a stray version; every
  replica reloads the changed row (`sync_prompt_from_db` compares the params); and history is the stack config's
  own (git), not one LiteLLM version per `pulumi up` (an application pinning `greet.v1` gets the new text too).
  `version` is an output, never drift;
- PATCH replaces `litellm_params` whole, so every update sends all of them, with the api key from the program;
- `litellm_params.prompt_id` must name the prompt too: without it the proxy stores the prompt, but a chat request
  naming it (`prompt_id`) reaches the model without the template (measured on 1.108.7), so it is always sent;
- `prompt_type` must be `db`: a `config` prompt can be neither updated nor deleted (`Cannot update config prompts`);
- a delete without `?environment=` drops the prompt from every environment: it is always sent (`environment_query`),
  and so is every info, which without it answers from the pod's memory in its serve order (production first).

API: `PromptProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional
from urllib.parse import quote

import pulumi

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource, create_confirmed
from kinds.declarations import PROMPT, PROMPT_DEFAULT_ENVIRONMENT, PROMPT_PARAMS

_PARAMS = "litellm_params"


def environment_of(props: Mapping[str, Any]) -> str:
    return props.get("environment") or PROMPT_DEFAULT_ENVIRONMENT


def prompt_resource_id(prompt_id: str, environment: str) -> str:
    return f"{environment}/{prompt_id}"


def split_id(id_: str) -> tuple[str, str]:
    """(prompt_id, environment) of a resource id; an id alone is the default environment's."""
    environment, _, prompt_id = id_.rpartition("/")
    if not prompt_id:
        raise ValueError(f"{id_!r} is not a prompt id; use <environment>/<prompt_id>, e.g. production/greet")
    return prompt_id, environment or PROMPT_DEFAULT_ENVIRONMENT


def environment_query(environment: str) -> dict[str, str]:
    """Every call names the environment: without it a delete drops them all and an info picks one itself."""
    return {"environment": environment}


def unsettled_create_hint(label: str) -> str:
    """A create whose answer was lost and whose prompt was not there yet: sending it again could add a version."""
    return (f"the create of {label} may still land on the proxy; run `pulumi up` again: it takes the prompt over if "
            "it did (no second version), and creates it otherwise")


def prompt_info_or_none(api: AdminClient, prompt_id: str, environment: str) -> Optional[dict[str, Any]]:
    """The prompt's spec, or None when absent: LiteLLM answers 400 `Prompt <id> not found` there, not 404."""
    answer = api.absent_as_none(lambda: api.get(f"/prompts/{quote(prompt_id, safe='')}/info",
                                                environment_query(environment)))
    return None if answer is None else answer.get("prompt_spec")


class PromptProvider(ObjectProvider):
    """CRUD for `litellm:Prompt` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = PROMPT.name
    fields = PROMPT.fields
    id_field = None  # `<environment>/<prompt_id>`
    generates_id = False

    def object_id(self, props):
        return prompt_resource_id(props["prompt_id"], environment_of(props))

    def label(self, props):
        return f"prompt {props['prompt_id']} ({environment_of(props)})"

    def create_body(self, props):
        params = {PROMPT.field(name).api: props.get(name) for name in PROMPT_PARAMS if props.get(name) is not None}
        params.setdefault("prompt_integration", PROMPT.field("integration").server_default)  # LiteLLM requires it
        params["prompt_id"] = props["prompt_id"]  # without it, requests get no template
        return {"prompt_id": props["prompt_id"], _PARAMS: params,
                "prompt_info": {"prompt_type": "db", "environment": environment_of(props)}}

    def update_body(self, olds, news, changed):
        return self.create_body(news)  # PATCH replaces litellm_params whole

    def replacements(self, olds, news):
        replaces = super().replacements(olds, news)
        if "environment" in replaces and environment_of(olds) == environment_of(news):
            replaces.remove("environment")  # unset is development: the same prompt
        return replaces

    def confirmed_create(self, api, props):
        """Read first, POST at most once (a repeat would append a version): see the module docstring."""
        object_id = self.object_id(props)
        found = self.fetch(api, object_id)
        if found is not None:
            return self._reconcile(api, object_id, props, found, None)  # no identity to conflict: the id is all
        body = self.create_body(props)
        try:
            return create_confirmed(
                api, self.label(props), lambda: self.send_create(api, body), lambda: self.fetch(api, object_id),
                reconcile=lambda again, exc: self._reconcile(api, object_id, props, again, exc), attempts=1)
        except LiteLLMAdminError as exc:
            if exc.outcome_unknown:
                raise api.error(exc.method, exc.endpoint, exc.status, exc.message,
                                hint=unsettled_create_hint(self.label(props))) from None
            raise

    # calls -------------------------------------------------------------------------------------------
    def send_create(self, api, body):
        return api.post("/prompts", body, idempotent=False)  # a repeat appends a version

    def fetch(self, api, object_id):
        return prompt_info_or_none(api, *split_id(object_id))

    def send_update(self, api, object_id, body):
        prompt_id, environment = split_id(object_id)
        return api.request("PATCH", f"/prompts/{quote(prompt_id, safe='')}", params=environment_query(environment),
                           json=body, idempotent=True)

    def send_delete(self, api, object_id, props):
        prompt_id, environment = split_id(object_id)
        return api.absent_as_none(lambda: api.request(
            "DELETE", f"/prompts/{quote(prompt_id, safe='')}", params=environment_query(environment),
            idempotent=True)) is not None

    def server_values(self, found):
        params = found.get(_PARAMS) or {}
        values = {name: params.get(PROMPT.field(name).api) for name in PROMPT_PARAMS if name != "api_key"}
        environment = found.get("environment") or (found.get("prompt_info") or {}).get("environment")
        return {**values, "prompt_id": found.get("prompt_id"), "environment": environment}

    def computed_outputs(self, found):
        # Only the version: answers hold the api key in clear.
        version = found.get("version") if isinstance(found, Mapping) else None
        return {} if version is None else {"version": int(version)}


class Prompt(LiteLLMResource, module="litellm", name="Prompt"):
    """A LiteLLM managed prompt; inputs: `kinds.PROMPT`'s fields. Type `pulumi-python:dynamic/litellm:Prompt`."""

    provider_class = PromptProvider
    prompt_id: pulumi.Output[str]
    version: pulumi.Output[int]
