"""`models[]`: the model deployments the gateway serves (fields: kinds/declarations.py).

Beside the declaration, the model's own rules: `inferenceService` (the model server found at preview, with its
token), no pricing keys inside `modelInfo`, no first-class keys inside `extraParams`, `credential` (checked against
`credentials[]` by config.credential) and the fallback keys (read by config.fallbacks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field as dataclass_field
from typing import Any, Optional

import pulumi

from config.fallbacks import FALLBACK_KEYS
from config.kind_reader import read_entries
from config.reader import DNS_LABEL, MISSING, Reader, check_namespace, check_object_name, check_url
from kinds.declarations import MODEL

# Pricing keys LiteLLM drops from model_info; they belong in litellm_params.
MODEL_PRICING_KEYS = frozenset(
    {"input_cost_per_token", "output_cost_per_token", "input_cost_per_second", "output_cost_per_second"}
)
# The litellm_params with a key of their own, which `extraParams` must not hold.
RESERVED_EXTRA_PARAMS = frozenset({"model", *(MODEL.field(name).api for name in ("api_key", "api_base", "api_version"))})
# Read here but not the declaration's: where the model server is, its credential, its fallbacks (config.fallbacks).
MODEL_EXTRA_KEYS = ["inferenceService", *FALLBACK_KEYS, "credential"]
MODEL_KEYS = [*MODEL.config_keys, *MODEL_EXTRA_KEYS]
INFERENCE_SERVICE_KEYS = ["name", "namespace", "tokenSecret", "token"]
TOKEN_SECRET_KEYS = ["name", "key"]


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


ModelConfig = MODEL.config_class(
    "ModelConfig", __name__, "One model deployment served by the gateway (`models[]`). Treat the mappings as "
    "read-only; `api_key` is a secret Output when set. With `inference_service`, `api_base` (and `model`, when "
    "empty) come from the InferenceService at preview/up; `credential` is a `credentials[]` name, instead of api_key.",
    extra=(("inference_service", Optional[InferenceServiceRef], dataclass_field(default=None)),
           ("credential", Optional[str], dataclass_field(default=None))))


def parse_models(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    models = []
    for item, values in read_entries(top, MODEL, extra_keys=MODEL_EXTRA_KEYS, custom={"model", "api_base", "api_key"}):
        inference_service = parse_inference_service(item, stored_as_secret)
        model = item.string("model", required=inference_service is None, check=_provider_model_problem)
        api_key = item.string("apiKey", secret=True)
        if inference_service is not None:
            _refuse_beside_inference_service(item)
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", f"is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        _check_model_info(item, values["model_info"])
        _check_extra_params(item, values["extra_params"])
        models.append(ModelConfig(
            **values, model=model or "", api_base=item.string("apiBase", check=check_url),
            api_key=pulumi.Output.secret(api_key) if api_key is not None else None,
            inference_service=inference_service, credential=item.string("credential")))
    return tuple(models)


def _provider_model_problem(value: str) -> Optional[str]:
    return None if "/" in value.strip("/") else \
        "is not a LiteLLM model; use provider/model, e.g. openai/granite-8b-instruct"


def _refuse_beside_inference_service(item: Reader) -> None:
    """The InferenceService supplies the URL and token: a model's own apiBase or apiKey would contradict it."""
    for key in ("apiBase", "apiKey"):
        if item.raw(key) is not MISSING:
            item.fail_key(key, "conflicts with inferenceService, which supplies the model server's URL and token; "
                          f"remove one of them (`pulumi config rm --path '{item.key_path(key)}'`)")


def _check_model_info(item: Reader, model_info: Any) -> None:
    for pricing in sorted(MODEL_PRICING_KEYS & set(model_info)):
        item.fail_key(f"modelInfo.{pricing}", "is dropped by LiteLLM inside model_info; use "
                      "inputCostPerToken / outputCostPerToken (or extraParams) instead")


def _check_extra_params(item: Reader, extra_params: Any) -> None:
    for reserved in sorted(RESERVED_EXTRA_PARAMS & set(extra_params)):
        item.fail_key(f"extraParams.{reserved}", "duplicates a first-class field; use the model's own key instead")


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
