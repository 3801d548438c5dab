"""What the rules see: resources, violations, the stack config that names a resource's key, and the rule
record with its settings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

PROJECT = "litemaas"
MANDATORY, ADVISORY = "mandatory", "advisory"

_DYNAMIC = "pulumi-python:dynamic/litellm:"
VIRTUAL_KEY, TEAM, USER, BUDGET = (_DYNAMIC + k for k in ("VirtualKey", "Team", "User", "Budget"))
MODEL, CREDENTIAL, GUARDRAIL, MCP_SERVER = (_DYNAMIC + k for k in ("Model", "Credential", "Guardrail", "McpServer"))
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
STATEFUL_SET = "kubernetes:apps/v1:StatefulSet"
CRON_JOB = "kubernetes:batch/v1:CronJob"
AUTOSCALER = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"

# What the program's components label their objects with (components/kube.py, litellm_gateway.py, postgres*.py).
NAME_LABEL = "app.kubernetes.io/name"
REDIS_CLIENT_LABEL = "litemaas.io/redis-client"
GATEWAY, POSTGRES, POSTGRES_BACKUP = "litellm", "postgres", "postgres-backup"

# The key the program makes for Prometheus: limited to /metrics (allowed_routes), so it calls no model.
NON_MODEL_ROUTES = frozenset({"/metrics", "/health", "/health/liveliness", "/health/readiness"})
# A key's `models` entry that LiteLLM reads as "every model".
ALL_MODELS = frozenset({"all-proxy-models", "*"})
CREDENTIAL_NAME = re.compile(r"(api[_-]?key|token|secret|passw(or)?d|authori[sz]ation|credential|access[_-]?key|"
                             r"private[_-]?key|bearer)", re.IGNORECASE)
ENV_REFERENCE = "os.environ/"


class _Unknown:
    """A value the engine does not know yet (preview); rules treat it as "set, value unknown"."""

    def __repr__(self) -> str:
        return "<unknown>"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    dependencies: tuple[str, ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        value = self.props.get(name, default)
        return default if value is None else value


@dataclass(frozen=True)
class Violation:
    message: str
    urn: str = ""


@dataclass(frozen=True)
class StackPaths:
    """`litemaas:<section>[i]` for the items of the stack config's lists, by the field that names each item."""

    config: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> "StackPaths":
        """From the engine's config map (`litemaas:keys` -> JSON text) or already decoded values."""
        decoded = {}
        prefix = f"{PROJECT}:"
        for key, value in values.items():
            if not key.startswith(prefix):
                continue
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            decoded[key[len(prefix):]] = value
        return cls(decoded)

    def value(self, key: str) -> Any:
        return self.config.get(key)

    def item(self, section: str, id_field: str, identity: Any) -> tuple[Optional[int], Optional[Mapping]]:
        items = self.config.get(section)
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict) and item.get(id_field) == identity:
                    return index, item
        return None, None

    def path(self, section: str, id_field: str, identity: Any, key: str = "") -> str:
        """`litemaas:keys[3].maxBudget`; from the `keysFrom` file: `litemaas:keysFrom keys.csv (alice): maxBudget`."""
        index, _ = self.item(section, id_field, identity)
        suffix = f".{key}" if key else ""
        if index is not None:
            return f"{PROJECT}:{section}[{index}]{suffix}"
        keys_from = self.config.get("keysFrom")
        if section == "keys" and isinstance(keys_from, str) and keys_from:
            return f"{PROJECT}:keysFrom {keys_from} ({identity})" + (f": {key}" if key else "")
        return f"{PROJECT}:{section}[{id_field}={identity}]{suffix}"

    def key(self, alias: Any, key: str = "") -> str:
        return self.path("keys", "alias", alias, key)


# What identifies each kind's config item, and where it lives: (section, config id field, resource input).
SECTIONS = {
    VIRTUAL_KEY: ("keys", "alias", "key_alias", "key"),
    TEAM: ("teams", "alias", "team_alias", "team"),
    USER: ("users", "id", "user_id", "user"),
    BUDGET: ("budgets", "name", "budget_id", "budget tier"),
    MODEL: ("models", "name", "model_name", "model"),
    CREDENTIAL: ("credentials", "name", "credential_name", "credential"),
    GUARDRAIL: ("guardrails", "name", "guardrail_name", "guardrail"),
    MCP_SERVER: ("mcpServers", "name", "server_name", "MCP server"),
}


def describe(resource: Resource) -> str:
    """`key 'alice'`: the kind and the name the admin gave it in the stack config."""
    _, _, id_input, noun = SECTIONS[resource.type]
    return f"{noun} {resource.get(id_input)!r}"


def config_path(resource: Resource, paths: StackPaths, key: str = "") -> str:
    section, id_field, id_input, _ = SECTIONS[resource.type]
    return paths.path(section, id_field, resource.get(id_input), key)


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    enforcement: str
    check: Callable[..., Iterable[Violation]]
    stack: bool = False  # a stack rule: check(resources, settings, paths); else check(resource, settings, paths)
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # JSON-schema properties with defaults

    def defaults(self) -> dict[str, Any]:
        return {name: spec["default"] for name, spec in self.settings.items() if "default" in spec}

    def run(self, subject: Any, config: Optional[Mapping[str, Any]], paths: StackPaths) -> list[Violation]:
        """The rule with the pack's config over the defaults (the engine fills defaults too; tests do not)."""
        return list(self.check(subject, {**self.defaults(), **(config or {})}, paths))


def number(value: Any) -> Optional[float]:
    """A numeric input as a float; None for anything else (text, a bool, a value unknown at preview)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def is_set(value: Any) -> bool:
    """Given a value, or one unknown at preview."""
    return value is UNKNOWN or value not in (None, "", [], {})


DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w|mo)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000}


def duration_seconds(text: str) -> int:
    match = DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90d, 12h or 30m")
    return int(match.group(1)) * _SECONDS[match.group(2)]
