"""`credentials[]`: LiteLLM credentials (upstream API keys and bases) that `models[].credential` names."""

from __future__ import annotations

import re
from dataclasses import field as dataclass_field
from typing import Any, Mapping, Optional, Sequence

import pulumi

from config.kind_reader import check_reference, read_entries
from config.reader import MISSING, Reader, not_a_token
from litemaas_common.admin_settings import is_header_token
from kinds.declarations import CREDENTIAL

CREDENTIAL_KEYS = [*CREDENTIAL.config_keys, "provider", "info"]


def _credential_info(self) -> dict[str, Any]:
    """`credential_info` as LiteLLM takes it: `info`, and `provider` as its custom_llm_provider."""
    return {**self.info, **({"custom_llm_provider": self.provider} if self.provider else {})}


CredentialConfig = CREDENTIAL.config_class(
    "CredentialConfig", __name__, "A LiteLLM credential (`credentials[]`); `values` is a secret Output of a map of "
    "strings; `provider` is sent as credential_info.custom_llm_provider.",
    extra=(("provider", Optional[str], dataclass_field(default=None)),
           ("info", Mapping[str, Any], dataclass_field(default_factory=dict))),
    methods={"credential_info": property(_credential_info)})


# Credential values that travel as one header or URL (api_key, aws_secret_access_key, api_base, ...); others,
# such as vertex_credentials (a JSON document), may hold whitespace.
SINGLE_TOKEN = re.compile(r"(key|token|secret|password|api_base)$", re.IGNORECASE)


def parse_credentials(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    credentials = []
    for item, entry in read_entries(top, CREDENTIAL, extra_keys=["provider", "info"], custom={"credential_values"}):
        values = item.mapping("values")
        if item.raw("values") is MISSING or not values:
            item.fail_key("values", "is required: the credential's secret values, e.g. {api_key: sk-…, api_base: "
                          "https://…}")
        elif not all(isinstance(v, str) and v for v in values.values()):
            item.fail_key("values", "must map names to non-empty strings (e.g. api_key, api_base)")
        elif bad := [k for k, v in values.items() if SINGLE_TOKEN.search(k) and not is_header_token(v)]:
            item.fail_key(f"values.{bad[0]}", not_a_token(item.key_path(f"values.{bad[0]}")))
        elif not stored_as_secret:
            item.fail_key("values", f"is stored in plain text; set it with `pulumi config set --secret --path "
                          f"'{item.key_path('values.api_key')}' …`")
        info = item.mapping("info")
        provider = item.string("provider")
        if provider is not None and "custom_llm_provider" in info:
            item.fail_key("info.custom_llm_provider", "duplicates `provider`; set one of them")
        credentials.append(CredentialConfig(**entry, values=pulumi.Output.secret(values), provider=provider,
                                            info=info))
    return tuple(credentials)


def check_model_credentials(top: Reader, models: Sequence[Any], credentials: Sequence[Any]) -> None:
    """`models[N].credential` names a declared credential and is the model's only source of an API key."""
    declared = {c.name for c in credentials}
    for index, model in enumerate(models):
        name = getattr(model, "credential", None)
        if name is None:
            continue
        path = f"models[{index}].credential"
        check_reference(top, path, name, declared, "credentials")
        if model.api_key is not None:
            top.fail_key(path, "conflicts with apiKey (a model's own api_key wins over its credential's); remove one "
                         f"(`pulumi config rm --path 'models[{index}].apiKey'`)")
        if model.inference_service is not None:
            top.fail_key(path, "conflicts with inferenceService, which supplies the model server's URL and token; "
                         "remove one of them")
