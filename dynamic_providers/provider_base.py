"""Plumbing shared by the Model, VirtualKey and Team providers: connection inputs, check and diff.

Providers are pickled BY REFERENCE (module path + class name) into every resource's state and loaded
again by the provider host for read/update/delete. Their module paths and class names are API: never
rename or move them. They hold no attributes: everything a call needs arrives in its inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider
from pulumi.output import Unknown
from pulumi.runtime import rpc

from dynamic_providers.admin_client import (
    CONNECTION_FIELDS,
    REDACTED,
    AdminClient,
    Connection,
    ca_bundle_problem,
    insecure_transport_problem,
)

# --- program side: connection inputs -----------------------------------------------------------------


@dataclass(frozen=True)
class AdminConnection:
    """Connection inputs shared by every LiteLLM resource (admin URL, master key, timeouts, TLS)."""

    admin_url: Any  # pulumi.Input[str]
    master_key: Any  # pulumi.Input[str]; always sent as a secret
    request_timeout: float = 60.0
    readiness_timeout: float = 600.0
    verify_tls: bool = True
    allow_insecure_http: bool = False
    ca_bundle: Optional[str] = None  # PEM text or a path; public, so a plain input

    @classmethod
    def from_admin_api(cls, admin_url: Any, master_key: Any, admin_api: Any) -> "AdminConnection":
        """From the stack config's AdminApiConfig (timeouts and transport settings)."""
        return cls(admin_url=admin_url, master_key=master_key, request_timeout=admin_api.request_timeout,
                   readiness_timeout=admin_api.readiness_timeout, verify_tls=admin_api.verify_tls,
                   allow_insecure_http=admin_api.allow_insecure_http, ca_bundle=admin_api.ca_bundle)

    def props(self) -> dict[str, Any]:
        return {
            "admin_url": self.admin_url,
            "master_key": pulumi.Output.secret(self.master_key),
            "request_timeout": self.request_timeout,
            "readiness_timeout": self.readiness_timeout,
            "verify_tls": self.verify_tls,
            "allow_insecure_http": self.allow_insecure_http,
            "ca_bundle": self.ca_bundle,
        }

    def __repr__(self) -> str:
        return f"AdminConnection(admin_url={self.admin_url!r}, master_key={REDACTED!r})"


# --- provider plumbing shared by Model, VirtualKey and Team --------------------------------------------


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the SDK's Unknown object or the wire sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return False


def plain(value: Any) -> Any:
    """Drop secret envelopes (the host sends plaintext, but direct callers and tests may not)."""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (list, dict)) and not value)


def same(a: Any, b: Any) -> bool:
    """Equality as LiteLLM means it: 1 == 1.0, 1e-06 == 0.000001, and None == [] == {} == False (unset).

    0 is a real value (a zero budget), never the same as unset.
    """
    if is_unknown(a) or is_unknown(b):
        return False
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@dataclass(frozen=True)
class Field:
    """One declared input. kind: str | int | number | bool | list | dict."""

    name: str
    kind: str
    required: bool = False
    minimum: Optional[float] = None  # numbers: inclusive lower bound
    exclusive_minimum: Optional[float] = None
    duration: bool = False  # a LiteLLM duration string (30d, 1mo, ...)


def _duration_problem(value: str) -> Optional[str]:
    from config import parse_litellm_duration  # the one parser of LiteLLM durations

    try:
        parse_litellm_duration(value)
    except ValueError as exc:
        return str(exc)
    return None


def normalise_field(inputs: dict[str, Any], spec: Field, failures: list[CheckFailure]) -> None:
    """Validate one input in place; whole-number floats (everything crosses gRPC as float) become ints."""
    name, value = spec.name, inputs.get(spec.name)
    if is_unknown(value) or has_unknown(value):
        return
    if value is None:
        if spec.required:
            failures.append(CheckFailure(name, f"{name} is required"))
        elif spec.kind == "list":
            inputs[name] = []
        elif spec.kind == "dict":
            inputs[name] = {}
        return
    if spec.kind == "str":
        if not isinstance(value, str):
            failures.append(CheckFailure(name, f"{name} must be a string, got {type(value).__name__}"))
        elif not value.strip():
            failures.append(CheckFailure(name, f"{name} must not be empty (omit it instead)"))
        elif spec.duration:
            problem = _duration_problem(value)
            if problem:
                failures.append(CheckFailure(name, f"{name}: {problem}"))
    elif spec.kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            failures.append(CheckFailure(name, f"{name} must be a finite number, got {value!r}"))
            return
        if spec.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                failures.append(CheckFailure(name, f"{name} must be a whole number, got {value!r}"))
                return
            inputs[name] = value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            failures.append(CheckFailure(name, f"{name} must be {spec.minimum:g} or more, got {value:g}"))
        if spec.exclusive_minimum is not None and value <= spec.exclusive_minimum:
            failures.append(CheckFailure(name, f"{name} must be greater than {spec.exclusive_minimum:g}, got {value:g}"))
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            failures.append(CheckFailure(name, f"{name} must be true or false, got {value!r}"))
    elif spec.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            failures.append(CheckFailure(name, f"{name} must be a list of non-empty strings"))
        elif len(set(value)) != len(value):
            failures.append(CheckFailure(name, f"{name} lists a value twice: {sorted({v for v in value if value.count(v) > 1})}"))
    elif spec.kind == "dict":
        if not isinstance(value, dict):
            failures.append(CheckFailure(name, f"{name} must be an object (map), got {type(value).__name__}"))
        else:
            inputs[name] = {str(k): _int_floats(v) for k, v in value.items()}


def _int_floats(value: Any) -> Any:
    """Maps cross gRPC with every number as float; keep whole numbers whole so LiteLLM sees 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _int_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_int_floats(v) for v in value]
    return value


CONNECTION_SPECS = (
    Field("admin_url", "str", required=True),
    Field("master_key", "str", required=True),
    Field("request_timeout", "number", exclusive_minimum=0),
    Field("readiness_timeout", "number", minimum=0),
    Field("verify_tls", "bool"),
    Field("allow_insecure_http", "bool"),
    Field("ca_bundle", "str"),
)


def check_connection(inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
    for spec in CONNECTION_SPECS:
        before = len(failures)
        normalise_field(inputs, spec, failures)
        if spec.name == "master_key" and len(failures) > before:
            # Never echo the value of the master key back, even in a type error.
            failures[before:] = [CheckFailure("master_key", "master_key must be a non-empty string (the LiteLLM master key)")]
    url = inputs.get("admin_url")
    if isinstance(url, str) and not is_unknown(url):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} is not an http(s) URL; use e.g. "
                                         "https://litellm.apps.example.com or http://127.0.0.1:4000"))
        elif parts.query or parts.fragment:
            failures.append(CheckFailure("admin_url", f"admin_url {url!r} must not carry a query or fragment"))
        elif problem := insecure_transport_problem(url, inputs.get("allow_insecure_http") is True):
            failures.append(CheckFailure("admin_url", f"admin_url: {problem}"))
        else:
            inputs["admin_url"] = url.rstrip("/")
    bundle = inputs.get("ca_bundle")
    if isinstance(bundle, str) and not is_unknown(bundle) and (problem := ca_bundle_problem(bundle)):
        failures.append(CheckFailure("ca_bundle", f"ca_bundle {problem}"))
    connection_defaults(inputs)


def connection_defaults(props: dict[str, Any]) -> dict[str, Any]:
    """Fill the optional connection inputs (also for state built by an import from the id alone)."""
    for name, default in (("request_timeout", 60.0), ("readiness_timeout", 600.0), ("verify_tls", True),
                          ("allow_insecure_http", False)):
        if props.get(name) is None:
            props[name] = default
    return props


class LiteLLMProvider(ResourceProvider):
    """Check/diff plumbing shared by the three providers; subclasses add the HTTP calls."""

    fields: tuple[Field, ...] = ()
    # Inputs that exist only to keep an id stable (e.g. a generated model id); compared like any other.
    internal_inputs: tuple[str, ...] = ()

    @property
    def input_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields) + self.internal_inputs

    def normalised(self, props: Optional[Mapping[str, Any]]) -> dict[str, Any]:
        """Props as the CRUD methods want them: no secret envelopes, whole numbers as ints again.

        Every number crosses gRPC as a float, including the ones check() already made ints.
        """
        props = plain(dict(props or {}))
        for spec in self.fields:
            value = props.get(spec.name)
            if spec.kind == "int" and isinstance(value, float) and value.is_integer():
                props[spec.name] = int(value)
            elif spec.kind == "dict" and isinstance(value, dict):
                props[spec.name] = _int_floats(value)
        return props

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        check_connection(inputs, failures)
        for spec in self.fields:
            normalise_field(inputs, spec, failures)
        if not failures:
            self.check_resource(olds, inputs, failures)
        return CheckResult(inputs, failures)

    def check_resource(self, olds: dict[str, Any], inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
        """Resource-specific validation and defaulting (ids); append failures, edit inputs in place."""

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        return [name for name in self.input_names if not same(olds.get(name), news.get(name))]

    def replacements(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        """Inputs whose change LiteLLM cannot apply in place."""
        return []

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # `olds` are the stored outputs; only the input names are compared, never server-filled values.
        olds, news = plain(dict(olds or {})), plain(dict(news or {}))
        changed = self.changed_fields(olds, news)
        connection = [n for n in CONNECTION_FIELDS if not same(olds.get(n), news.get(n))]
        replaces = self.replacements(olds, news)
        if not changed and not connection:
            return DiffResult(changes=False, replaces=[], delete_before_replace=False)
        return DiffResult(changes=True, replaces=replaces,
                          delete_before_replace=bool(replaces) and self.delete_before_replace(olds, news))

    def delete_before_replace(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return False

    @staticmethod
    def client(props: Mapping[str, Any], *secrets: Optional[str]) -> AdminClient:
        api = AdminClient(Connection.from_props(props))
        for secret in secrets:
            api.add_secret(secret)
        return api

    def only_connection_changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return not self.changed_fields(olds, news)


def declared(props: Mapping[str, Any], name: str) -> bool:
    value = props.get(name)
    return value is not None and value != [] and value != {}
