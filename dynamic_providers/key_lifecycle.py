"""The day-2 strategies of the virtual key kind, run by the shared mechanism in place of its plain create and update.

- `KeyAdoption` (create): take over an existing key (`adopt` by alias, or `token_hash`) with `/key/update`; nothing
  is created and the value stays the user's.
- `KeyRotation` (update): issue a new value under the same alias; the old key is renamed and expires after the grace
  period (LiteLLM's own expiry revokes it), its spend carried over. No Enterprise licence: `/key/regenerate` is never
  called.
Both take the key kind's provider for its bodies, outputs and calls; neither holds state (pickled providers hold none).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any, Optional, Sequence

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.key_fields import declared_settings
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import OWNER_INPUT, OWNER_MARKER, owner_of, stamped
from kinds.declarations import TOKEN_HASH  # noqa: F401  (re-exported: the name this module always had)


log = logging.getLogger("litemaas.litellm_admin")

DEFAULT_GRACE_PERIOD = "24h"
ADOPTED_MARKER = "litemaas_adopted"  # metadata stamp on an adopted key: a second adoption is refused
# Fields LiteLLM keeps inside metadata; never part of the user's declared metadata.
METADATA_BACKED = frozenset({"tags", "guardrails", "policies", "prompts", "model_rpm_limit", "model_tpm_limit",
                             "rpm_limit_type", "tpm_limit_type", "enforced_params", "service_account_id",
                             "logging", OWNER_MARKER})  # and the owning stack's stamp


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


def new_raw_key() -> str:
    """A LiteLLM-style virtual key with 256 bits of randomness."""
    return "sk-" + secrets.token_urlsafe(32)


def delete_tokens(api: AdminClient, tokens: Sequence[str]) -> None:
    for token in tokens:
        api.key_delete(token)


class KeyAdoption:
    """Create by taking over an existing key: declared fields via `/key/update`."""

    def __init__(self, provider: ObjectProvider) -> None:
        self.provider = provider

    def __call__(self, api: AdminClient, props: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        alias = props["key_alias"]
        found = self.adoptable(api, alias, props.get("token_hash"), props.get(OWNER_INPUT))
        token = found["token"]
        metadata = {k: v for k, v in (found.get("metadata") or {}).items() if k not in METADATA_BACKED}
        metadata.update(props.get("metadata") or {})
        metadata[ADOPTED_MARKER] = utc_now().isoformat()
        metadata = stamped(metadata, props)
        body: dict[str, Any] = {"key": token, "key_alias": alias, "models": list(props.get("models") or []),
                                "metadata": metadata, "blocked": bool(props.get("blocked"))}
        body.update(declared_settings(props))
        answer = api.key_update(body)
        expires = answer.get("expires", found.get("expires")) if isinstance(answer, dict) else found.get("expires")
        return token, self.provider.key_outputs(props, key=None, token=token, key_name=found.get("key_name"),
                                                expires=expires, held_by_user=True,
                                                # the stored inputs hold check()'s time: rotateEvery counts from here
                                                issued_at=props.get("issued_at"))

    @staticmethod
    def adoptable(api: AdminClient, alias: str, token_hash: Optional[str], owner: Optional[str]) -> dict[str, Any]:
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


class KeyRotation:
    """Update by issuing a new value under the same alias; the old key renamed, expiring after `grace` seconds
    (0: deleted at once)."""

    def __init__(self, provider: ObjectProvider, grace: int) -> None:
        self.provider, self.grace = provider, grace

    def __call__(self, api: AdminClient, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        provider, grace = self.provider, self.grace
        old_token = olds.get("token") or id_
        now = utc_now()
        retired_alias = f"{news['key_alias']}.rotated-{now:%Y%m%dt%H%M%S}"
        raw = new_raw_key()
        api.add_secret(raw)
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
        provider.sent_update(api, old_token, rename, news)
        issued = {**news, "key": raw}
        created = provider.confirmed_create(api, issued)
        token = provider.created_id(issued, created)
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
            delete_tokens(api, expired_retired)
        log.info("key %r rotated: %s", news["key_alias"], news["rotation_due"])
        return provider.key_outputs(news, key=raw, token=token, key_name=created.get("key_name"),
                                    expires=created.get("expires"), expired=False, held_by_user=False,
                                    retired=retired)

