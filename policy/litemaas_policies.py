"""The LiteMaaS policies as plain functions over resources, so they are testable without the engine.

`__main__.py` wraps each `Rule` in a pulumi-policy Resource/StackValidationPolicy. A resource rule sees one
resource's inputs (after the provider's check, write-only inputs included); a stack rule sees every resource's
outputs (at preview: the planned values) and the dependencies between them, which is how a key finds its team.

Messages name the stack config key (`litemaas:keys[3].maxBudget`) and the fix, like the program's own errors.
`StackPaths` maps a resource back to that key through the stack config the engine hands every policy pack
(PULUMI_CONFIG). Secret values never appear in a message.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence
from urllib.parse import parse_qsl, urlsplit

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


# --- the stack config, to name the key behind a resource ---------------------------------------------------------

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


# --- settings: a policy's pack config over its defaults ------------------------------------------------------------

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


def _number(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _set(value: Any) -> bool:
    return value is UNKNOWN or value not in (None, "", [], {})


DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d|w|mo)\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 2592000}


def duration_seconds(text: str) -> int:
    match = DURATION.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 90d, 12h or 30m")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def _exempt(key: Resource, settings: Mapping[str, Any]) -> bool:
    metadata = key.get("metadata", {})
    flag = metadata.get(settings.get("exemptMetadataKey", "policyExempt")) if isinstance(metadata, dict) else None
    return flag not in (None, False, "", "false", "False")


def _serves_models(key: Resource) -> bool:
    """False for a key limited to non-model routes (the program's /metrics scrape key)."""
    routes = key.get("allowed_routes", [])
    return not (isinstance(routes, list) and routes and all(r in NON_MODEL_ROUTES for r in routes))


def _depended_on(resource: Resource, by_urn: Mapping[str, Resource], kind: str) -> list[Resource]:
    return [by_urn[u] for u in resource.dependencies if u in by_urn and by_urn[u].type == kind]


EXEMPT_SETTING = {"exemptMetadataKey": {
    "type": "string", "default": "policyExempt",
    "description": "A key whose metadata has this entry (a reason, or true) is exempt from the rule."}}


def _exempt_hint(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> str:
    return (f"or, for a key that must have none, record why in "
            f"{paths.key(key.get('key_alias'), 'metadata.' + settings['exemptMetadataKey'])}")


# --- keys ----------------------------------------------------------------------------------------------------------

def key_spending_limit(resources: Sequence[Resource], settings: Mapping[str, Any],
                       paths: StackPaths) -> Iterable[Violation]:
    """Every key stops spending somewhere: its own maxBudget, its budget tier's, or its team's."""
    by_urn = {r.urn: r for r in resources}
    for key in resources:
        if key.type != VIRTUAL_KEY or not _serves_models(key) or _exempt(key, settings):
            continue
        if _set(key.get("max_budget")):
            continue
        limits = [*_depended_on(key, by_urn, BUDGET), *_depended_on(key, by_urn, TEAM)]
        if any(_set(owner.get("max_budget")) for owner in limits):
            continue
        alias = key.get("key_alias")
        yield Violation(
            f"{describe(key)} has no spending limit: no maxBudget of its own, of a budget tier or of its team, so "
            f"its spend is never stopped. Set {paths.key(alias, 'maxBudget')} (e.g. 25 with budgetDuration 30d), "
            f"name a budgets[] tier with a maxBudget in {paths.key(alias, 'budget')}, or put it in a team with "
            f"teams[].maxBudget; {_exempt_hint(key, settings, paths)}", key.urn)


def key_expiry(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """Every key expires (`duration`), so a forgotten key stops working on its own."""
    if key.type != VIRTUAL_KEY or not _serves_models(key) or _exempt(key, settings) or _set(key.get("duration")):
        return
    yield Violation(
        f"{describe(key)} never expires: set {paths.key(key.get('key_alias'), 'duration')} (e.g. 90d; `renew: true` "
        f"extends it later); {_exempt_hint(key, settings, paths)}", key.urn)


def key_model_scope(resources: Sequence[Resource], settings: Mapping[str, Any],
                    paths: StackPaths) -> Iterable[Violation]:
    """No key may call every model: an empty model list means all models, unless the key's team limits them."""
    by_urn = {r.urn: r for r in resources}
    for key in resources:
        if key.type != VIRTUAL_KEY or not _serves_models(key):
            continue
        alias, models = key.get("key_alias"), key.get("models", [])
        path = paths.key(alias, "models")
        if isinstance(models, list) and ALL_MODELS & set(m for m in models if isinstance(m, str)):
            yield Violation(f"{describe(key)} lists {sorted(ALL_MODELS & set(models))[0]!r}, which lets it call "
                            f"every model of the gateway: list the models it needs in {path}", key.urn)
            continue
        if _set(models):
            continue
        teams = _depended_on(key, by_urn, TEAM)
        if any(_set(team.get("models")) for team in teams):
            continue  # LiteLLM limits a key without models to its team's
        where = (f"and its team {teams[0].get('team_alias')!r} lists no models either "
                 f"({config_path(teams[0], paths, 'models')})" if teams else "and it has no team that limits them")
        yield Violation(f"{describe(key)} may call every model: its model list is empty (LiteLLM reads that as "
                        f"all models) {where}. List the models it needs in {path}", key.urn)


def key_rotation_age(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """A key's current value older than `maxAge` is due for rotation."""
    if key.type != VIRTUAL_KEY or not _serves_models(key):
        return
    issued = key.get("issued_at")
    if not isinstance(issued, str):
        return  # a new key, one being rotated in this update (known only at `up`), or an adopted key
    try:
        when = datetime.fromisoformat(issued.replace("Z", "+00:00"))
    except ValueError:
        return
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = settings.get("now") or datetime.now(timezone.utc)  # `now`: for tests
    limit = duration_seconds(settings["maxAge"])
    age = (now - when).total_seconds()
    if age <= limit:
        return
    alias = key.get("key_alias")
    yield Violation(
        f"{describe(key)} has used the same value since {when:%Y-%m-%d} ({age / 86400:.0f} days; the pack allows "
        f"{settings['maxAge']}): bump {paths.key(alias, 'rotation')} to issue a new one (the old one keeps working "
        f"for rotationGracePeriod), or set {paths.key(alias, 'rotateEvery')} to rotate it on schedule", key.urn)


# --- limits under the organisation's ceilings ---------------------------------------------------------------------

# kind -> (budget ceiling setting, whether it has rpm/tpm limits)
_CEILINGS = {VIRTUAL_KEY: "maxKeyBudget", BUDGET: "maxKeyBudget", USER: "maxUserBudget", TEAM: "maxTeamBudget"}
_LIMIT_FIELDS = (("max_budget", "maxBudget", None), ("rpm_limit", "rpmLimit", "maxRpmLimit"),
                 ("tpm_limit", "tpmLimit", "maxTpmLimit"))


def limit_ceilings(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """Budgets, rpm and tpm limits of keys (and their budget tiers), users and teams under the pack's ceilings."""
    if resource.type not in _CEILINGS:
        return
    for input_name, config_key, setting in _LIMIT_FIELDS:
        setting = setting or _CEILINGS[resource.type]
        value, ceiling = _number(resource.get(input_name)), _number(settings.get(setting))
        if value is None or ceiling is None or value <= ceiling:
            continue
        yield Violation(
            f"{describe(resource)}: {config_key} {value:g} is above the organisation's ceiling {ceiling:g}: lower "
            f"{config_path(resource, paths, config_key)} to {ceiling:g} or less, or raise `{setting}` of this "
            f"policy in the policy pack's config", resource.urn)


# --- models and their endpoints ------------------------------------------------------------------------------------

PAID_PROVIDERS = ["openai", "azure", "azure_ai", "anthropic", "bedrock", "vertex_ai", "gemini", "deepseek", "mistral",
                  "cohere", "groq", "together_ai", "fireworks_ai", "xai", "perplexity", "openrouter", "deepinfra",
                  "replicate", "ai21", "databricks", "sagemaker", "watsonx", "cerebras", "text-completion-openai"]
OPENAI_API_HOST = "api.openai.com"


def _provider(model: Any) -> str:
    return model.split("/", 1)[0] if isinstance(model, str) and "/" in model else ""


def model_costs(model: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """A paid provider's model declares what a token costs, or its spend goes untracked and budgets never trip."""
    if model.type != MODEL:
        return
    provider = _provider(model.get("model"))
    api_base = model.get("api_base")
    if provider not in settings["paidProviders"]:
        return
    # `openai/…` with another api_base is an OpenAI-compatible server (vLLM, OpenShift AI), not OpenAI's.
    if provider == "openai" and isinstance(api_base, str) and urlsplit(api_base).hostname != OPENAI_API_HOST:
        return
    extra = model.get("extra_params", {})
    per_second = isinstance(extra, dict) and all(_set(extra.get(k)) for k in
                                                 ("input_cost_per_second", "output_cost_per_second"))
    missing = [config for name, config in (("input_cost_per_token", "inputCostPerToken"),
                                           ("output_cost_per_token", "outputCostPerToken"))
               if not _set(model.get(name))]
    if not missing or per_second:
        return
    yield Violation(
        f"{describe(model)} ({model.get('model')}) is served by the paid provider {provider!r} but declares no "
        f"{' or '.join(missing)}, so its spend is not counted and no budget ever trips: set "
        f"{' and '.join(config_path(model, paths, k) for k in missing)} (USD per token, from the provider's "
        f"price list)", model.urn)


def _internal_host(host: str, settings: Mapping[str, Any]) -> bool:
    if host == "localhost" or "." not in host and ":" not in host:
        return True  # a Service of the gateway's own namespace, or the pod itself
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return any(host.endswith(suffix) for suffix in settings["internalHostSuffixes"])


def _endpoints(resource: Resource, paths: StackPaths) -> list[tuple[str, Any]]:
    """(config key path, URL) of each endpoint a resource sends prompts or credentials to."""
    if resource.type == MODEL:
        _, item = paths.item("models", "name", resource.get("model_name"))
        key = "inferenceService" if item is not None and "apiBase" not in item and "inferenceService" in item \
            else "apiBase"
        return [(config_path(resource, paths, key), resource.get("api_base"))]
    if resource.type == CREDENTIAL:
        values = resource.get("credential_values", {})
        return [(config_path(resource, paths, "values.api_base"), values.get("api_base"))] \
            if isinstance(values, dict) else []
    if resource.type == GUARDRAIL:
        return [(config_path(resource, paths, "apiBase"), resource.get("api_base"))]
    if resource.type == MCP_SERVER:
        return [(config_path(resource, paths, "url"), resource.get("url"))]
    return []


def plain_http(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """No prompt or provider key leaves the cluster over plain HTTP."""
    for path, url in _endpoints(resource, paths):
        if not isinstance(url, str) or not url.lower().startswith("http://"):
            continue
        host = (urlsplit(url).hostname or "").lower()
        if _internal_host(host, settings):
            continue
        yield Violation(
            f"{describe(resource)} sends prompts and its provider key to {host} over plain HTTP, outside the "
            f"cluster: use https:// in {path}, or an in-cluster Service address (*.svc) if the server runs in the "
            f"cluster", resource.urn)


def _set_secret(resource: Resource, paths: StackPaths, key: str) -> str:
    """The command that stores `key` of the resource's config item encrypted."""
    return f"`pulumi config set --secret --path '{config_path(resource, paths, key)[len(PROJECT) + 1:]}' …`"


def plain_credentials(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """No guardrail or MCP server credential in an input stored in plain text (the state and the preview show it)."""
    if resource.type == GUARDRAIL:
        params = resource.get("params", {})
        for name, value in sorted(params.items()) if isinstance(params, dict) else ():
            if CREDENTIAL_NAME.search(str(name)) and isinstance(value, str) and value \
                    and not value.startswith(ENV_REFERENCE):
                yield Violation(
                    f"{describe(resource)} has a credential in plain text in "
                    f"{config_path(resource, paths, 'params.' + name)} (params are stored and shown unencrypted): "
                    f"move it to {_set_secret(resource, paths, 'apiKey')} if it is the provider's key, or to an "
                    f"environment variable of the gateway (litellm.extraEnv from a Secret) named as "
                    f"`{ENV_REFERENCE}<VAR>`", resource.urn)
    for path, url in _endpoints(resource, paths) if resource.type in (GUARDRAIL, MCP_SERVER) else ():
        if not isinstance(url, str):
            continue
        parts = urlsplit(url)
        secret_query = [k for k, _ in parse_qsl(parts.query) if CREDENTIAL_NAME.search(k)]
        if parts.password or secret_query:
            where = "a password in the URL" if parts.password else f"the query parameter {secret_query[0]!r}"
            fix = (f"use authType (e.g. bearer_token) and set authValue with "
                   f"{_set_secret(resource, paths, 'authValue')}"
                   if resource.type == MCP_SERVER else "use apiKey (a secret) instead")
            yield Violation(f"{describe(resource)} carries a credential in plain text in {path} ({where}): "
                            f"drop it from the URL and {fix}", resource.urn)


# --- production rules over the Kubernetes objects ------------------------------------------------------------------

def _is(resource: Resource, kind: str, component: Optional[str] = None) -> bool:
    """An object of `kind` labelled as the program labels `component`'s objects (any component when None)."""
    if resource.type != kind:
        return False
    labels = (resource.get("metadata", {}) or {}).get("labels") or {}
    return component is None or isinstance(labels, dict) and labels.get(NAME_LABEL) == component


def _named(resources: Sequence[Resource], kind: str, component: str) -> list[Resource]:
    return [r for r in resources if _is(r, kind, component)]


def _without(resources: Sequence[Resource], kind: str, component: str, companion: tuple[str, Optional[str]]
             ) -> list[Resource]:
    """The `component` objects of a stack that has no `companion` (kind, component) object."""
    return [] if any(_is(r, *companion) for r in resources) else _named(resources, kind, component)


def gateway_replicas_need_redis(resources: Sequence[Resource], settings: Mapping[str, Any],
                                paths: StackPaths) -> Iterable[Violation]:
    """Several gateway pods share rate limits, budgets and revocations only through Redis."""
    for deployment in _named(resources, DEPLOYMENT, GATEWAY):
        spec = deployment.get("spec", {}) or {}
        replicas = _number(spec.get("replicas"))
        autoscalers = [a for a in _named(resources, AUTOSCALER, GATEWAY)
                       if (_number((a.get("spec", {}) or {}).get("maxReplicas")) or 0) > 1]
        if (replicas or 0) <= 1 and not autoscalers:
            continue
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if isinstance(template_labels, dict) and template_labels.get(REDIS_CLIENT_LABEL) == "true":
            continue
        if autoscalers:
            pods = f"up to {_number(autoscalers[0].get('spec', {}).get('maxReplicas')):g}"
            single = f"{PROJECT}:litellm.replicas 1 instead of {PROJECT}:litellm.autoscaling"
        else:
            pods, single = f"{replicas:g}", f"{PROJECT}:litellm.replicas 1"
        yield Violation(
            f"the gateway runs {pods} pods without Redis, so each pod keeps its own rate limits, spend counters and "
            f"revoked keys: set {PROJECT}:redis.enabled true (a bundled Redis) or {PROJECT}:redis.url, or run one "
            f"pod ({single})", deployment.urn)


def database_backups(resources: Sequence[Resource], settings: Mapping[str, Any],
                     paths: StackPaths) -> Iterable[Violation]:
    """The bundled PostgreSQL (keys, spend, teams) has a scheduled backup."""
    for database in _without(resources, STATEFUL_SET, POSTGRES, (CRON_JOB, POSTGRES_BACKUP)):
        yield Violation(
            f"the bundled PostgreSQL holds every key, team and spend record but has no backup: set "
            f"{PROJECT}:postgres.backup (e.g. {{schedule: \"15 2 * * *\", retain: 7, storageSize: 20Gi}}; README, "
            f"\"Backups and restore\"), or use postgres.mode cloudnativepg or postgres.externalDatabaseUrl with "
            f"their own backups", database.urn)


def monitoring_enabled(resources: Sequence[Resource], settings: Mapping[str, Any],
                       paths: StackPaths) -> Iterable[Violation]:
    """The gateway's metrics (spend, budgets, errors) are scraped."""
    for deployment in _without(resources, DEPLOYMENT, GATEWAY, (SERVICE_MONITOR, None)):
        yield Violation(
            f"the gateway is not monitored (no ServiceMonitor): set {PROJECT}:monitoring.enabled true for LiteLLM's "
            f"Prometheus metrics of spend, budgets and errors (OpenShift user-workload monitoring scrapes them)",
            deployment.urn)


def _number_setting(default: float, description: str) -> dict[str, Any]:
    return {"type": "number", "default": default, "description": description}


CEILING_SETTINGS = {
    "maxKeyBudget": _number_setting(1000, "Highest maxBudget (USD) of a key or a budget tier."),
    "maxUserBudget": _number_setting(1000, "Highest maxBudget (USD) of a user."),
    "maxTeamBudget": _number_setting(10000, "Highest maxBudget (USD) of a team."),
    "maxRpmLimit": _number_setting(10000, "Highest rpmLimit of a key, budget tier or team."),
    "maxTpmLimit": _number_setting(10000000, "Highest tpmLimit of a key, budget tier or team."),
}

RULES: tuple[Rule, ...] = (
    Rule("litemaas-key-spending-limit", "Every key has a spending limit: its own maxBudget, a budget tier's or its "
         "team's.", MANDATORY, key_spending_limit, stack=True, settings=EXEMPT_SETTING),
    Rule("litemaas-key-expiry", "Every key expires (duration).", MANDATORY, key_expiry, settings=EXEMPT_SETTING),
    Rule("litemaas-key-model-scope", "No key may call every model.", MANDATORY, key_model_scope, stack=True),
    Rule("litemaas-limit-ceilings", "Budgets, rpm and tpm limits of keys, budget tiers, users and teams stay under the "
         "organisation's ceilings.", MANDATORY, limit_ceilings, settings=CEILING_SETTINGS),
    Rule("litemaas-model-costs", "Every model of a paid provider declares its token costs.", MANDATORY, model_costs,
         settings={"paidProviders": {"type": "array", "items": {"type": "string"}, "default": PAID_PROVIDERS,
                                     "description": "LiteLLM provider prefixes (deepseek/…) that bill per token."}}),
    Rule("litemaas-no-plain-http", "No model, credential, guardrail or MCP server endpoint over plain HTTP outside "
         "the cluster.", MANDATORY, plain_http,
         settings={"internalHostSuffixes": {"type": "array", "items": {"type": "string"},
                                            "default": [".svc", ".svc.cluster.local", ".cluster.local"],
                                            "description": "Host names ending so are in-cluster addresses."}}),
    Rule("litemaas-no-plain-credentials", "No guardrail or MCP server credential in plain inputs.", MANDATORY,
         plain_credentials),
    Rule("litemaas-key-rotation-age", "Keys whose value is older than maxAge are due for rotation.", ADVISORY,
         key_rotation_age, settings={"maxAge": {"type": "string", "default": "90d", "pattern": DURATION.pattern,
                                                "description": "Oldest acceptable key value (s, m, h, d, w, mo)."}}),
    Rule("litemaas-gateway-replicas-need-redis", "More than one gateway pod only with Redis.", ADVISORY,
         gateway_replicas_need_redis, stack=True),
    Rule("litemaas-database-backups", "The bundled PostgreSQL has scheduled backups.", ADVISORY, database_backups,
         stack=True),
    Rule("litemaas-monitoring", "The gateway's metrics are scraped (monitoring.enabled).", ADVISORY,
         monitoring_enabled, stack=True),
)
