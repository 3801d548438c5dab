"""One fallback rule of the LiteLLM proxy (`POST /fallback`) as the dynamic resource `litellm:Fallback`.

A rule is (model, fallback_type) -> ordered target models; fallback_type is `general`, `context_window` or
`content_policy`. The id is `<fallback_type>:<model>` (the natural key; a POST is an upsert, so a lost answer is
simply sent again). Changing the targets updates in place; another model or type replaces the rule.

Traps (LiteLLM 1.108.7, measured): all rules live in ONE database row (`router_settings`), and the proxy edits it
read-modify-write without a lock, so concurrent writes lose rules (8 parallel POSTs kept 2). Every write of this
provider process therefore holds `_WRITES` (the mechanism's `write_lock`) and is read back afterwards (written again
when another writer undid it). `GET /fallback` answers from the answering pod's router, which reloads the row every
30 s: other pods lag behind the database, and so does the writing pod when its reload read the row just before our
write. So a rule not shown is waited for (`shown`) before a refresh calls it gone (it would drop it from the stack;
once per run) and before a write's read-back calls it undone (after each write: it was written again, and failed
after 4 writes, on a multi-pod gateway whose other pods had not reloaded yet).

API: `FallbackProvider` is pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

import logging
import threading
import time

import pulumi
from pulumi.dynamic import CheckFailure

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource
from kinds.declarations import FALLBACK, FALLBACK_TYPES

log = logging.getLogger("litemaas.litellm_admin")

# One writer at a time in this process: LiteLLM's read-modify-write of the one row loses concurrent rules.
_WRITES = threading.Lock()
_VERIFY_ATTEMPTS = 4


def fallback_id(model: str, fallback_type: str) -> str:
    return f"{fallback_type}:{model}"


def split_id(id_: str) -> tuple[str, str]:
    """(model, fallback_type) of an id; the type never contains ':', a model name may."""
    fallback_type, _, model = id_.partition(":")
    if fallback_type not in FALLBACK_TYPES or not model:
        raise ValueError(f"{id_!r} is not a fallback id; use <fallback_type>:<model>, e.g. general:granite-8b, "
                         f"with a type of {', '.join(FALLBACK_TYPES)}")
    return model, fallback_type


class FallbackProvider(ObjectProvider):
    """CRUD for `litellm:Fallback`. Stateless; pickled by reference."""

    kind = FALLBACK.name
    fields = FALLBACK.fields
    id_field = None  # the id is `<fallback_type>:<model>`
    generates_id = False
    write_lock = _WRITES
    upserts = True

    def object_id(self, props):
        return fallback_id(props["model"], props["fallback_type"])

    def check_resource(self, olds, inputs, failures):
        model, targets = inputs.get("model"), inputs.get("fallback_models") or []
        if not targets:
            failures.append(CheckFailure("fallback_models", "fallback_models must list at least one model"))
        elif model in targets:
            failures.append(CheckFailure("fallback_models", f"model {model!r} cannot be its own fallback"))

    # calls: every write is serialised by the mechanism and read back here -----------------------------
    def send_create(self, api, body):
        self._write(api, body["model"], body["fallback_type"], list(body["fallback_models"]))

    def send_update(self, api, object_id, body):
        model, fallback_type = split_id(object_id)
        self._write(api, model, fallback_type, list(body["fallback_models"]))  # only the targets change in place

    def fetch(self, api, object_id):
        model, fallback_type = split_id(object_id)
        targets = self.shown(api, lambda: api.fallback_get(model, fallback_type), f"fallback rule {object_id}")
        return None if targets is None else {"model": model, "fallback_type": fallback_type,
                                             "fallback_models": targets}

    def send_delete(self, api, object_id, props):
        model, fallback_type = split_id(object_id)
        for attempt in range(1, _VERIFY_ATTEMPTS + 1):
            api.fallback_delete(model, fallback_type)
            if api.fallback_get(model, fallback_type) is None:
                return True
            time.sleep(api.policy.backoff_factor * attempt)  # another writer put it back from a stale read
        raise api.error("DELETE", f"/fallback/{model}", None, f"the {fallback_type} fallback of {model!r} came "
                        f"back after {_VERIFY_ATTEMPTS} deletes", hint="something else writes the proxy's "
                        "fallbacks at the same time; stop it and run `pulumi destroy`/`up` again")

    def _write(self, api: AdminClient, model: str, fallback_type: str, targets: list[str]) -> None:
        for attempt in range(1, _VERIFY_ATTEMPTS + 1):
            try:
                api.fallback_set(model, fallback_type, targets)
            except LiteLLMAdminError as exc:
                # A model created a moment ago may not be in this pod's router yet (404/400): retry briefly.
                not_loaded_yet = exc.status in (400, 404) and (
                    exc.mentions("not found in router") or exc.mentions("invalid fallback models"))
                if attempt == _VERIFY_ATTEMPTS or not not_loaded_yet:
                    raise
            else:
                if self._holds(api, model, fallback_type, targets):
                    return
                log.warning("fallback %s: another writer undid the rule; writing it again (attempt %d/%d)",
                            fallback_id(model, fallback_type), attempt + 1, _VERIFY_ATTEMPTS)
            time.sleep(api.policy.backoff_factor * attempt)
        raise api.error("POST", "/fallback", None,
                        f"the {fallback_type} fallback of {model!r} did not hold after {_VERIFY_ATTEMPTS} writes",
                        hint="something else (the admin UI, another stack) writes the proxy's fallbacks at the "
                             "same time; stop it and run `pulumi up` again")

    def _holds(self, api: AdminClient, model: str, fallback_type: str, targets: list[str]) -> bool:
        """The answering pod shows our targets, waited for as it may not have reloaded the row since our write."""
        return self.shown(api, lambda: True if api.fallback_get(model, fallback_type) == targets else None,
                          f"fallback rule {fallback_id(model, fallback_type)}", after_write=True) is not None


class Fallback(LiteLLMResource, module="litellm", name="Fallback"):
    """The fallback rule of one model and type; inputs: `kinds.FALLBACK`'s fields. Type token
    `pulumi-python:dynamic/litellm:Fallback`."""

    provider_class = FallbackProvider
    model: pulumi.Output[str]
    fallback_type: pulumi.Output[str]
    fallback_models: pulumi.Output[list]
