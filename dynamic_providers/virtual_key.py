"""A LiteLLM virtual key (`POST /key/generate`) as the dynamic resource `litellm:VirtualKey`.

The id is the key's sha256 token hash (never the raw key, which would end up in URLs and logs). The raw
`sk-...` value is generated here with `secrets` and sent as a custom key, so after a lost answer the
key found by its alias can be proven ours (its hash matches) and nothing is created twice. The raw key
is a secret output; an imported key has none (LiteLLM never shows it again).

API: `VirtualKeyProvider` is pickled by reference into every VirtualKey's state; the module path
`dynamic_providers.virtual_key` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from dynamic_providers.admin_client import (
    CONNECTION_FIELDS,
    AdminClient,
    LiteLLMAdminError,
    hash_key,
)
from dynamic_providers.provider_base import (
    AdminConnection,
    Field,
    LiteLLMProvider,
    connection_defaults,
    declared,
    same,
)

log = logging.getLogger("litemaas.litellm_admin")

KEY_FIELDS = (
    Field("key_alias", "str", required=True),
    Field("models", "list"),
    Field("team_id", "str"),
    Field("user_id", "str"),
    Field("max_budget", "number", minimum=0),
    Field("soft_budget", "number", minimum=0),
    Field("budget_duration", "str", duration=True),
    Field("duration", "str", duration=True),
    Field("tpm_limit", "int", minimum=0),
    Field("rpm_limit", "int", minimum=0),
    Field("max_parallel_requests", "int", minimum=1),
    Field("metadata", "dict"),
    Field("blocked", "bool"),
    Field("allowed_routes", "list"),  # e.g. ["/metrics"]: a key that may call nothing else
)
OUTPUT_FIELDS = ("key", "token", "key_name", "expires")
# Fields LiteLLM keeps inside metadata; never part of the user's declared metadata.
_METADATA_BACKED = frozenset({"tags", "guardrails", "policies", "prompts", "model_rpm_limit", "model_tpm_limit",
                              "rpm_limit_type", "tpm_limit_type", "enforced_params", "service_account_id",
                              "logging"})
_PROXY_ADMIN = "default_user_id"


def kept_expiry(stored: Optional[str], served: Optional[str]) -> Optional[str]:
    """The stored `expires` while it names the instant LiteLLM serves, else the served one.

    `/key/generate` answers microseconds and `Z`, `/key/info` the database's milliseconds and `+00:00`: without
    this, the first refresh after every create would report a changed `expires`.
    """
    if not stored or not served:
        return served
    try:
        apart = abs(datetime.fromisoformat(stored.replace("Z", "+00:00")) -
                    datetime.fromisoformat(served.replace("Z", "+00:00")))
    except (TypeError, ValueError):
        return served
    return stored if apart < timedelta(milliseconds=1) else served


def new_raw_key() -> str:
    """A LiteLLM-style virtual key with 256 bits of randomness."""
    return "sk-" + secrets.token_urlsafe(32)


class VirtualKeyProvider(LiteLLMProvider):
    """CRUD for `litellm:VirtualKey` against the LiteLLM admin API. Stateless; pickled by reference."""

    fields = KEY_FIELDS

    def check_resource(self, olds, inputs, failures):
        max_budget, soft_budget = inputs.get("max_budget"), inputs.get("soft_budget")
        if isinstance(max_budget, (int, float)) and isinstance(soft_budget, (int, float)) and soft_budget > max_budget:
            failures.append(CheckFailure("soft_budget", f"soft_budget {soft_budget:g} is greater than max_budget "
                                         f"{max_budget:g}; the soft budget is the alert threshold below the limit"))
        if inputs.get("blocked") is None:
            inputs["blocked"] = False

    # create ----------------------------------------------------------------------------------------
    def create(self, props):
        props = self.normalised(props)
        raw = new_raw_key()
        body: dict[str, Any] = {"key": raw, "key_alias": props["key_alias"], "models": list(props.get("models") or []),
                                "metadata": dict(props.get("metadata") or {})}
        for name in ("team_id", "user_id", "max_budget", "soft_budget", "budget_duration", "duration", "tpm_limit",
                     "rpm_limit", "max_parallel_requests", "allowed_routes"):
            if props.get(name) is not None:
                body[name] = props[name]
        if props.get("blocked"):
            body["blocked"] = True
        with self.client(props, raw) as api:
            created = self._generate(api, body, raw)
        token = created.get("token_id") or created.get("token") or hash_key(raw)
        outs = self._outputs(props, key=created.get("key") or raw, token=token,
                             key_name=created.get("key_name"), expires=created.get("expires"))
        return CreateResult(token, outs)

    def _generate(self, api: AdminClient, body: dict[str, Any], raw: str) -> dict[str, Any]:
        alias = body["key_alias"]
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                return api.post("/key/generate", body, idempotent=False)
            except LiteLLMAdminError as exc:
                alias_taken = exc.status == 400 and exc.mentions("already exists")
                if alias_taken and attempt == 1:
                    raise api.error("POST", "/key/generate", 400, exc.message, error_type=exc.error_type,
                                    hint=f"a key with alias {alias!r} already exists on the gateway (made outside "
                                         "this stack, or left by an interrupted run); delete it in the LiteLLM UI "
                                         "or choose another alias") from None
                settled = exc.status is not None and exc.status < 500 and exc.status != 429 and not alias_taken
                if settled or exc.mentions("db") and exc.mentions("connect"):
                    raise
                # The answer was lost or failed after the server may have committed: look by alias.
                mine = self._find_by_alias(api, alias, raw)
                if mine is not None:
                    log.warning("POST /key/generate answered %s but key %r was created; keeping it",
                                exc.status or "no response", alias)
                    return {**mine, "key": raw}
                if attempt == attempts:
                    raise
                log.warning("key %r not on the server after %s; creating again (attempt %d/%d)",
                            alias, api.redact(exc.message), attempt + 1, attempts)
                time.sleep(api.policy.backoff_factor * attempt)
        raise AssertionError("unreachable")

    @staticmethod
    def _find_by_alias(api: AdminClient, alias: str, raw: str) -> Optional[dict[str, Any]]:
        """Our key with this alias (its token is the hash of our raw value); an alias owned by another key fails."""
        listing = api.get("/key/list", {"key_alias": alias, "return_full_object": "true", "size": 10})
        ours = hash_key(raw)
        rows = [r for r in (listing or {}).get("keys") or [] if isinstance(r, dict)]
        for row in rows:
            if row.get("token") == ours:
                return {**row, "token_id": ours}
        if rows:
            raise api.error("POST", "/key/generate", None, f"the answer was lost and alias {alias!r} now belongs "
                            "to another key", hint="delete that key in the LiteLLM UI or choose another alias")
        return None

    # read ------------------------------------------------------------------------------------------
    def read(self, id_, props):
        props = self.normalised(props)
        token = props.get("token") or id_
        with self.client(props, props.get("key")) as api:
            try:
                data = api.get("/key/info", {"key": token})
            except LiteLLMAdminError as exc:
                if exc.status == 404:
                    return ReadResult("", {})
                raise
        info = (data or {}).get("info") or {}
        if info.get("status") == "deleted":
            return ReadResult("", {})  # deleted keys are archived and still answer /key/info
        outs = self._refreshed(props, info, token)
        return ReadResult(id_, outs, inputs={k: v for k, v in outs.items() if k in self._input_keys()})

    def _input_keys(self) -> set[str]:
        return set(self.input_names) | set(CONNECTION_FIELDS)

    def _refreshed(self, props: dict[str, Any], info: dict[str, Any], token: str) -> dict[str, Any]:
        importing = not props.get("key_alias")
        outs = connection_defaults({k: v for k, v in props.items() if k != "__provider"})
        server = dict(info)
        server["soft_budget"] = (info.get("litellm_budget_table") or {}).get("soft_budget")
        if server.get("user_id") == _PROXY_ADMIN:
            server["user_id"] = None  # older proxies stamp the admin's id on keys the admin made
        for spec in KEY_FIELDS:
            name = spec.name
            if name in ("duration", "metadata", "blocked", "models"):
                continue
            if importing or declared(props, name):
                if not same(server.get(name), props.get(name)):
                    outs[name] = server.get(name)
        theirs_models = list(server.get("models") or [])
        if importing or sorted(theirs_models) != sorted(props.get("models") or []):
            outs["models"] = theirs_models
        metadata = {k: v for k, v in (server.get("metadata") or {}).items() if k not in _METADATA_BACKED}
        if importing:
            outs["metadata"] = metadata
        else:
            ours = dict(props.get("metadata") or {})
            outs["metadata"] = {k: metadata[k] if k in metadata and not same(metadata[k], v) else v
                                for k, v in ours.items() if k in metadata}
        outs["blocked"] = bool(server.get("blocked"))
        outs.setdefault("models", [])
        outs.update(token=token, key_name=info.get("key_name"), expires=kept_expiry(props.get("expires"),
                                                                                    info.get("expires")))
        outs.setdefault("key", None)  # an imported key's raw value is never shown again
        return outs

    # update ----------------------------------------------------------------------------------------
    def update(self, id_, olds, news):
        olds, news = self.normalised(olds), self.normalised(news)
        changed = self.changed_fields(olds, news)
        token = olds.get("token") or id_
        carried = {name: olds.get(name) for name in OUTPUT_FIELDS}
        if not changed:
            return UpdateResult(self._outputs(news, **carried))  # connection only: nothing to send
        body: dict[str, Any] = {"key": token}
        for name in changed:
            value = news.get(name)
            if name == "models":
                value = list(value or [])
            elif name == "metadata":
                value = dict(value or {})
            elif name == "blocked":
                value = bool(value)
            body[name] = value  # an explicit null clears the field on the server
        with self.client(news, olds.get("key")) as api:
            try:
                answer = api.post("/key/update", body, idempotent=True)
            except LiteLLMAdminError as exc:
                if exc.status == 404:
                    raise api.error("POST", "/key/update", 404, exc.message,
                                    hint=f"key {news.get('key_alias')!r} no longer exists (deleted by hand, or with "
                                         "its team); run `pulumi refresh`, then `pulumi up` to issue a new one") \
                        from None
                raise
        if isinstance(answer, dict):
            carried["expires"] = answer.get("expires", carried["expires"])
            carried["key_name"] = answer.get("key_name") or carried["key_name"]
        return UpdateResult(self._outputs(news, **carried))

    # delete ----------------------------------------------------------------------------------------
    def delete(self, id_, props):
        props = self.normalised(props)
        with self.client(props, props.get("key")) as api:
            try:
                api.post("/key/delete", {"keys": [props.get("token") or id_]}, idempotent=True)
            except LiteLLMAdminError as exc:
                if exc.status == 404:
                    return  # already gone (also after its team was deleted)
                raise

    @staticmethod
    def _outputs(props: Mapping[str, Any], **computed: Any) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != "__provider"}
        outs.update(computed)
        for name in ("team_id", "user_id", "max_budget", "budget_duration", "expires"):
            outs.setdefault(name, None)
        return outs


class VirtualKey(pulumi.dynamic.Resource, module="litellm", name="VirtualKey"):
    """A LiteLLM virtual key. Type token `pulumi-python:dynamic/litellm:VirtualKey`."""

    key: pulumi.Output[Optional[str]]  # secret; None for an imported key
    token: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_alias: pulumi.Output[str]
    models: pulumi.Output[list]
    max_budget: pulumi.Output[Optional[float]]
    budget_duration: pulumi.Output[Optional[str]]
    expires: pulumi.Output[Optional[str]]

    def __init__(self, resource_name: str, *, connection: AdminConnection, key_alias: pulumi.Input[str],
                 models: Sequence[str] = (), team_id: Optional[pulumi.Input[str]] = None,
                 user_id: Optional[str] = None, max_budget: Optional[float] = None,
                 soft_budget: Optional[float] = None, budget_duration: Optional[str] = None,
                 duration: Optional[str] = None, tpm_limit: Optional[int] = None, rpm_limit: Optional[int] = None,
                 max_parallel_requests: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
                 blocked: bool = False, allowed_routes: Optional[Sequence[str]] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        props = {
            **connection.props(),
            "key_alias": key_alias, "models": list(models), "team_id": team_id, "user_id": user_id,
            "max_budget": max_budget, "soft_budget": soft_budget, "budget_duration": budget_duration,
            "duration": duration, "tpm_limit": tpm_limit, "rpm_limit": rpm_limit,
            "max_parallel_requests": max_parallel_requests, "metadata": dict(metadata or {}), "blocked": blocked,
            "allowed_routes": list(allowed_routes) if allowed_routes is not None else None,
            **{name: None for name in OUTPUT_FIELDS},
        }
        own = pulumi.ResourceOptions(additional_secret_outputs=["key", "master_key"],
                                     # aliases are unique: a forced replacement must free the alias first
                                     delete_before_replace=True)
        super().__init__(VirtualKeyProvider(), resource_name, props, pulumi.ResourceOptions.merge(own, opts))

    @classmethod
    def get(cls, resource_name: str, token: pulumi.Input[str], connection: AdminConnection,
            opts: Optional[pulumi.ResourceOptions] = None) -> "VirtualKey":
        """An existing key read by its token hash alone (read-only; its raw value is never available)."""
        resource = cls.__new__(cls)
        props = {**connection.props(), **{f.name: None for f in KEY_FIELDS}, **{name: None for name in OUTPUT_FIELDS}}
        own = pulumi.ResourceOptions(additional_secret_outputs=["key", "master_key"], id=token)
        pulumi.dynamic.Resource.__init__(resource, VirtualKeyProvider(), resource_name, props,
                                         pulumi.ResourceOptions.merge(opts, own))
        return resource

    @classmethod
    def from_config(cls, resource_name: str, config: Any, connection: AdminConnection,
                    team_id: Optional[pulumi.Input[str]] = None,
                    opts: Optional[pulumi.ResourceOptions] = None) -> "VirtualKey":
        """From a config.KeyConfig; `team_id` is the id output of the Team named by `config.team`."""
        return cls(resource_name, connection=connection, key_alias=config.alias, models=config.models,
                   team_id=team_id, user_id=config.user_id, max_budget=config.max_budget,
                   soft_budget=config.soft_budget, budget_duration=config.budget_duration,
                   duration=config.duration, tpm_limit=config.tpm_limit, rpm_limit=config.rpm_limit,
                   max_parallel_requests=config.max_parallel_requests, metadata=dict(config.metadata),
                   blocked=config.blocked, opts=opts)
