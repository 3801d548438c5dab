"""A LiteLLM managed vector store (`POST /vector_store/new`) as the dynamic resource `litellm:VectorStore`.

The id is the store's `vector_store_id`, chosen by the program (the provider's own store id), so a lost create
answer is confirmed by a read before trying again. Fields: `kinds.VECTOR_STORE`.

Traps of LiteLLM 1.108.7, handled (each a named adapter below):
- `/vector_store/update` takes no `litellm_credential_name` and no `litellm_params`: it answers 200 and keeps the old
  values (`create_only`). A change of either replaces the store (deleted first: the id is unique); the name,
  description, metadata and provider update in place, and an explicit null clears them;
- `/vector_store/info` answers from the answering pod's registry first, and a pod's reload (every 30 s) only adds
  the stores it lacks (`add_vector_store_to_registry`): a pod that did not take a delete shows the store still
  there (measured: still 200 two reloads after a delete through another proxy on the same database), and one whose
  copy predates an update through another pod keeps the old values (drift at every refresh it answers). Reads
  therefore go to `/vector_store/list`, which reads the database (and brings that pod's registry up to date);
- the store shows `litellm_params` with every credential-like value as `REDACTED_BY_LITELM` and with
  LiteLLM's own defaults added (`use_litellm_proxy: false`, ...): only the declared, visible keys are compared
  (`as_declared`), and an import keeps neither (`without_server_additions`);
- LiteLLM never checks that the credential exists (the stack config does, at preview);
- a second create of an id answers 400 "already exists": a store there before our first try is refused (never adopted),
  one found after a lost answer is ours; a delete of a missing id answers 404 (already gone).

API: `VectorStoreProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Optional

import pulumi

from dynamic_providers.grants import HeldAs
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import VECTOR_STORE

# What LiteLLM shows instead of a credential-like value of `litellm_params` (sic: its spelling).
REDACTED = "REDACTED_BY_LITELM"
# The `litellm_params` LiteLLM adds to every store (GenericLiteLLMParams' defaults, the same in 1.108.7 and 1.108.14).
SERVER_PARAM_DEFAULTS = {name: False for name in (
    "allow_client_keepalive_override", "use_in_pass_through", "use_litellm_proxy", "use_xai_oauth",
    "merge_reasoning_content_in_choices")}
PARAMS = "litellm_params"


def create_only(body: Mapping[str, Any]) -> dict[str, Any]:
    """An update body without what `/vector_store/update` silently ignores (a change of those replaces)."""
    return {k: v for k, v in body.items() if not VECTOR_STORE.field(k).replaces}


def decoded(found: Mapping[str, Any]) -> dict[str, Any]:
    """The store with its maps as maps: LiteLLM's in-memory registry may hold them as JSON text (and so answer)."""
    maps = {}
    for name in (PARAMS, "vector_store_metadata"):
        if isinstance(found.get(name), str):
            try:
                maps[name] = json.loads(found[name])
            except ValueError:
                pass  # left as LiteLLM gave it: compared as it is, so seen as drift
    return {**found, **maps}


def as_declared(theirs: Any, ours: Any) -> Any:
    """The server's params in the shape of the declared ones: their keys only, a redacted value taken as ours."""
    if not isinstance(theirs, dict) or not isinstance(ours, dict):
        return theirs
    return {k: ours[k] if theirs[k] == REDACTED else theirs[k] for k in ours if k in theirs}


def without_server_additions(theirs: Any) -> Any:
    """The server's params as an import declares them: no redacted value, none of LiteLLM's added defaults."""
    if not isinstance(theirs, dict):
        return theirs
    return {k: v for k, v in theirs.items()
            if v != REDACTED and not (k in SERVER_PARAM_DEFAULTS and v == SERVER_PARAM_DEFAULTS[k])}


class VectorStoreProvider(ObjectProvider):
    """CRUD for `litellm:VectorStore` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = VECTOR_STORE.name
    fields = VECTOR_STORE.fields
    id_field = VECTOR_STORE.id_field
    generates_id = False
    held_as = HeldAs("vector_stores", "POST /vector_store/delete")
    # Adopting it would keep a credential and params the stack can neither see (redacted) nor change (create-only).
    taken_hint = ("a vector store with id {id!r} exists already, made outside this stack: delete it "
                  "(`POST /vector_store/delete`) or choose another id")

    def send_create(self, api, body):
        return api.post("/vector_store/new", body, idempotent=False)

    def fetch(self, api, object_id) -> Optional[dict[str, Any]]:
        found = api.vector_store_in_database(object_id)
        return decoded(found) if found else None

    def locate(self, api, props):
        found = self.fetch(api, self.object_id(props))
        if found is not None and props.get(PARAMS) is not None:
            found = {**found, PARAMS: as_declared(found.get(PARAMS), props[PARAMS])}
        return found

    def update_body(self, olds, news, changed):
        return create_only(super().update_body(olds, news, changed))

    def send_update(self, api, object_id, body):
        return api.post("/vector_store/update", {**body, "vector_store_id": object_id}, idempotent=True)

    def send_delete(self, api, object_id, props):
        return api.absent_as_none(lambda: api.post("/vector_store/delete", {"vector_store_id": object_id},
                                                   idempotent=True)) is not None

    def refreshed(self, object_id, props, found):
        ours, theirs = props.get(PARAMS), found.get(PARAMS)
        shaped = as_declared(theirs, ours) if isinstance(ours, dict) else without_server_additions(theirs)
        return super().refreshed(object_id, props, {**found, PARAMS: shaped})

    def delete_before_replace(self, olds, news):
        return olds.get("vector_store_id") == news.get("vector_store_id")  # one id at a time

    def computed_outputs(self, found):
        return {}  # nothing computed; an answer's params are never copied


class VectorStore(LiteLLMResource, module="litellm", name="VectorStore"):
    """A LiteLLM managed vector store; inputs: `kinds.VECTOR_STORE`'s fields. Type token
    `pulumi-python:dynamic/litellm:VectorStore`."""

    provider_class = VectorStoreProvider
    vector_store_id: pulumi.Output[str]
