"""How a LiteLLM resource reaches its gateway: what the resource sends (`AdminConnection`), what the stack config
holds (`StackConnection`, handed to `configure`), and the check of the two merged.

Settings the stack config holds (`litemaas:gatewayUrl`, `litemaas:masterKey`, `litemaas:adminApi`) arrive ONCE per
provider process through `configure` (the engine hands a dynamic provider the whole decrypted stack config), so they
are not repeated in every resource's state and `refresh`/`destroy` use the current ones after a master-key rotation.
What the config does not hold (the generated master key and route URL of a deployed gateway) travels as inputs of
each resource. Stack config wins where both exist. `adminApi` is read by the settings type the program and the
`litemaas` command use too (litemaas_common/admin_settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, fields as dataclass_fields
from typing import Any, Mapping, Optional
from urllib.parse import urlsplit

import pulumi
from pulumi.dynamic import CheckFailure

from litemaas_common.admin_settings import ADMIN_API, DEFAULTS, AdminSettings, ca_bundle_problem, \
    insecure_transport_problem
from dynamic_providers.admin.errors import REDACTED
from kinds.schema import is_unknown  # noqa: F401  (re-exported)

# How the stack config names the connection settings (the program validates them at preview; see config/).
STACK_URL, STACK_MASTER_KEY, STACK_ADMIN_API = "gatewayUrl", "masterKey", ADMIN_API
TRANSPORT_DEFAULTS = DEFAULTS.as_dict()


@dataclass(frozen=True)
class AdminConnection:
    """What a LiteLLM resource sends about its gateway: only what the stack config does not already hold.

    `admin_url`/`master_key` None: the provider takes them from the stack config (`litemaas:gatewayUrl`,
    `litemaas:masterKey`). Timeouts and TLS settings come from `litemaas:adminApi` unless given here (tests).
    """

    admin_url: Any = None  # pulumi.Input[str]
    master_key: Any = None  # pulumi.Input[str]; always sent as a secret
    request_timeout: Optional[float] = None
    readiness_timeout: Optional[float] = None
    verify_tls: Optional[bool] = None
    allow_insecure_http: Optional[bool] = None
    ca_bundle: Optional[str] = None  # PEM text or a path; public, so a plain input

    def props(self) -> dict[str, Any]:
        props = {f.name: getattr(self, f.name) for f in dataclass_fields(self) if getattr(self, f.name) is not None}
        if "master_key" in props:
            props["master_key"] = pulumi.Output.secret(props["master_key"])
        return props

    def __repr__(self) -> str:
        return f"AdminConnection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


@dataclass(frozen=True)
class StackConnection:
    """The connection settings of the stack config, as the engine hands them to `configure` (decrypted)."""

    admin_url: Optional[str] = None
    master_key: Optional[str] = None
    settings: Mapping[str, Any] = None  # type: ignore[assignment]  # request_timeout, ..., ca_bundle

    @classmethod
    def from_stack_config(cls, config: Any) -> "StackConnection":
        """From `pulumi.dynamic.Config`; tolerant: the program has validated these values at preview."""
        url, key = config.get(STACK_URL), config.get(STACK_MASTER_KEY)
        settings = AdminSettings.from_section(config.get(STACK_ADMIN_API))
        return cls(admin_url=str(url).rstrip("/") if url else None, master_key=str(key) if key else None,
                   settings=settings.as_dict())

    def resolve(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The connection of one call: the stack config's URL and key win, inline transport settings win."""
        merged = {**TRANSPORT_DEFAULTS, **(self.settings or {}),
                  **{k: props[k] for k in TRANSPORT_DEFAULTS if props.get(k) is not None}}
        merged["admin_url"] = self.admin_url or props.get("admin_url")
        merged["master_key"] = self.master_key or props.get("master_key")
        return merged

    def supplies(self, name: str, value: Any) -> bool:
        """Whether a resource need not store connection input `name` = `value`: the stack config provides it (its URL
        and master key win anyway; a transport setting only when the stack's value is the same)."""
        if name == "admin_url":
            return self.admin_url is not None
        if name == "master_key":
            return self.master_key is not None
        return not is_unknown(value) and (self.settings or TRANSPORT_DEFAULTS).get(name) == value


UNCONFIGURED = StackConnection(settings=TRANSPORT_DEFAULTS)


def check_connection(connection: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """The resolved connection of a resource: an admin URL and a master key from somewhere, safe to use."""
    url, key = connection.get("admin_url"), connection.get("master_key")
    if url is None:
        failures.append(CheckFailure("admin_url", "no admin URL: set `litemaas:gatewayUrl` (or give the resource "
                                     "an admin_url)"))
    if key is None:
        failures.append(CheckFailure("master_key", "no master key: set it with `pulumi config set --secret "
                                     "masterKey sk-…` (or give the resource a master_key)"))
    elif not is_unknown(key) and (not isinstance(key, str) or not key.strip()):
        # Never echo the value of the master key back, even in a type error.
        failures.append(CheckFailure("master_key", "master_key must be a non-empty string (the LiteLLM master key)"))
    for name in ("verify_tls", "allow_insecure_http"):
        if not isinstance(connection.get(name), bool):
            failures.append(CheckFailure(name, f"{name} must be true or false, got {connection.get(name)!r}"))
    for name in ("request_timeout", "readiness_timeout"):
        value = connection.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or \
                (name == "request_timeout" and value == 0):
            failures.append(CheckFailure(name, f"{name} must be a positive number of seconds, got {value!r}"))
    if isinstance(url, str) and not is_unknown(url):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} is not an http(s) URL; use e.g. "
                                         "https://litellm.apps.example.com or http://127.0.0.1:4000"))
        elif parts.query or parts.fragment:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} must not carry a query or fragment"))
        elif problem := insecure_transport_problem(url, connection.get("allow_insecure_http") is True):
            failures.append(CheckFailure("admin_url", f"admin_url: {problem}"))
    bundle = connection.get("ca_bundle")
    if isinstance(bundle, str) and not is_unknown(bundle) and (problem := ca_bundle_problem(bundle)):
        failures.append(CheckFailure("ca_bundle", f"ca_bundle {problem}"))


_check_connection = check_connection  # the name provider_base used
