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
`pulumi preview` shows it as a changed property.

API: `VirtualKeyProvider` is pickled by reference into every VirtualKey's state; the module path
`dynamic_providers.virtual_key` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional, Sequence

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from dynamic_providers.admin_client import (
    CONNECTION_FIELDS,
    AdminClient,
    LiteLLMAdminError,
    hash_key,
)
from dynamic_providers.provider_base import (
    OWNER_INPUT,
    OWNER_MARKER,
    AdminConnection,
    Field,
    LiteLLMProvider,
    LiteLLMResource,
    create_confirmed,
    declared,
    owner_of,
    plain,
    refreshed_inputs,
    same,
    stamped,
)
from litemaas_common.durations import parse_litellm_duration

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
    Field("budget_id", "str"),  # a litellm:Budget whose limits apply (the key's own limits win where set)
    # Enterprise-only in 1.108.7 (403 without a licence; the stack config refuses them unless litellmEnterprise).
    # LiteLLM keeps both inside the key's metadata.
    Field("tags", "list", unordered=True),
    Field("guardrails", "list", unordered=True),
    # MCP servers the key may use (`object_permission.mcp_servers`, free in 1.108.7): server ids.
    Field("mcp_servers", "list"),
)
# Day-2 inputs: they steer create/update but are never sent to LiteLLM as such, and changing one alone is no diff.
LIFECYCLE_FIELDS = (
    Field("rotation", "str"),
    Field("rotate_every", "str", duration=True),
    Field("rotation_grace_period", "str"),
    Field("renew", "bool"),
    Field("adopt", "bool"),
    Field("token_hash", "str"),
)
# Written by check(): when the current value was issued, and why the next update rotates or renews.
BOOKKEEPING_INPUTS = ("issued_at", "rotation_due", "renewal_due", "expired")
COMPUTED_FIELDS = (
    Field("key", "str", secret=True, computed=True),  # the raw value; None for an imported or adopted key
    Field("token", "str", computed=True),  # the current value's hash (the id stays the first one's)
    Field("key_name", "str", computed=True),
    Field("expires", "str", computed=True),
    Field("expired", "bool", computed=True),
    Field("held_by_user", "bool", computed=True),
    Field("retired", "list", computed=True),
)
OUTPUT_FIELDS = ("key", "token", "key_name", "expires")
DAY2_OUTPUTS = ("expired", "held_by_user", "retired", "issued_at")
DEFAULT_GRACE_PERIOD = "24h"
ADOPTED_MARKER = "litemaas_adopted"  # metadata stamp on an adopted key: a second adoption is refused
TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")
# Fields LiteLLM keeps inside metadata; never part of the user's declared metadata.
_METADATA_BACKED = frozenset({"tags", "guardrails", "policies", "prompts", "model_rpm_limit", "model_tpm_limit",
                              "rpm_limit_type", "tpm_limit_type", "enforced_params", "service_account_id",
                              "logging", OWNER_MARKER})  # and the owning stack's stamp
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


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_instant(value: Any) -> Optional[datetime]:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def is_expired(expires: Any, now: Optional[datetime] = None) -> bool:
    moment = parse_instant(expires)
    return moment is not None and moment <= (now or utc_now())


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


_SETTINGS = ("team_id", "user_id", "max_budget", "soft_budget", "budget_duration", "duration", "tpm_limit",
             "rpm_limit", "max_parallel_requests", "allowed_routes", "budget_id", "tags", "guardrails")


def _declared_settings(props: Mapping[str, Any]) -> dict[str, Any]:
    """Owner, budget, lifetime, limits and MCP grant as declared (unset ones are left to LiteLLM)."""
    settings = {name: props[name] for name in _SETTINGS if props.get(name) is not None}
    if props.get("mcp_servers"):
        settings["object_permission"] = _mcp_grant(props["mcp_servers"])
    return settings


def _mcp_grant(server_ids: Any) -> dict[str, Any]:
    """LiteLLM takes a key's MCP servers inside `object_permission` (merged there: other grants are kept)."""
    return {"mcp_servers": list(server_ids or [])}


def _soft_budget_row(row: Any) -> bool:
    """The budget row LiteLLM makes for a key's own `soft_budget`: a soft budget and no other limit. (A Budget of
    the stack holding only a soft budget looks the same; an import then leaves its budget_id out.)"""
    return isinstance(row, dict) and row.get("soft_budget") is not None and all(
        row.get(name) is None for name in ("max_budget", "budget_duration", "tpm_limit", "rpm_limit",
                                           "max_parallel_requests"))


def new_raw_key() -> str:
    """A LiteLLM-style virtual key with 256 bits of randomness."""
    return "sk-" + secrets.token_urlsafe(32)


class VirtualKeyProvider(LiteLLMProvider):
    """CRUD for `litellm:VirtualKey` against the LiteLLM admin API. Stateless; pickled by reference."""

    fields = KEY_FIELDS + LIFECYCLE_FIELDS + COMPUTED_FIELDS
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
        max_budget, soft_budget = inputs.get("max_budget"), inputs.get("soft_budget")
        if isinstance(max_budget, (int, float)) and isinstance(soft_budget, (int, float)) and soft_budget > max_budget:
            failures.append(CheckFailure("soft_budget", f"soft_budget {soft_budget:g} is greater than max_budget "
                                         f"{max_budget:g}; the soft budget is the alert threshold below the limit"))
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

    # create ----------------------------------------------------------------------------------------
    def create(self, props):
        props = self.normalised(props)
        if props.get("adopt") or props.get("token_hash"):
            return self._adopt(props)
        raw = new_raw_key()
        with self.client(props, raw) as api:
            created = self._generate(api, self._generate_body(props, raw), raw)
        token = created.get("token_id") or created.get("token") or hash_key(raw)
        outs = self._outputs(props, key=created.get("key") or raw, token=token,
                             key_name=created.get("key_name"), expires=created.get("expires"))
        return CreateResult(token, outs)

    @staticmethod
    def _generate_body(props: Mapping[str, Any], raw: str) -> dict[str, Any]:
        body: dict[str, Any] = {"key": raw, "key_alias": props["key_alias"], "models": list(props.get("models") or []),
                                "metadata": stamped(props.get("metadata"), props)}
        body.update(_declared_settings(props))
        if props.get("blocked"):
            body["blocked"] = True
        return body

    def _adopt(self, props: dict[str, Any]) -> CreateResult:
        """Take over an existing key: declared fields via `/key/update`, nothing created, the value stays the user's."""
        alias, token_hash = props["key_alias"], props.get("token_hash")
        with self.client(props) as api:
            found = self._adoptable(api, alias, token_hash, props.get(OWNER_INPUT))
            token = found["token"]
            metadata = {k: v for k, v in (found.get("metadata") or {}).items() if k not in _METADATA_BACKED}
            metadata.update(props.get("metadata") or {})
            metadata[ADOPTED_MARKER] = utc_now().isoformat()
            metadata = stamped(metadata, props)
            body: dict[str, Any] = {"key": token, "key_alias": alias, "models": list(props.get("models") or []),
                                    "metadata": metadata, "blocked": bool(props.get("blocked"))}
            body.update(_declared_settings(props))
            answer = api.key_update(body)
        expires = answer.get("expires", found.get("expires")) if isinstance(answer, dict) else found.get("expires")
        outs = self._outputs(props, key=None, token=token, key_name=found.get("key_name"), expires=expires,
                             # the stored inputs hold check()'s time: rotateEvery counts from the adoption
                             held_by_user=True, issued_at=props.get("issued_at"))
        return CreateResult(token, outs)

    @staticmethod
    def _adoptable(api: AdminClient, alias: str, token_hash: Optional[str], owner: Optional[str]) -> dict[str, Any]:
        if token_hash:
            try:
                found = api.key_info(token_hash)
            except LiteLLMAdminError as exc:
                if exc.status != 404:
                    raise
                found = {}
            if not found or found.get("status") == "deleted":
                raise api.error("POST", "/key/update", 404, f"no key with token {token_hash[:12]}… to adopt",
                                hint="copy `token` from /key/list?return_full_object=true; deleted keys cannot be "
                                     "adopted") from None
            found = {**found, "token": token_hash}
        else:
            rows = [r for r in api.list_keys(alias=alias) if r.get("key_alias") == alias]
            if not rows:
                raise api.error("POST", "/key/update", 404, f"no key with alias {alias!r} to adopt",
                                hint="check the alias in the LiteLLM UI, set keys[].tokenHash for a key without an "
                                     "alias, or drop keys[].adopt to issue a new key")
            if len(rows) > 1:
                raise api.error("POST", "/key/update", 409, f"{len(rows)} keys share alias {alias!r}",
                                hint="set keys[].tokenHash to the token of the one to adopt")
            found = rows[0]
        theirs = owner_of(found)
        if theirs and theirs != owner:
            raise api.error("POST", "/key/update", 409, f"key {alias!r} is owned by stack {theirs}",
                            hint="a stack never adopts another stack's key: remove keys[].adopt, or manage the key "
                                 f"in stack {theirs}")
        stamp = (found.get("metadata") or {}).get(ADOPTED_MARKER)
        if stamp:
            raise api.error("POST", "/key/update", 409, f"key {alias!r} was already adopted by a stack on {stamp}",
                            hint="one stack, one keys[] entry per key: remove the other entry (or, after an "
                                 f"interrupted adoption, delete metadata.{ADOPTED_MARKER} of the key in the "
                                 "LiteLLM UI and run `pulumi up` again)")
        return found

    def _generate(self, api: AdminClient, body: dict[str, Any], raw: str) -> dict[str, Any]:
        alias = body["key_alias"]

        def refuse(exc: LiteLLMAdminError, attempt: int) -> Optional[Exception]:
            if exc.already_exists and attempt == 1:
                theirs = next((owner_of(r) for r in api.keys_with_alias(alias) if owner_of(r)), None)
                if theirs and theirs != body["metadata"].get(OWNER_MARKER):
                    return api.error("POST", "/key/generate", 409, f"key alias {alias!r} is owned by stack {theirs}",
                                     hint="key aliases are unique on the gateway: choose another alias here, or "
                                          f"remove the key from stack {theirs} first")
                return api.error("POST", "/key/generate", 400, exc.message, error_type=exc.error_type,
                                 hint=f"a key with alias {alias!r} already exists on the gateway (made outside "
                                      "this stack, or left by an interrupted run); delete it in the LiteLLM UI "
                                      "or choose another alias")
            return None

        # The raw value was chosen here: after a lost answer, the key found by its alias is ours if its hash matches.
        return create_confirmed(api, f"key {alias!r}", lambda: api.key_generate(body),
                                lambda: self._find_by_alias(api, alias, raw),
                                reconcile=lambda mine, exc: {**mine, "key": raw}, refuse=refuse)

    @staticmethod
    def _find_by_alias(api: AdminClient, alias: str, raw: str) -> Optional[dict[str, Any]]:
        """Our key with this alias (its token is the hash of our raw value); an alias owned by another key fails."""
        ours = hash_key(raw)
        rows = api.keys_with_alias(alias)
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
        with self.client(props) as api:
            info = api.absent_as_none(lambda: api.key_info(token))
        if info is None or info.get("status") == "deleted":
            return ReadResult("", {})  # deleted keys are archived and still answer /key/info
        outs = self._refreshed(props, info, token)
        return ReadResult(id_, outs, inputs=refreshed_inputs(self, props, outs,
                                                             set(self.input_names) | set(CONNECTION_FIELDS)))

    def _refreshed(self, props: dict[str, Any], info: dict[str, Any], token: str) -> dict[str, Any]:
        importing = not props.get("key_alias")
        outs = self.stored(props)
        server = dict(info)
        server["soft_budget"] = (info.get("litellm_budget_table") or {}).get("soft_budget")
        if importing and _soft_budget_row(info.get("litellm_budget_table")):
            server["budget_id"] = None  # LiteLLM's own row holding the key's soft budget, not a litellm:Budget
        for name in ("tags", "guardrails"):  # sent top-level, kept in metadata
            server[name] = (info.get("metadata") or {}).get(name) or info.get(name)
        if server.get("user_id") == _PROXY_ADMIN:
            server["user_id"] = None  # older proxies stamp the admin's id on keys the admin made
        for spec in KEY_FIELDS:
            name = spec.name
            if name in ("duration", "metadata", "blocked", "models", "mcp_servers"):
                continue
            if importing or declared(props, name):
                if not spec.same(server.get(name), props.get(name)):
                    outs[name] = server.get(name)
        theirs_mcp = (info.get("object_permission") or {}).get("mcp_servers") or None
        if (importing or declared(props, "mcp_servers")) and \
                sorted(theirs_mcp or []) != sorted(props.get("mcp_servers") or []):
            outs["mcp_servers"] = theirs_mcp
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

    # update ----------------------------------------------------------------------------------------
    def update(self, id_, olds, news):
        olds, news = self.normalised(olds), self.normalised(news)
        if news.get("rotation_due"):
            return UpdateResult(self._rotate(id_, olds, news))
        changed = self.changed_fields(olds, news)
        if news.get("renewal_due") and "duration" not in changed:
            changed.append("duration")  # /key/update with a duration sets expires = now + duration
        token = olds.get("token") or id_
        carried = {name: olds.get(name) for name in OUTPUT_FIELDS + DAY2_OUTPUTS}
        if not changed:
            return UpdateResult(self._outputs(news, **carried))  # connection only: nothing to send
        body: dict[str, Any] = {"key": token}
        for name in changed:
            value = news.get(name)
            if name == "models":
                value = list(value or [])
            elif name == "metadata":
                value = stamped(value, olds if olds.get(OWNER_INPUT) else news)
                if olds.get("held_by_user"):  # an adopted key stays marked, so no second stack adopts it
                    value.setdefault(ADOPTED_MARKER, olds.get("issued_at") or "yes")
            elif name == "blocked":
                value = bool(value)
            elif name == "mcp_servers":
                body["object_permission"] = _mcp_grant(value)
                continue
            body[name] = value  # an explicit null clears the field on the server
        with self.client(news, olds.get("key")) as api:
            answer = self._update_existing(api, body, news.get("key_alias"))
        if isinstance(answer, dict):
            carried["expires"] = answer.get("expires", carried["expires"])
            carried["key_name"] = answer.get("key_name") or carried["key_name"]
        carried["expired"] = True if is_expired(carried["expires"]) else None
        return UpdateResult(self._outputs(news, **carried))

    def _rotate(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """A new value under the same alias; the old key renamed, expiring after the grace period (0: deleted)."""
        old_token = olds.get("token") or id_
        grace = grace_seconds(news.get("rotation_grace_period"))
        now = utc_now()
        retired_alias = f"{news['key_alias']}.rotated-{now:%Y%m%dt%H%M%S}"
        raw = new_raw_key()
        with self.client(news, olds.get("key"), raw) as api:
            try:
                spend = float(api.key_info(old_token).get("spend") or 0)
            except LiteLLMAdminError as exc:
                if exc.status != 404:
                    raise
                spend = 0.0  # deleted by hand: the rotation issues the new value all the same
            # The alias is unique: free it first. An interrupted rotation leaves the old key renamed and still
            # valid until its grace ends; the next `up` rotates again.
            rename: dict[str, Any] = {"key": old_token, "key_alias": retired_alias}
            if grace:
                rename["duration"] = f"{grace}s"
            self._update_existing(api, rename, news["key_alias"])
            created = self._generate(api, self._generate_body(news, raw), raw)
            token = created.get("token_id") or created.get("token") or hash_key(raw)
            if spend > 0:  # the budget keeps counting from where the old value left it
                api.key_update({"key": token, "spend": spend})
            retired = [r for r in olds.get("retired") or [] if not is_expired(r.get("expires"), now)]
            expired_retired = [r["token"] for r in olds.get("retired") or [] if is_expired(r.get("expires"), now)]
            if grace:
                retired.append({"token": old_token, "key_alias": retired_alias,
                                "expires": (now + timedelta(seconds=grace)).isoformat()})
            else:
                expired_retired.append(old_token)
            if expired_retired:
                self._delete_tokens(api, expired_retired)
        log.info("key %r rotated: %s", news["key_alias"], news["rotation_due"])
        return self._outputs(news, key=raw, token=token, key_name=created.get("key_name"),
                             expires=created.get("expires"), expired=False, held_by_user=False, retired=retired)

    @staticmethod
    def _update_existing(api: AdminClient, body: dict[str, Any], alias: Optional[str]) -> Any:
        try:
            return api.key_update(body)
        except LiteLLMAdminError as exc:
            if exc.not_found:
                raise api.error("POST", "/key/update", 404, exc.message,
                                hint=f"key {alias!r} no longer exists (deleted by hand, or with its team); run "
                                     "`pulumi refresh`, then `pulumi up` to issue a new one") from None
            raise

    @staticmethod
    def _delete_tokens(api: AdminClient, tokens: Sequence[str]) -> None:
        for token in tokens:
            api.key_delete(token)

    # delete ----------------------------------------------------------------------------------------
    def delete(self, id_, props):
        props = self.normalised(props)
        with self.client(props) as api:
            api.key_delete(props.get("token") or id_)  # already gone is fine (also after its team was deleted)
            # Old values still in their grace period go with the key.
            self._delete_tokens(api, [r["token"] for r in props.get("retired") or [] if r.get("token")])

    def _outputs(self, props: Mapping[str, Any], **computed: Any) -> dict[str, Any]:
        outs = {k: v for k, v in self.stored(props).items() if k not in ("rotation_due", "renewal_due")}
        outs.update(computed)
        if not outs.get("expired") and is_expired(outs.get("expires")):
            outs["expired"] = True
        return {k: v for k, v in outs.items() if v is not None and v != {} and v != []}


class VirtualKey(LiteLLMResource, module="litellm", name="VirtualKey"):
    """A LiteLLM virtual key. Type token `pulumi-python:dynamic/litellm:VirtualKey`."""

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

    def __init__(self, resource_name: str, *, connection: AdminConnection, key_alias: pulumi.Input[str],
                 models: Sequence[str] = (), team_id: Optional[pulumi.Input[str]] = None,
                 user_id: Optional[str] = None, max_budget: Optional[float] = None,
                 soft_budget: Optional[float] = None, budget_duration: Optional[str] = None,
                 duration: Optional[str] = None, tpm_limit: Optional[int] = None, rpm_limit: Optional[int] = None,
                 max_parallel_requests: Optional[int] = None, metadata: Optional[Mapping[str, Any]] = None,
                 blocked: bool = False, allowed_routes: Optional[Sequence[str]] = None,
                 tags: Optional[Sequence[str]] = None, guardrails: Optional[Sequence[str]] = None,
                 rotation: Optional[str] = None,
                 rotate_every: Optional[str] = None, rotation_grace_period: Optional[str] = None, renew: bool = False,
                 adopt: bool = False, token_hash: Optional[str] = None,
                 budget_id: Optional[pulumi.Input[str]] = None,
                 mcp_servers: Sequence[pulumi.Input[str]] = (),
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        # Unset and default values are not sent: the state of each of thousands of keys holds what was declared.
        self._register(resource_name, connection, {
            "key_alias": key_alias, "models": list(models) or None, "team_id": team_id, "user_id": user_id,
            "max_budget": max_budget, "soft_budget": soft_budget, "budget_duration": budget_duration,
            "duration": duration, "tpm_limit": tpm_limit, "rpm_limit": rpm_limit,
            "max_parallel_requests": max_parallel_requests, "metadata": dict(metadata) if metadata else None,
            "blocked": blocked or None, "allowed_routes": list(allowed_routes) if allowed_routes else None,
            "tags": list(tags) if tags else None, "guardrails": list(guardrails) if guardrails else None,
            "rotation": rotation, "rotate_every": rotate_every, "rotation_grace_period": rotation_grace_period,
            "renew": renew or None, "adopt": adopt or None, "token_hash": token_hash, "issued_at": None,
            "budget_id": budget_id,
            "mcp_servers": list(mcp_servers) or None,
        }, opts,
            # aliases are unique: a forced replacement must free the alias first
            delete_before_replace=True)
