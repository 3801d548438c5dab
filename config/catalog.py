"""`models[]`, `teams[]`, `keys[]`: the LiteLLM objects the stack manages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping, Optional, Sequence

import pulumi

from config.teams import TEAM_KEYS, TeamConfig, check_previous_aliases, parse_teams  # noqa: F401  (re-exported)
from config.users import UserConfig, check_key_user
from config.reader import DNS_LABEL, MISSING, Reader, check_litellm_duration, check_namespace, check_object_name, check_url, list_items, \
    unique
from config.references import check_models_declared


# Pricing keys LiteLLM drops from model_info; they belong in litellm_params.
MODEL_PRICING_KEYS = frozenset(
    {"input_cost_per_token", "output_cost_per_token", "input_cost_per_second", "output_cost_per_second"}
)


@dataclass(frozen=True)
class InferenceServiceRef:
    """A KServe InferenceService whose predictor serves the model (`models[].inferenceService`)."""

    name: str
    namespace: str
    key_path: str  # e.g. models[0].inferenceService, for error messages
    token_secret_name: Optional[str] = None  # a Secret in `namespace` holding the bearer token
    token_secret_key: str = "token"
    token: Optional[pulumi.Output[str]] = None  # secret

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class ModelConfig:
    """One model deployment served by the gateway (`models[]`). Treat the mappings as read-only.

    With `inference_service`, `api_base` (and `model`, when empty) come from the InferenceService at preview/up.
    """

    name: str
    model: str
    api_base: Optional[str] = None
    api_key: Optional[pulumi.Output[str]] = None  # always a secret Output when set
    api_version: Optional[str] = None
    rpm: Optional[int] = None
    tpm: Optional[int] = None
    timeout: Optional[float] = None
    max_retries: Optional[int] = None
    input_cost_per_token: Optional[float] = None
    output_cost_per_token: Optional[float] = None
    model_info: Mapping[str, Any] = field(default_factory=dict)
    extra_params: Mapping[str, Any] = field(default_factory=dict)
    id: Optional[str] = None
    inference_service: Optional[InferenceServiceRef] = None
    credential: Optional[str] = None  # a `credentials[]` name, instead of api_key


@dataclass(frozen=True)
class KeyConfig:
    """A virtual key handed to a user (`keys[]`); `team` is a TeamConfig alias."""

    alias: str
    models: tuple[str, ...] = ()
    team: Optional[str] = None
    user_id: Optional[str] = None
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    max_parallel_requests: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blocked: bool = False
    rotation: Optional[str] = None  # a counter or label: changing it issues a new value
    rotate_every: Optional[str] = None
    rotation_grace_period: Optional[str] = None  # None: 24h (the provider's default)
    renew: bool = False
    adopt: bool = False
    token_hash: Optional[str] = None
    deliver_to: Optional["DeliveryConfig"] = None
    user: Optional[str] = None  # a users[] id: the key is that User's (user_id) and depends on it
    budget: Optional[str] = None  # a `budgets[]` name
    # Enterprise-only on keys in 1.108.7; names checked against tags[] / guardrails[] (config/tag.py).
    tags: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()
    mcp_servers: tuple[str, ...] = ()  # names of the stack's mcpServers[] the key may use
    previous_alias: Optional[str] = None  # the alias before a rename: the same key (and value), updated in place


@dataclass(frozen=True)
class DeliveryConfig:
    """`keys[].deliverTo`: a Secret with the key in the user's namespace (e.g. an OpenShift AI project)."""

    namespace: str
    secret_name: str


MODEL_KEYS = ["name", "model", "apiBase", "apiKey", "apiVersion", "rpm", "tpm", "timeout", "maxRetries",
               "inputCostPerToken", "outputCostPerToken", "modelInfo", "extraParams", "id", "inferenceService",
               # fallbacks: read by config.fallbacks
               "fallbacks", "contextWindowFallbacks", "contentPolicyFallbacks", "credential"]


INFERENCE_SERVICE_KEYS = ["name", "namespace", "tokenSecret", "token"]


TOKEN_SECRET_KEYS = ["name", "key"]


KEY_KEYS = ["alias", "models", "team", "userId", "maxBudget", "softBudget", "budgetDuration", "duration",
             "tpmLimit", "rpmLimit", "maxParallelRequests", "metadata", "blocked", "rotation", "rotateEvery",
             "rotationGracePeriod", "renew", "adopt", "tokenHash", "deliverTo", "mcpServers",
             "accessGroups", "user", "budget", "tags", "guardrails", "previousAlias"]  # accessGroups: config.access_groups
DELIVERY_KEYS = ["namespace", "secretName"]
TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")


def parse_models(top: Reader, stored_as_secret: bool) -> tuple[ModelConfig, ...]:
    models = []
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    for item in list_items(top, "models", MODEL_KEYS):
        name = item.string("name", required=True)
        unique(item, "name", name, names, "model name")
        model_id = item.string("id")
        unique(item, "id", model_id, ids, "model id")
        inference_service = parse_inference_service(item, stored_as_secret)
        model = item.string("model", required=inference_service is None,
                            check=lambda v: None if "/" in v.strip("/") else
                            "is not a LiteLLM model; use provider/model, e.g. openai/granite-8b-instruct")
        api_key = item.string("apiKey", secret=True)
        if inference_service is not None:
            for key in ("apiBase", "apiKey"):
                if item.raw(key) is not MISSING:
                    item.fail_key(key, "conflicts with inferenceService, which supplies the model server's URL and "
                                  "token; remove one of them (`pulumi config rm --path "
                                  f"'{item.key_path(key)}'`)")
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", f"is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        model_info = item.mapping("modelInfo")
        for pricing in sorted(MODEL_PRICING_KEYS & set(model_info)):
            item.fail_key(f"modelInfo.{pricing}", "is dropped by LiteLLM inside model_info; use "
                          "inputCostPerToken / outputCostPerToken (or extraParams) instead")
        extra_params = item.mapping("extraParams")
        for reserved in sorted({"model", "api_key", "api_base", "api_version"} & set(extra_params)):
            item.fail_key(f"extraParams.{reserved}", "duplicates a first-class field; use the model's own key instead")
        models.append(ModelConfig(
            name=name or "", model=model or "",
            api_base=item.string("apiBase", check=check_url),
            api_key=pulumi.Output.secret(api_key) if api_key is not None else None,
            api_version=item.string("apiVersion"),
            rpm=item.integer("rpm"), tpm=item.integer("tpm"),
            timeout=item.number("timeout", positive=True), max_retries=item.integer("maxRetries"),
            input_cost_per_token=item.number("inputCostPerToken"),
            output_cost_per_token=item.number("outputCostPerToken"),
            model_info=model_info, extra_params=extra_params, id=model_id, inference_service=inference_service,
            credential=item.string("credential"),
        ))
    return tuple(models)


def parse_inference_service(item: Reader, stored_as_secret: bool) -> Optional[InferenceServiceRef]:
    """`models[N].inferenceService`: the InferenceService reference and where its bearer token comes from."""
    if item.raw("inferenceService") is MISSING or item.raw("inferenceService") is None:
        return None
    section = item.child("inferenceService", INFERENCE_SERVICE_KEYS)
    name = section.string("name", required=True, check=lambda v: None if DNS_LABEL.match(v) else
                          "is not an InferenceService name; use lower-case letters, digits and '-' (max 63)")
    namespace = section.string("namespace", required=True, check=check_namespace)
    token_secret = None
    if section.raw("tokenSecret") is not MISSING:
        token_secret = section.child("tokenSecret", TOKEN_SECRET_KEYS)
    token = section.string("token", secret=True)
    if token is not None and not stored_as_secret:
        section.fail_key("token", f"is stored in plain text; set it with "
                         f"`pulumi config set --secret --path '{section.key_path('token')}' …`")
    if token is not None and token_secret is not None:
        section.fail_key("token", "conflicts with tokenSecret; set one of them: the token itself (secret), or the "
                         "Secret in the InferenceService's namespace that holds it")
    secret_name = secret_key = None
    if token_secret is not None:
        secret_name = token_secret.string("name", required=True, check=check_object_name)
        secret_key = token_secret.string("key", "token", check=lambda v: None if re.fullmatch(r"[-._a-zA-Z0-9]+", v)
                                         else "is not a Secret key; use letters, digits, '-', '_' or '.'")
    if name is None or namespace is None:
        return None
    return InferenceServiceRef(name=name, namespace=namespace, key_path=section.path,
                               token_secret_name=secret_name, token_secret_key=secret_key or "token",
                               token=pulumi.Output.secret(token) if token is not None else None)


def check_grace_period(value: str) -> Optional[str]:
    return None if value.strip() == "0" else check_litellm_duration(value)


def rotation_label(item: Reader) -> Optional[str]:
    """`rotation` as a string: a counter (1, 2, ...) or a label (`2026-q3`, `leaked-2026-05-02`)."""
    value = item.raw("rotation")
    if value is None or value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value).strip() == "":
        item.fail_key("rotation", f"must be a counter or a label (e.g. 2 or 2026-q3), got {value!r}")
        return None
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def parse_delivery(item: Reader) -> Optional[DeliveryConfig]:
    if item.raw("deliverTo") in (MISSING, None):
        return None
    section = item.child("deliverTo", DELIVERY_KEYS)
    namespace = section.string("namespace", required=True, check=check_namespace)
    secret_name = section.string("secretName", required=True, check=check_object_name)
    if namespace is None or secret_name is None:
        return None
    return DeliveryConfig(namespace=namespace, secret_name=secret_name)



def parse_keys(top: Reader, declared_models: set[str], teams: Mapping[str, TeamConfig],
               users: Optional[Mapping[str, "UserConfig"]] = None, more: Sequence[Reader] = (),
               reserved: Mapping[str, str] = {}, mcp_servers: Collection[str] = ()) -> tuple[KeyConfig, ...]:
    """`keys[]`, then the entries in `more` (the `keysFrom` file), checked alike and unique across both;
    `reserved` maps an alias no entry may take to the reason."""
    keys = []
    aliases: dict[str, str] = {}
    hashes: dict[str, str] = {}
    secrets: dict[tuple[str, str], str] = {}
    items = [*list_items(top, "keys", KEY_KEYS), *more]
    for item in items:
        alias = item.string("alias", required=True)
        unique(item, "alias", alias, aliases, "key alias")
        if alias in reserved:
            item.fail_key("alias", f"{alias!r} {reserved[alias]}")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        team = item.string("team")
        if team is not None and team not in teams:
            item.fail_key("team", f"{team!r} is not a team of this stack; declared teams: "
                          f"{', '.join(sorted(teams)) or 'none'}")
        elif team is not None and teams[team].models:
            outside = [m for m in models if m not in teams[team].models]
            if outside:
                item.fail_key("models", f"{', '.join(outside)} not allowed for team {team!r} "
                              f"(team models: {', '.join(teams[team].models)}); add them to the team or drop them here")
        max_budget = item.number("maxBudget")
        soft_budget = item.number("softBudget")
        if max_budget is not None and soft_budget is not None and soft_budget > max_budget:
            item.fail_key("softBudget", f"{soft_budget:g} is greater than maxBudget {max_budget:g}; "
                          "the soft budget is the alert threshold below the hard limit")
        token_hash = item.string("tokenHash", check=lambda v: None if TOKEN_HASH.match(v) else
                                 "is not a key token; use the 64 hex digits `token` of /key/list?return_full_object=true")
        unique(item, "tokenHash", token_hash, hashes, "key tokenHash")
        adopt = item.boolean("adopt", False) or token_hash is not None
        rotation = rotation_label(item)
        delivery = parse_delivery(item)
        if delivery is not None:
            unique(item, "deliverTo.secretName", f"{delivery.namespace}/{delivery.secret_name}",  # type: ignore[arg-type]
                   secrets, "delivered Secret")
            if adopt and rotation is None:
                item.fail_key("deliverTo", "an adopted key has no value in the stack to deliver (the user holds "
                              "it); set keys[].rotation to issue one, or drop deliverTo")
        granted = item.string_list("mcpServers")
        unknown = [n for n in granted if n not in mcp_servers]
        if unknown:
            item.fail_key("mcpServers", f"names MCP server(s) the stack does not declare: {', '.join(unknown)}; "
                          f"declared mcpServers: {', '.join(sorted(mcp_servers)) or 'none'}")
        keys.append(KeyConfig(
            alias=alias or "", models=models, team=team, mcp_servers=granted, user_id=item.string(
                "userId", check=lambda v: None if v.strip() else "is empty; give the LiteLLM user id or remove it"),
            max_budget=max_budget, soft_budget=soft_budget,
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            duration=item.string("duration", check=check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            max_parallel_requests=item.integer("maxParallelRequests", minimum=1),
            metadata=item.mapping("metadata"), blocked=item.boolean("blocked", False),
            rotation=rotation, rotate_every=item.string("rotateEvery", check=check_litellm_duration),
            rotation_grace_period=item.string("rotationGracePeriod", check=lambda v: None if check_grace_period(v)
                                              is None else "is not a grace period; use a LiteLLM duration such "
                                              "as 24h or 2d, or 0 to revoke the old value at once"),
            renew=item.boolean("renew", False), adopt=adopt, token_hash=token_hash, deliver_to=delivery,
            user=check_key_user(item, users or {}),
            budget=item.string("budget"),
            tags=item.string_list("tags"), guardrails=item.string_list("guardrails"),
            previous_alias=item.string("previousAlias"),
        ))
    check_previous_aliases(items, keys, "key")
    return tuple(keys)
