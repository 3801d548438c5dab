"""`guardrails[]`: LiteLLM guardrails (provider, mode, params; the api key a secret)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi

from config.reader import Reader, check_url, holds_credential, list_items, unique
from litemaas_common.litellm_vocabulary import GUARDRAIL_MODES
GUARDRAIL_KEYS = ["name", "provider", "mode", "defaultOn", "apiBase", "apiKey", "params"]
_FIRST_CLASS = {"guardrail": "provider", "mode": "mode", "default_on": "defaultOn", "api_base": "apiBase",
                "api_key": "apiKey"}


@dataclass(frozen=True)
class GuardrailConfig:
    """A LiteLLM guardrail (`guardrails[]`). Treat `params` as read-only."""

    name: str
    provider: str
    mode: str
    default_on: bool = False
    api_base: Optional[str] = None
    api_key: Optional[pulumi.Output[str]] = None  # always a secret Output when set
    params: Mapping[str, Any] = field(default_factory=dict)
    secret_params: bool = False  # params hold a credential: a secret resource input


def parse_guardrails(top: Reader, stored_as_secret: bool) -> tuple[GuardrailConfig, ...]:
    guardrails = []
    names: dict[str, str] = {}
    for item in list_items(top, "guardrails", GUARDRAIL_KEYS):
        name = item.string("name", required=True)
        unique(item, "name", name, names, "guardrail name")
        mode = item.string("mode", required=True, check=lambda v: None if v in GUARDRAIL_MODES else
                           f"is not a guardrail mode; use one of {', '.join(GUARDRAIL_MODES)}")
        api_key = item.string("apiKey", secret=True)
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", "is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        params = item.mapping("params")
        for reserved in sorted(set(_FIRST_CLASS) & set(params)):
            item.fail_key(f"params.{reserved}", f"duplicates a first-class field; use `{_FIRST_CLASS[reserved]}`"
                          + (" (a secret)" if reserved == "api_key" else ""))
        credentials = sorted(n for n, v in params.items() if n not in _FIRST_CLASS and holds_credential(n, v))
        if credentials and not stored_as_secret:
            item.fail_key(f"params.{credentials[0]}", "is a credential stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('params.' + credentials[0])}' …`")
        guardrails.append(GuardrailConfig(
            name=name or "", provider=item.string("provider", required=True) or "", mode=mode or "",
            default_on=item.boolean("defaultOn", False), api_base=item.string("apiBase", check=check_url),
            api_key=pulumi.Output.secret(api_key) if api_key is not None else None, params=params,
            secret_params=bool(credentials),
        ))
    return tuple(guardrails)
