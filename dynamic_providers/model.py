"""A LiteLLM model deployment (`POST /model/new`) as the dynamic resource `litellm:Model`.

The id is LiteLLM's `model_id`, chosen here (uuid4, or the stack config's fixed `id`) before the create,
so a create is safe to retry and a 5xx answer can be confirmed on the server. The API key is write-only
(never read back) and a secret output.

API: `ModelProvider` is pickled by reference into every Model's state; the module path
`dynamic_providers.model` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.grants import other_stacks_holders, refuse_while_held
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import (
    AdminConnection,
    LiteLLMResource,
    declared,
    is_unknown,
    same,
    settle_id,
)
from kinds.declarations import MODEL, MODEL_PARAMS

log = logging.getLogger("litemaas.litellm_admin")

# litellm_params keys with their own input. Pricing is null-clearable through PATCH; nothing else is.
FIRST_CLASS_PARAMS = MODEL_PARAMS
# LiteLLM's NULL_CLEARABLE_LITELLM_PARAMS (pricing, credential name, cache-control injection points).
_NULL_CLEARABLE_EXTRA = frozenset({"litellm_credential_name", "cache_control_injection_points"})
# PATCH resets these to false unless sent; they are never reported as drift when false and undeclared.
DEFAULT_FALSE_FLAGS = frozenset({"use_in_pass_through", "use_litellm_proxy", "merge_reasoning_content_in_choices",
                                 "allow_client_keepalive_override", "use_xai_oauth"})
# Pricing inside model_info is dropped by the server; it belongs in litellm_params.
_MODEL_INFO_PRICING = ("input_cost_per_token", "output_cost_per_token", "input_cost_per_second",
                       "output_cost_per_second")
_ABSENT = object()
_PARAMS = "litellm_params"
# The longest a whole provider process (one pulumi operation) waits for an empty router to load models.
ROUTER_LOAD_WAIT = 240.0
_SECRET_WORDS = ("secret", "password", "api_key", "apikey", "token", "credential", "private_key", "access_key")

MODEL_FIELDS = MODEL.fields  # kinds/declarations.py


def is_null_clearable(param: str) -> bool:
    return "cost_per" in param or param in _NULL_CLEARABLE_EXTRA


def _is_env_ref(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("os.environ/")


def _masked(value: Any) -> bool:
    """LiteLLM masks sensitive values on read as first4 + '*'... + last4."""
    return isinstance(value, str) and "****" in value


class ModelProvider(ObjectProvider):
    """CRUD for `litellm:Model` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = MODEL.name
    fields = MODEL_FIELDS
    id_field = MODEL.id_field
    identity_field = "model_name"  # a model found after a lost answer is ours when its name matches
    identity_conflict = "{kind} id {id} already exists as {theirs!r}"
    body_sections = {_PARAMS: ("model", *FIRST_CLASS_PARAMS)}
    spread_fields = {"extra_params": _PARAMS}

    # check -----------------------------------------------------------------------------------------
    def check_resource(self, olds, inputs, failures):
        api_base = inputs.get("api_base")
        if isinstance(api_base, str) and not is_unknown(api_base) and not _is_env_ref(api_base) \
                and not api_base.startswith(("http://", "https://")):
            failures.append(CheckFailure("api_base", f"api_base {api_base!r} is not an http(s) URL "
                                         "(or an os.environ/VAR reference)"))
        extra = inputs.get("extra_params")
        if isinstance(extra, dict):
            for key in sorted(extra):
                if key == "model" or key in FIRST_CLASS_PARAMS:
                    failures.append(CheckFailure("extra_params", f"extra_params.{key} duplicates the {key} input; "
                                                 "set it there instead"))
                elif any(word in key.lower() for word in _SECRET_WORDS) and not _is_env_ref(extra[key]) \
                        and not is_null_clearable(key) and key != "litellm_credential_name":
                    failures.append(CheckFailure("extra_params", f"extra_params.{key} looks like a secret and would be "
                                                 "stored in plain text; use api_key, an os.environ/VAR reference or "
                                                 "litellm_credential_name"))
        info = inputs.get("model_info")
        if isinstance(info, dict):
            for key in sorted(info):
                if key in _MODEL_INFO_PRICING:
                    failures.append(CheckFailure("model_info", f"model_info.{key} is dropped by LiteLLM; use the "
                                                 f"{key} input (or extra_params for other pricing)"))
                elif key == "id":
                    failures.append(CheckFailure("model_info", "model_info.id is the model id; use the model_id input"))
        if failures:
            return
        # A fixed id from the program wins; else keep the generated id unless a replacement is due.
        settle_id(olds, inputs, "model_id", self.new_id, keep=not self._removals(olds, inputs))

    # diff ------------------------------------------------------------------------------------------
    @staticmethod
    def _removals(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
        """Inputs removed in a way PATCH cannot express (LiteLLM keeps keys it is not told to null)."""
        removed = []
        for name in FIRST_CLASS_PARAMS:
            if not is_null_clearable(name) and declared(olds, name) and news.get(name) is None:
                removed.append(name)
        old_extra, new_extra = olds.get("extra_params") or {}, news.get("extra_params")
        if isinstance(new_extra, dict) and any(k not in new_extra and not is_null_clearable(k) for k in old_extra):
            removed.append("extra_params")
        old_info, new_info = olds.get("model_info") or {}, news.get("model_info")
        # access_groups (set by the catalog from accessGroups[]) is cleared in place by sending [] (see update_body)
        if isinstance(new_info, dict) and any(k not in new_info and k != "access_groups" for k in old_info):
            removed.append("model_info")
        return removed

    def replacements(self, olds, news):
        return self._removals(olds, news) + super().replacements(olds, news)  # and a new model_id

    def delete_before_replace(self, olds, news):
        # The replacement reuses the same (fixed) model id: the old one has to go first.
        return same(olds.get("model_id"), news.get("model_id"))

    # bodies: litellm_params sent whole on every write (PATCH resets omitted flags) ------------------
    def create_body(self, props):
        body = super().create_body({k: v for k, v in props.items() if k != "model_id"})
        body["model_info"] = {**(props.get("model_info") or {}), "id": props["model_id"]}
        return body

    def update_body(self, olds, news, changed):
        body = super().create_body({k: v for k, v in news.items() if k != "model_id"})
        params = body[_PARAMS]
        for name in FIRST_CLASS_PARAMS:
            if is_null_clearable(name) and olds.get(name) is not None and news.get(name) is None:
                params[name] = None  # explicit null deletes pricing
        for key in (olds.get("extra_params") or {}):
            if key not in params and is_null_clearable(key):
                params[key] = None
        body["model_info"] = dict(news.get("model_info") or {})
        if (olds.get("model_info") or {}).get("access_groups") and "access_groups" not in body["model_info"]:
            body["model_info"]["access_groups"] = []  # left its last group: PATCH merges model_info, so say it
        return body

    # calls -----------------------------------------------------------------------------------------
    def send_create(self, api, body):
        try:
            return api.model_new(body)
        except LiteLLMAdminError as exc:
            if exc.status == 500 and exc.mentions("saved to the database"):
                log.warning("LiteLLM saved model %s but this pod has not loaded it yet: %s", body["model_info"]["id"],
                            exc.message)
                return None
            raise

    def settled(self, exc):
        # Validation, auth, STORE_MODEL_IN_DB off, no database: trying again won't help. LiteLLM's generic "failed
        # to add model" may hide a commit: look before trying again.
        return exc.settled and not exc.mentions("failed to add model")

    def send_update(self, api, object_id, body):
        try:
            return api.model_update(object_id, body)
        except LiteLLMAdminError as exc:
            if exc.status == 500 and exc.mentions("saved to the database"):
                log.warning("LiteLLM saved the update of model %s; this pod reloads it later", object_id)
                return None
            raise

    def send_delete(self, api, object_id, props):
        self._refuse_while_tenants_use(api, object_id, props.get("model_name"))
        return api.model_delete(object_id)  # already gone is fine

    # lookups: the serving router and the database ---------------------------------------------------
    def lookups(self, api, object_id, purpose):
        """A read asks the router that serves the model first; a create's confirmation the database (DB-backed v2)."""
        router, database = (lambda: api.model_in_router(object_id)), (lambda: api.model_in_database(object_id))
        return (router, database) if purpose == "read" else (database, router)

    def fetch(self, api, object_id):
        return self._locate(api, object_id, "read")

    def locate(self, api, props):
        return self._locate(api, props["model_id"], "confirm")

    def _locate(self, api: AdminClient, model_id: str, purpose: str) -> Optional[dict[str, Any]]:
        """The model, or None once LiteLLM says authoritatively that it does not exist.

        Both info endpoints missing is final only when the answering router holds models: an empty
        router answers v2 without looking at the DB (and a freshly written model may not be loaded
        yet). While the router is empty, poll with backoff, within one deadline shared by every lookup
        of this process (a refresh of N models against an empty router waits once, not N times); past
        it, an empty router means no models. A wrong "absent" in a create is harmless: the retry reuses
        the same id, so it can never make a second model.
        """
        found = self.first_found(api, model_id, purpose)
        if found is not None or self._router_has_models(api):
            return found

        def probe() -> Any:
            loaded = self._router_has_models(api)  # first: a miss after a loaded router is final
            again = self.first_found(api, model_id, purpose)
            if again is not None:
                return again
            return _ABSENT if loaded else None

        budget = min(api.conn.readiness_timeout, ROUTER_LOAD_WAIT)
        deadline = api.shared_deadline("router-models", budget)
        what = (f"model {model_id}: the gateway router at {api.conn.admin_url} has no models loaded yet, so "
                f"LiteLLM cannot say whether it exists (one wait of at most {budget:g}s, shared by every model "
                "lookup of this operation)")
        result = api.poll(probe, deadline=deadline, what=what) if time.monotonic() < deadline else None
        if result is None:
            log.warning("the gateway router at %s still has no models loaded; taking model %s as absent",
                        api.conn.admin_url, model_id)
        return None if result is _ABSENT else result

    @staticmethod
    def _router_has_models(api: AdminClient) -> bool:
        return api.router_model_count() > 0

    # read ------------------------------------------------------------------------------------------
    def refreshed(self, model_id, props, found):
        """Stored inputs with the declared fields replaced by what the server holds (import: all of them)."""
        importing = not props.get("model_name")
        params = found.get("litellm_params") or {}
        info = found.get("model_info") or {}
        outs = self.stored(props)
        outs["model_id"] = model_id
        if importing:
            outs["model_id_fixed"] = True
        if found.get("model_name"):
            outs["model_name"] = found["model_name"]
        if params.get("model") and not _masked(params["model"]):
            if not same(params["model"], props.get("model")):
                outs["model"] = params["model"]
        for name in FIRST_CLASS_PARAMS:
            if name == "api_key":
                continue  # write-only: never read back
            ours = props.get(name)
            if not (importing or ours is not None) or name not in params:
                continue  # undeclared (server defaults are not ours) or not echoed by this LiteLLM
            theirs = params[name]
            if theirs is None and not is_null_clearable(name):
                continue
            if _masked(theirs) or _is_env_ref(ours) or same(theirs, ours):
                continue
            outs[name] = theirs
        ours_extra = dict(props.get("extra_params") or {})
        if importing:
            ours_extra = {k: v for k, v in params.items()
                          if k != "model" and k not in FIRST_CLASS_PARAMS and v is not None and not _masked(v)
                          and not (k in DEFAULT_FALSE_FLAGS and v is False)}
        else:
            for key, ours in list(ours_extra.items()):
                if key in params and not _masked(params[key]) and not _is_env_ref(ours) and not same(params[key], ours):
                    ours_extra[key] = params[key]
        outs["extra_params"] = ours_extra
        ours_info = dict(props.get("model_info") or {})
        for key, ours in list(ours_info.items()):
            if key in info and not same(info[key], ours):
                ours_info[key] = info[key]
        outs["model_info"] = ours_info  # importing: server-enriched model_info is not adopted as inputs
        for name in ("model_info", "extra_params"):
            if not outs[name]:
                del outs[name]  # unset is not stored
        return outs

    @staticmethod
    def _refuse_while_tenants_use(api, model_id: str, name: Optional[str]) -> None:
        """A platform stack never deletes the last deployment of a model that keys or teams of other stacks (tenant
        stacks, by their ownership stamp) still name: their users would be cut off. This stack's own keys and teams
        are gone or changed before their models (they depend on them)."""
        if not name or any(m.get("model_name") == name and (m.get("model_info") or {}).get("id") != model_id
                           for m in api.list_models()):
            return  # another deployment keeps serving the name (a replacement, or a second deployment)
        holders = other_stacks_holders(api, lambda item: name in (item.get("models") or []))
        refuse_while_held(api, "POST /model/delete", f"model {name!r}", holders)


class Model(LiteLLMResource, module="litellm", name="Model"):
    """A model deployment on the LiteLLM gateway. Type token `pulumi-python:dynamic/litellm:Model`."""

    provider_class = ModelProvider
    model_id: pulumi.Output[str]
    model_name: pulumi.Output[str]
    api_key: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, connection: AdminConnection,
                 opts: Optional[pulumi.ResourceOptions] = None, **inputs: Any) -> None:
        """The inputs are `kinds.MODEL`'s fields (`model_name`, `model`, `api_key`, ..., `model_id`)."""
        if inputs.get("model_id") is not None:
            # A forced replacement with a fixed id would collide with the old model.
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(delete_before_replace=True))
        super().__init__(resource_name, connection=connection, opts=opts, **{
            **inputs, **{name: _plain_mapping(inputs.get(name)) or None for name in ("model_info", "extra_params")}})


def _plain_mapping(value: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """Frozen mappings from the config module become plain dicts (nested too) for serialization."""
    if value is None:
        return {}
    return {str(k): _plain_mapping(v) if isinstance(v, Mapping) else
            [(_plain_mapping(i) if isinstance(i, Mapping) else i) for i in v] if isinstance(v, (list, tuple)) else v
            for k, v in value.items()}
