"""`guardrails[]`: LiteLLM guardrails (fields: kinds/declarations.py; the api key and credential params secrets)."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any

import pulumi

from config.kind_reader import read_entries
from config.reader import Reader, check_url, holds_credential
from kinds.declarations import GUARDRAIL, GUARDRAIL_OWN_PARAMS

GUARDRAIL_KEYS = GUARDRAIL.config_keys
# The guardrail's own litellm_params, which `params` must not hold, and the config key that sets each.
_FIRST_CLASS = {GUARDRAIL.field(name).api: GUARDRAIL.field(name).key for name in GUARDRAIL_OWN_PARAMS}
GuardrailConfig = GUARDRAIL.config_class(
    "GuardrailConfig", __name__, "A LiteLLM guardrail (`guardrails[]`); `api_key` is a secret Output when set; "
    "`secret_params`: params hold a credential (a secret resource input). Treat `params` as read-only.",
    extra=(("secret_params", bool, dataclass_field(default=False)),))


def parse_guardrails(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    guardrails = []
    for item, values in read_entries(top, GUARDRAIL, custom={"api_base", "api_key"}):
        values["api_base"] = item.string("apiBase", check=check_url)
        api_key = item.string("apiKey", secret=True)
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", "is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        params = values["params"]
        for reserved in sorted(set(_FIRST_CLASS) & set(params)):
            item.fail_key(f"params.{reserved}", f"duplicates a first-class field; use `{_FIRST_CLASS[reserved]}`"
                          + (" (a secret)" if reserved == "api_key" else ""))
        credentials = sorted(n for n, v in params.items() if n not in _FIRST_CLASS and holds_credential(n, v))
        if credentials and not stored_as_secret:
            item.fail_key(f"params.{credentials[0]}", "is a credential stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('params.' + credentials[0])}' …`")
        guardrails.append(GuardrailConfig(**values, api_key=pulumi.Output.secret(api_key) if api_key is not None
                                          else None, secret_params=bool(credentials)))
    return tuple(guardrails)
