"""`models[]` and `teams[]`: the LiteLLM objects the stack manages (`keys[]`: config/keys.py, re-exported here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi

from config.team_members import MemberConfig, parse_members
from config.keys import DELIVERY_KEYS, KEY_KEYS, DeliveryConfig, KeyConfig, parse_keys  # noqa: F401  (re-exported)
from config.users import UserConfig
from config.reader import DNS_LABEL, MISSING, Reader, check_litellm_duration, check_namespace, check_object_name, check_url, list_items, \
    unique
from config.references import check_models_declared, check_previous_aliases


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
class TeamConfig:
    """A LiteLLM team (`teams[]`)."""

    alias: str
    models: tuple[str, ...] = ()
    max_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blocked: bool = False
    id: Optional[str] = None
    members: tuple["MemberConfig", ...] = ()  # teams[].members[]: one litellm:TeamMember each
    # Enterprise-only on teams in 1.108.7; names checked against tags[] / guardrails[] (config/tag.py).
    tags: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()
    previous_alias: Optional[str] = None  # the alias before a rename: the same LiteLLM team, updated in place


MODEL_KEYS = ["name", "model", "apiBase", "apiKey", "apiVersion", "rpm", "tpm", "timeout", "maxRetries",
               "inputCostPerToken", "outputCostPerToken", "modelInfo", "extraParams", "id", "inferenceService",
               # fallbacks: read by config.fallbacks
               "fallbacks", "contextWindowFallbacks", "contentPolicyFallbacks", "credential"]


INFERENCE_SERVICE_KEYS = ["name", "namespace", "tokenSecret", "token"]


TOKEN_SECRET_KEYS = ["name", "key"]


TEAM_KEYS = ["alias", "models", "maxBudget", "budgetDuration", "tpmLimit", "rpmLimit", "metadata", "blocked", "id",
             "accessGroups", "members", "tags", "guardrails", "previousAlias"]  # accessGroups: config.access_groups



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


def parse_teams(top: Reader, declared_models: set[str], users: Optional[Mapping[str, "UserConfig"]] = None,
                enterprise: bool = False) -> tuple[TeamConfig, ...]:
    teams = []
    aliases: dict[str, str] = {}
    ids: dict[str, str] = {}
    items = list_items(top, "teams", TEAM_KEYS)
    for item in items:
        alias = item.string("alias", required=True)
        unique(item, "alias", alias, aliases, "team alias")
        team_id = item.string("id")
        unique(item, "id", team_id, ids, "team id")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        teams.append(TeamConfig(
            alias=alias or "", models=models, max_budget=item.number("maxBudget"),
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            metadata=item.mapping("metadata"), blocked=item.boolean("blocked", False), id=team_id,
            members=parse_members(item, users or {}, enterprise),
            tags=item.string_list("tags"), guardrails=item.string_list("guardrails"),
            previous_alias=item.string("previousAlias"),
        ))
    check_previous_aliases(items, teams, "team")
    return tuple(teams)
