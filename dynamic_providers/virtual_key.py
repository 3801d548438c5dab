"""A LiteLLM virtual key (`POST /key/generate`) as the dynamic resource `litellm:VirtualKey`.

The id is the key's sha256 token hash (never the raw key, which would end up in URLs and logs). The raw
`sk-...` value is generated here with `secrets` and sent as a custom key, so after a lost answer the
key found by its alias can be proven ours (its hash matches) and nothing is created twice. The raw key
is a secret output; an imported or adopted key has none (LiteLLM never shows it again).

Day 2 (no Enterprise licence needed; `/key/regenerate` is Enterprise-only and never called):
- rotation: a changed `rotation` label, or `rotate_every` elapsed since `issued_at`, issues a new value under
  the same alias; the old key is renamed and expires after `rotation_grace_period` (LiteLLM's own expiry
  revokes it). The id stays the first token; the `token` output names the current one.
- adoption: `adopt` (by alias) or `token_hash` takes over an existing key with `/key/update`.
- expiry: `expired` is set on refresh; `renew` extends an expired key by `duration`.
`check` writes the reason of a rotation or renewal into the inputs (`rotation_due`, `renewal_due`), so
`pulumi preview` shows it as a changed property. CRUD is the shared mechanism's (`ObjectProvider`); rotation and
adoption are its update and create strategies (`key_lifecycle`); the field table is `key_fields`.

API: `VirtualKeyProvider` is pickled by reference into every VirtualKey's state; the module path
`dynamic_providers.virtual_key` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, DiffResult

from dynamic_providers.admin_client import hash_key
from dynamic_providers.key_fields import (  # noqa: F401 - re-exported: the names this module always had
    BOOKKEEPING_INPUTS,
    COMPUTED_FIELDS,
    DAY2_OUTPUTS,
    KEY_FIELDS,
    LIFECYCLE_FIELDS,
    OUTPUT_FIELDS,
    PROXY_ADMIN,
    declared_settings,
    soft_budget_row,
)
from dynamic_providers.grants import GRANTS, granted, with_grants
from dynamic_providers.key_lifecycle import (  # noqa: F401 - re-exported: the names this module always had
    ADOPTED_MARKER,
    DEFAULT_GRACE_PERIOD,
    METADATA_BACKED,
    TOKEN_HASH,
    KeyAdoption,
    KeyRotation,
    delete_tokens,
    is_expired,
    kept_expiry,
    new_raw_key,
    parse_instant,
    utc_now,
)
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import (
    OWNER_INPUT,
    AdminConnection,
    LiteLLMResource,
    declared,
    owner_of,
    plain,
    same,
    stamped,
)
from kinds.declarations import METADATA_LIMITS
from litemaas_common.durations import parse_litellm_duration


def grace_seconds(value: Optional[str]) -> int:
    """`rotation_grace_period` in seconds: a LiteLLM duration, or `0` (revoke the old value at once)."""
    value = value or DEFAULT_GRACE_PERIOD
    return 0 if value.strip() == "0" else parse_litellm_duration(value)


def _age(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.0f}d"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}h"
    return f"{seconds:.0f}s"


def rotation_reason(olds: Mapping[str, Any], inputs: Mapping[str, Any], now: datetime) -> Optional[str]:
    """Why the next update issues a new value (None: it does not). `olds` are the stored inputs."""
    if not same(olds.get("rotation"), inputs.get("rotation")):
        return f"rotation changed from {olds.get('rotation')!r} to {inputs.get('rotation')!r}"
    every, issued = inputs.get("rotate_every"), parse_instant(olds.get("issued_at"))
    if isinstance(every, str) and issued is not None:
        age = (now - issued).total_seconds()
        if age >= parse_litellm_duration(every):
            return f"rotateEvery {every}: the value was issued {issued:%Y-%m-%d %H:%M} UTC, {_age(age)} ago"
    return None


class VirtualKeyProvider(ObjectProvider):
    """CRUD for `litellm:VirtualKey` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = "key"
    fields = KEY_FIELDS + LIFECYCLE_FIELDS + COMPUTED_FIELDS
    id_field = None  # the first value's token hash
    generates_id = False
    internal_inputs = BOOKKEEPING_INPUTS
    marks_owner = True

    def changed_fields(self, olds, news):
        """Only what LiteLLM stores counts as a change; the day-2 inputs act through `due_reasons`."""
        return [f.name for f in KEY_FIELDS if not same(olds.get(f.name), news.get(f.name))]

    def diff(self, id_, olds, news):
        result = super().diff(id_, olds, news)
        if result.changes or not self.due(plain(dict(news or {}))):
            return result
        return DiffResult(changes=True, replaces=[], delete_before_replace=False)

    @staticmethod
    def due(news: Mapping[str, Any]) -> bool:
        return bool(news.get("rotation_due") or news.get("renewal_due"))

    def check_resource(self, olds, inputs, failures):
        grace = inputs.get("rotation_grace_period")
        if isinstance(grace, str) and grace.strip() != "0":
            try:
                grace_seconds(grace)
            except ValueError as exc:
                failures.append(CheckFailure("rotation_grace_period", f"rotation_grace_period: {exc}, or 0 to "
                                             "revoke the old value at once"))
        token_hash = inputs.get("token_hash")
        if isinstance(token_hash, str) and not TOKEN_HASH.match(token_hash):
            failures.append(CheckFailure("token_hash", "token_hash must be the key's sha256 token: 64 lower-case "
                                         "hex digits, as `/key/list` shows it"))
        if failures:
            return
        now = utc_now()
        for name in BOOKKEEPING_INPUTS:
            inputs.pop(name, None)
        if not olds.get("key_alias"):  # a new key: its value is issued by this create
            inputs["issued_at"] = now.isoformat()
            return
        inputs["issued_at"] = olds.get("issued_at")
        reason = rotation_reason(olds, inputs, now)
        if reason:
            inputs["rotation_due"] = reason
            inputs["issued_at"] = now.isoformat()
        elif olds.get("expired") and inputs.get("renew"):
            inputs["renewal_due"] = (f"expired (refresh saw it past its expiry); renew extends it by "
                                     f"{inputs.get('duration') or 'removing the expiry (no duration)'}")

    # identity: the raw value is chosen here, so a key found by its alias after a lost answer is proven ours ------
    def prepared(self, props):
        return {**props, "key": new_raw_key()}

    def object_id(self, props):
        return hash_key(props["key"])

    def label(self, props):
        return f"key {props['key_alias']!r}"

    def created_id(self, props, answer):
        return answer.get("token_id") or answer.get("token") or hash_key(props["key"])

    def live_id(self, id_, props):
        return props.get("token") or id_  # rotated: the current value's token

    def locate(self, api, props):
        """Our key with this alias (its token is the hash of our raw value); an alias owned by another key fails."""
        alias, ours = props["key_alias"], hash_key(props["key"])
        rows = api.keys_with_alias(alias)
        for row in rows:
            if row.get("token") == ours:
                return {**row, "token_id": ours}
        if rows:
            raise api.error("POST", "/key/generate", None, f"the answer was lost and alias {alias!r} now belongs "
                            "to another key", hint="delete that key in the LiteLLM UI or choose another alias")
        return None

    def _reconcile(self, api, object_id, props, found, exc):
        return {**found, "key": props["key"]}  # its hash proves it ours, made whole by the one create call

    def refusal(self, api, props, exc, attempt):
        alias = props["key_alias"]
        if exc.already_exists and attempt == 1:
            theirs = next((owner_of(r) for r in api.keys_with_alias(alias) if owner_of(r)), None)
            if theirs and theirs != props.get(OWNER_INPUT):
                return api.error("POST", "/key/generate", 409, f"key alias {alias!r} is owned by stack {theirs}",
                                 hint="key aliases are unique on the gateway: choose another alias here, or "
                                      f"remove the key from stack {theirs} first")
            return api.error("POST", "/key/generate", 400, exc.message, error_type=exc.error_type,
                             hint=f"a key with alias {alias!r} already exists on the gateway (made outside "
                                  "this stack, or left by an interrupted run); delete it in the LiteLLM UI "
                                  "or choose another alias")
        return None

    # strategies: adoption instead of a create, rotation instead of an update -------------------------------
    def create_strategy(self, props):
        return KeyAdoption(self) if props.get("adopt") or props.get("token_hash") else None

    def update_strategy(self, olds, news):
        return KeyRotation(self, grace_seconds(news.get("rotation_grace_period"))) if news.get("rotation_due") else None

    # calls -------------------------------------------------------------------------------------------
    def create_body(self, props):
        body: dict[str, Any] = {"key": props["key"], "key_alias": props["key_alias"],
                                "models": list(props.get("models") or []),
                                "metadata": stamped(props.get("metadata"), props)}
        body.update(declared_settings(props))
        if props.get("blocked"):
            body["blocked"] = True
        return body

    def send_create(self, api, body):
        return api.key_generate(body)

    def fetch(self, api, object_id):
        info = api.absent_as_none(lambda: api.key_info(object_id))
        return None if info is None or info.get("status") == "deleted" else info  # deleted keys are archived

    def changes_to_send(self, olds, news):
        changed = self.changed_fields(olds, news)
        if news.get("renewal_due") and "duration" not in changed:
            changed.append("duration")  # /key/update with a duration sets expires = now + duration
        return changed

    def update_body(self, olds, news, changed):
        body: dict[str, Any] = {}
        for name in changed:
            value = news.get(name)
            if name in ("models", "access_group_ids"):
                value = list(value or [])
            elif name == "metadata":
                value = stamped(value, olds if olds.get(OWNER_INPUT) else news)
                if olds.get("held_by_user"):  # an adopted key stays marked, so no second stack adopts it
                    value.setdefault(ADOPTED_MARKER, olds.get("issued_at") or "yes")
            elif name == "blocked":
                value = bool(value)
            elif name == "allowed_routes":
                value = list(value or [])  # [] lets the key call every route again (a null answers 400)
            elif name in METADATA_LIMITS:
                value = dict(value or {})  # {} clears them: /key/update skips a null
            body[name] = value  # an explicit null clears the field on the server
        if "metadata" in body:  # /key/update replaces the whole metadata, where LiteLLM keeps the per-model limits
            body.update({name: dict(news[name]) for name in METADATA_LIMITS if news.get(name) and name not in body})
        return with_grants(body)

    def send_update(self, api, object_id, body):
        return api.key_update({"key": object_id, **body})

    def vanished_hint(self, props):
        return (f"key {props.get('key_alias')!r} no longer exists (deleted by hand, or with its team); run "
                "`pulumi refresh`, then `pulumi up` to issue a new one")

    def send_delete(self, api, object_id, props):
        api.key_delete(object_id)  # already gone is fine (also after its team was deleted)
        # Old values still in their grace period go with the key.
        delete_tokens(api, [r["token"] for r in props.get("retired") or [] if r.get("token")])
        return True

    # outputs -----------------------------------------------------------------------------------------
    def outputs(self, props, answer):
        return self.key_outputs(props, key=answer.get("key") or props["key"], token=self.created_id(props, answer),
                                key_name=answer.get("key_name"), expires=answer.get("expires"))

    def updated_outputs(self, olds, news, answer):
        carried = {name: olds.get(name) for name in OUTPUT_FIELDS + DAY2_OUTPUTS}
        if isinstance(answer, dict):
            carried["expires"] = answer.get("expires", carried["expires"])
            carried["key_name"] = answer.get("key_name") or carried["key_name"]
        if self.changes_to_send(olds, news):  # sent: the expiry may have moved
            carried["expired"] = True if is_expired(carried["expires"]) else None
        return self.key_outputs(news, **carried)

    def refreshed(self, object_id, props, found):
        info, token = found, self.live_id(object_id, props)
        importing = not props.get("key_alias")
        outs = self.stored(props)
        server = dict(info)
        server["soft_budget"] = (info.get("litellm_budget_table") or {}).get("soft_budget")
        if importing and soft_budget_row(info.get("litellm_budget_table")):
            server["budget_id"] = None  # LiteLLM's own row holding the key's soft budget, not a litellm:Budget
        for name in ("tags", "guardrails", "prompts", *METADATA_LIMITS):  # sent top-level, kept in metadata
            server[name] = (info.get("metadata") or {}).get(name) or info.get(name)
        if server.get("user_id") == PROXY_ADMIN:
            server["user_id"] = None  # older proxies stamp the admin's id on keys the admin made
        for spec in KEY_FIELDS:
            name = spec.name
            if name in ("duration", "metadata", "blocked", "models", *GRANTS):
                continue
            if importing or declared(props, name):
                if not spec.same(server.get(name), props.get(name)):
                    outs[name] = server.get(name)
        for name in GRANTS:
            theirs = granted(info, name)
            if (importing or declared(props, name)) and sorted(theirs or []) != sorted(props.get(name) or []):
                outs[name] = theirs
        theirs_models = list(server.get("models") or [])
        if importing or sorted(theirs_models) != sorted(props.get("models") or []):
            outs["models"] = theirs_models
        metadata = {k: v for k, v in (server.get("metadata") or {}).items() if k not in METADATA_BACKED}
        if importing:
            outs["metadata"] = metadata
        else:
            ours = dict(props.get("metadata") or {})
            outs["metadata"] = {k: metadata[k] if k in metadata and not same(metadata[k], v) else v
                                for k, v in ours.items() if k in metadata}
        if server.get("blocked"):
            outs["blocked"] = True
        else:
            outs.pop("blocked", None)  # unset is not stored
        outs.update(token=token, key_name=info.get("key_name"), expires=kept_expiry(props.get("expires"),
                                                                                    info.get("expires")))
        outs.pop("expired", None)
        if is_expired(outs["expires"]):
            outs["expired"] = True  # unset means not expired: thousands of keys need not say so
        outs["issued_at"] = outs.get("issued_at") or info.get("created_at")  # keys made before day 2
        if outs.get("key") is None:  # an imported key's raw value is never shown again
            outs.setdefault("held_by_user", True)
        for name in ("rotation_due", "renewal_due"):
            outs.pop(name, None)
        # Unset stays unset, as in check(): a refresh that adds `metadata: {}` makes the next `up` save the whole
        # state after every key (the engine writes a checkpoint for each resource whose stored inputs differ).
        return {k: v for k, v in outs.items() if v is not None and v != {} and v != []}

    def key_outputs(self, props: Mapping[str, Any], **computed: Any) -> dict[str, Any]:
        outs = {k: v for k, v in self.stored(props).items() if k not in ("rotation_due", "renewal_due")}
        outs.update(computed)
        if not outs.get("expired") and is_expired(outs.get("expires")):
            outs["expired"] = True
        return {k: v for k, v in outs.items() if v is not None and v != {} and v != []}


class VirtualKey(LiteLLMResource, module="litellm", name="VirtualKey"):
    """A LiteLLM virtual key; its inputs are `kinds.VIRTUAL_KEY`'s fields. Type token `pulumi-python:dynamic/litellm:VirtualKey`."""

    provider_class = VirtualKeyProvider
    key: pulumi.Output[Optional[str]]  # secret; None for an imported key
    token: pulumi.Output[str]
    key_name: pulumi.Output[str]
    key_alias: pulumi.Output[str]
    models: pulumi.Output[list]
    max_budget: pulumi.Output[Optional[float]]
    budget_duration: pulumi.Output[Optional[str]]
    expires: pulumi.Output[Optional[str]]
    expired: pulumi.Output[bool]  # set by refresh once `expires` has passed
    held_by_user: pulumi.Output[bool]  # adopted: LiteLLM never shows the value again, only the user has it
    issued_at: pulumi.Output[Optional[str]]
    retired: pulumi.Output[list]  # rotated-out values still in their grace period: {token, key_alias, expires}

    register_options = {"delete_before_replace": True}  # aliases are unique: a replacement frees the alias first

    def __init__(self, resource_name: str, *, connection: AdminConnection,
                 opts: Optional[pulumi.ResourceOptions] = None, **inputs: Any) -> None:
        # Off is stored as unset, as every release before stored it (a false in the state would be a new input).
        super().__init__(resource_name, connection=connection, opts=opts, **{
            **inputs, **{name: inputs.get(name) or None for name in ("blocked", "renew", "adopt") if name in inputs}})
