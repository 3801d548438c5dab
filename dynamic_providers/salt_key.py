"""`litemaas:SaltKeyGuard`: the gateway's effective salt key, so that `pulumi preview` refuses a change of it.

LiteLLM encrypts every model and credential secret it stores (`LiteLLM_ProxyModelTable`,
`LiteLLM_CredentialsTable`) with `LITELLM_SALT_KEY`. A new salt key (`litellm.saltKey` set, changed, or removed
so that a generated one replaces it) updates the credentials Secret in place, but the gateway can no longer read
what it stored: every model with a stored API key fails. The safe path is to set the old value back; an admin
who really wants the new key (every such model and credential is then created again) says so with
`litellm.acknowledgeNewSaltKey: true`, which covers the one `up` that sets it (a value left behind from an
earlier change acknowledges nothing more).

The salt key is a secret input (and output), so the state holds only its ciphertext; no message ever shows it.
The provider is pickled BY REFERENCE into the state: the module path and class name are API, never move them.
"""

from __future__ import annotations

import hmac
from typing import Any, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ResourceProvider, UpdateResult

from dynamic_providers.provider_base import plain

ACKNOWLEDGE_KEY = "litellm.acknowledgeNewSaltKey"
# What decides the refusal; `namespace` only words the message.
COMPARED = ("salt_key", "source", "acknowledged")
SECRET_OUTPUTS = ["salt_key"]


def same_key(old: Any, new: Any) -> bool:
    """Constant-time equality of two salt keys (an unknown new one, a generated one at preview, is never equal)."""
    return isinstance(new, str) and hmac.compare_digest(str(old).encode(), new.encode())


def _what(old_source: Optional[str], new_source: Optional[str]) -> str:
    if old_source == "generated" and new_source == "config":
        return "sets a salt key other than the one this stack generated"
    if old_source == "config" and new_source == "generated":
        return "removes the salt key, so a new one would be generated"
    return "changes the salt key"


def refusal(old_source: Optional[str], new_source: Optional[str], namespace: Optional[str]) -> str:
    namespace = namespace or "<namespace>"
    return (
        f"litemaas:litellm.saltKey: this change {_what(old_source, new_source)}. LiteLLM stored every model and "
        "credential secret encrypted with the current salt key: with a new one the gateway cannot read them and "
        "every model with a stored API key fails. The safe path: set the current value back, e.g. "
        f"`kubectl -n {namespace} get secret litellm-credentials -o jsonpath='{{.data.LITELLM_SALT_KEY}}' | "
        "base64 -d > salt-key.txt` then `pulumi config set --secret --path litellm.saltKey \"$(cat "
        "salt-key.txt)\"` (README, \"Tearing down\", reads it from the state too). To change it anyway (then create "
        "every model and credential with a stored secret again, README \"Troubleshooting\"), set "
        f"`pulumi config set --path {ACKNOWLEDGE_KEY} true` for that one `up`.")


class SaltKeyGuardProvider(ResourceProvider):
    """Refuses, at check (so at preview), a change of the effective salt key that is not acknowledged."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        old_key = olds.get("salt_key")
        if isinstance(old_key, str) and old_key and not same_key(old_key, inputs.get("salt_key")):
            # One change per acknowledgement: true now and not at the last `up`.
            acknowledged = bool(inputs.get("acknowledged")) and not olds.get("acknowledged")
            if not acknowledged:
                reason = refusal(olds.get("source"), inputs.get("source"), inputs.get("namespace"))
                if inputs.get("acknowledged"):
                    reason += (f" (`{ACKNOWLEDGE_KEY}` is still true from an earlier change and covers no other: "
                               f"`pulumi config rm --path {ACKNOWLEDGE_KEY}` with the old salt key, `pulumi up`, "
                               "then set both again.)")
                failures.append(CheckFailure("salt_key", reason))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = plain(dict(olds or {})), plain(dict(news or {}))
        changed = [k for k in COMPARED if k != "salt_key" and olds.get(k) != news.get(k)]
        if not same_key(olds.get("salt_key"), news.get("salt_key")):
            changed.append("salt_key")
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(id_="salt-key", outs=plain(dict(props)))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=plain(dict(news)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete: it only remembers."""


class SaltKeyGuard(pulumi.dynamic.Resource, module="litemaas", name="SaltKeyGuard"):
    """The salt key the gateway uses, checked against the config at every preview."""

    def __init__(self, resource_name: str, *, salt_key: pulumi.Input[str], source: str, acknowledged: bool,
                 namespace: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None):
        """`source`: `config` (litellm.saltKey) or `generated` (the stack's pulumi-random salt key)."""
        super().__init__(SaltKeyGuardProvider(), resource_name,
                         {"salt_key": pulumi.Output.secret(salt_key), "source": source,
                          "acknowledged": acknowledged, "namespace": namespace},
                         pulumi.ResourceOptions.merge(
                             pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS), opts))
