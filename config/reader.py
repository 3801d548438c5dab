"""The config reader every section parses with: typed access that collects problems, the shared checks,
and the one `ConfigError` that lists them all."""

from __future__ import annotations

import difflib
import math
import re
from decimal import Decimal
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence
from urllib.parse import urlsplit

import pulumi

from litemaas_common.admin_settings import is_header_token

from litemaas_common.durations import (  # noqa: F401  (re-exported: config.parse_litellm_duration)
    LITELLM_DURATION,
    SECONDS_PER_UNIT,
    SIMPLE_DURATION,
    parse_litellm_duration,
)


PROJECT = "litemaas"


QUANTITY = re.compile(r"^[+]?((\d+(\.\d*)?)|(\.\d+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?\d+))?$")


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


# RFC 1123 as Kubernetes applies it: labels of at most 63 characters, 253 in all.
DNS_SUBDOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$")


# Kubernetes' int32 fields (replicas, instances, ...); LiteLLM's limits are BigInt columns.
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
KUBERNETES_INT32 = {"maximum": INT32_MAX, "why": "Kubernetes stores it as a 32-bit integer"}


ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")




HAPROXY_TIMEOUT = re.compile(r"^\d+(us|ms|s|m|h|d)?$")






class ConfigError(pulumi.RunError):
    """The stack config is invalid; the message lists every problem with its key path and fix."""


@dataclass(frozen=True)
class ResourcesConfig:
    """Container resource requests and limits (Kubernetes quantities)."""

    requests: Mapping[str, str]
    limits: Mapping[str, str]


MISSING = object()


class Reader:
    """Typed access to one config object that records problems instead of stopping at the first."""

    def __init__(self, problems: list[str], path: str, data: Mapping[str, Any], known: Sequence[str]):
        self.problems = problems
        self.path = path
        self.data = data
        for key in data:
            if key not in known:
                self.fail_key(key, f"unknown key{did_you_mean(key, known)}; known keys: {', '.join(known)}")

    def key_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def fail_key(self, key: str, message: str) -> None:
        self.problems.append(f"{PROJECT}:{self.key_path(key)}: {message}")

    def raw(self, key: str) -> Any:
        return self.data.get(key, MISSING)

    def string(self, key: str, default: Optional[str] = None, *, check: Optional[Callable[[str], Optional[str]]] = None,
               required: bool = False, secret: bool = False) -> Optional[str]:
        value = self.raw(key)
        if value is MISSING or value is None:
            if required:
                self.fail_key(key, "is required")
            return default
        if not isinstance(value, str):
            self.fail_key(key, f"must be a string, got {type_name(value)}")
            return default
        if required and not value.strip():
            self.fail_key(key, "must not be empty")
            return default
        if secret and not is_header_token(value):
            self.fail_key(key, not_a_token(self.key_path(key)))
            return default
        if check:
            problem = check(value)
            if problem:
                # Secret values never appear in messages.
                shown = "the value" if secret else repr(value)
                self.fail_key(key, f"{shown} {problem}")
                return default
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.raw(key)
        if value is MISSING or value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.fail_key(key, f"must be true or false, got {value!r}")
        return default

    def integer(self, key: str, default: Optional[int] = None, *, minimum: int = 0,
                maximum: int = INT64_MAX, why: str = "a 64-bit integer, as LiteLLM stores limits"
                ) -> Optional[int]:
        value = self.raw(key)
        if value is MISSING or value is None:
            return default
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            value = int(value)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail_key(key, f"must be a whole number, got {value!r}")
            return default
        if value < minimum:
            self.fail_key(key, f"must be {minimum} or more, got {value}")
            return default
        if value > maximum:
            self.fail_key(key, f"must be {maximum} or less ({why}), got {value}")
            return default
        return value

    def number(self, key: str, default: Optional[float] = None, *, positive: bool = False) -> Optional[float]:
        value = self.raw(key)
        if value is MISSING or value is None:
            return default
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail_key(key, f"must be a number, got {value!r}")
            return default
        if value < 0 or (positive and value == 0):
            self.fail_key(key, f"must be {'greater than 0' if positive else '0 or more'}, got {value}")
            return default
        return float(value)

    def mapping(self, key: str) -> dict[str, Any]:
        value = self.raw(key)
        if value is MISSING or value is None:
            return {}
        if not isinstance(value, dict):
            self.fail_key(key, f"must be an object (map), got {type_name(value)}")
            return {}
        return dict(value)

    def string_list(self, key: str, *, check: Optional[Callable[[str], Optional[str]]] = None) -> tuple[str, ...]:
        value = self.raw(key)
        if value is MISSING or value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.fail_key(key, "must be a list of non-empty strings")
            return ()
        for index, item in enumerate(value):
            if check and (problem := check(item)):
                self.fail_key(f"{key}[{index}]", f"{item!r} {problem}")
                return ()
        return tuple(value)

    def child(self, key: str, known: Sequence[str]) -> "Reader":
        return Reader(self.problems, self.key_path(key), self.mapping(key), known)


# Names of values that are credentials (api_key, aws_secret_access_key, AUTH_TOKEN, DB_PASSWORD, ...).
CREDENTIAL_NAME = re.compile(r"(^|[_-])(api_?key|key|secret|token|password|passwd|credentials?)($|[_-])|"
                             r"secret_?access_?key", re.IGNORECASE)


def holds_credential(name: str, value: Any) -> bool:
    """A credential by its name, or a URL with a password in it (a proxy URL such as http://user:pw@proxy:3128).

    LiteLLM's `os.environ/NAME` is a reference to the gateway's environment, not a value: never a credential."""
    if isinstance(value, str) and value.startswith("os.environ/"):
        return False
    if CREDENTIAL_NAME.search(name):
        return True
    try:
        return isinstance(value, str) and bool(urlsplit(value).password)
    except ValueError:
        return False


def not_a_token(key_path: str) -> str:
    """The problem with a credential that holds whitespace or a control character."""
    return ("holds whitespace or a control character (a trailing newline from a file or `echo`?), which no header "
            f"or URL can carry; set it again without them: `pulumi config set --secret --path '{key_path}' …`")


def type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)


def did_you_mean(key: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[key.lower()]] if key.lower() in lowered else []
    return f" (did you mean `{close[0]}`?)" if close else ""


def check_quantity(value: str) -> Optional[str]:
    if not QUANTITY.match(value):
        return ("is not a Kubernetes quantity; use a number with an optional suffix such as "
                "10Gi, 512Mi (memory, storage) or 500m, 2 (CPU)")
    return None


QUANTITY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60, "n": Decimal("1e-9"),
                     "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1, "k": 10**3, "M": 10**6, "G": 10**9,
                     "T": 10**12, "P": 10**15, "E": 10**18}


def quantity_value(value: str) -> Decimal:
    """A Kubernetes quantity (already checked with QUANTITY) as a number, to compare a request with its limit."""
    number, suffix = re.fullmatch(r"[+]?([\d.]+(?:[eE][+-]?\d+)?)([A-Za-z]*)", value).groups()
    return Decimal(number) * Decimal(QUANTITY_SUFFIXES[suffix])


def check_positive_quantity(value: str) -> Optional[str]:
    problem = check_quantity(value)
    if problem is None and float(re.match(r"[+]?[\d.]+", value).group(0) or 0) <= 0:
        return "must be a positive quantity such as 10Gi"
    return problem


def check_url(value: str) -> Optional[str]:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL; use e.g. https://litellm.apps.example.com or http://127.0.0.1:4000"
    return None


def check_litellm_duration(value: str) -> Optional[str]:
    try:
        parse_litellm_duration(value)
    except ValueError:
        return "is not a duration LiteLLM accepts; use a whole number followed by s, m, h, d, w or mo (e.g. 30d, 1mo)"
    return None


def check_simple_duration(value: str) -> Optional[str]:
    if not SIMPLE_DURATION.match(value) or int(value[:-1]) == 0:
        return "is not a duration; use a positive whole number followed by s, m or h (e.g. 60s, 10m)"
    return None


def seconds(value: str) -> float:
    return float(int(value[:-1]) * SECONDS_PER_UNIT[value[-1]])


def read_resources(parent: Reader, key: str, default: ResourcesConfig) -> ResourcesConfig:
    section = parent.child(key, ["requests", "limits"])
    result = {}
    given: dict[str, Reader] = {}
    for kind in ("requests", "limits"):
        values = section.child(kind, ["cpu", "memory", "ephemeral-storage"])
        merged = dict(getattr(default, kind))
        for name in ("cpu", "memory", "ephemeral-storage"):
            quantity = values.string(name, check=check_quantity)
            if quantity is not None:
                merged[name] = quantity
                given.setdefault(name, values)  # the requests' reader when both are set
        result[kind] = merged
    for name, request in result["requests"].items():
        limit = result["limits"].get(name)
        if limit is not None and name in given and quantity_value(request) > quantity_value(limit):
            given[name].fail_key(name, f"request {request} is above the limit {limit}, which Kubernetes refuses; "
                                 f"lower {section.key_path('requests.' + name)} or raise "
                                 f"{section.key_path('limits.' + name)}")
    return ResourcesConfig(requests=result["requests"], limits=result["limits"])


def secret_string(section: Reader, key: str, stored_as_secret: bool, min_length: int = 0) -> Optional[pulumi.Output[str]]:
    """An optional credential inside an object; refused when the object is not stored encrypted."""
    value = section.string(key, secret=True, check=lambda v: None if len(v) >= min_length else
                           f"is shorter than {min_length} characters")
    if value is None:
        return None
    if not stored_as_secret:
        section.fail_key(key, f"is stored in plain text; set it with "
                         f"`pulumi config set --secret --path {section.key_path(key)} …`")
    return pulumi.Output.secret(value)


def check_image(example: str) -> Callable[[str], Optional[str]]:
    """A pinned container image: a tag other than `latest`, or a digest."""
    def check(value: str) -> Optional[str]:
        name = value.rsplit("/", 1)[-1]
        if not value.strip() or any(c.isspace() for c in value):
            return f"is not an image reference; pin a version, e.g. {example}"
        if "@" in value:
            return None
        if ":" not in name:
            return f"has no tag (it would pull `latest`, a new version on any restart); pin a version, e.g. {example}"
        if name.rsplit(":", 1)[1] in ("", "latest"):
            return f"is not pinned (`latest` changes on any restart); pin a version, e.g. {example}"
        return None
    return check


def check_namespace(value: str) -> Optional[str]:
    if not DNS_LABEL.match(value):
        return "is not a namespace name; use lower-case letters, digits and '-' (at most 63 characters, e.g. ml-team)"
    return None


def check_object_name(value: str) -> Optional[str]:
    if not DNS_SUBDOMAIN.match(value):
        return "is not a Kubernetes object name; use lower-case letters, digits, '-' and '.' (e.g. litellm-tls)"
    return None


def list_items(top: Reader, key: str, known: Sequence[str]) -> list[Reader]:
    value = top.raw(key)
    if value is MISSING or value is None:
        return []
    if not isinstance(value, list):
        top.fail_key(key, f"must be a list, got {type_name(value)}")
        return []
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            top.fail_key(f"{key}[{index}]", f"must be an object, got {type_name(item)}")
            continue
        items.append(Reader(top.problems, f"{top.key_path(key)}[{index}]", item, known))  # nested lists too
    return items


def unique(reader: Reader, key: str, value: Optional[str], seen: dict[str, str], what: str) -> None:
    if value is None:
        return
    if value in seen:
        reader.fail_key(key, f"duplicate {what} {value!r} (already used by {seen[value]}); {what}s must be unique")
    else:
        seen[value] = reader.key_path(key)


def check_postgres_url(example_database: str) -> Callable[[str], Optional[str]]:
    def check(value: str) -> Optional[str]:
        if urlsplit(value).scheme in ("postgresql", "postgres") and urlsplit(value).hostname:
            return None
        return f"is not a PostgreSQL URL; use postgresql://user:password@host:5432/{example_database}"
    return check


def secret_url(section: Reader, key: str, stored_as_secret: bool, *, check: Callable[[str], Optional[str]],
               example: str) -> Optional[str]:
    """A URL that can carry a password: checked without echoing it, and refused when stored in plain text."""
    value = section.string(key, secret=True, check=check)
    if value is not None and not stored_as_secret:
        section.fail_key(key, "holds a password but is stored in plain text; set it with "
                         f"`pulumi config set --secret --path {section.key_path(key)} {example}`")
    return value
