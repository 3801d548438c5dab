"""`prompts[]`: LiteLLM managed prompt templates (fields: kinds/declarations.py; the api key a secret)."""

from __future__ import annotations

from typing import Any

import pulumi

from config.kind_reader import read_entries
from config.reader import Reader, check_url
from kinds.declarations import PROMPT, PROMPT_DEFAULT_ENVIRONMENT, dotprompt_problem

PROMPT_KEYS = PROMPT.config_keys
PromptConfig = PROMPT.config_class("PromptConfig", __name__, "A LiteLLM managed prompt (`prompts[]`), one per (id, "
                                   "environment); `api_key` is a secret Output when set.")
# The external prompt managers' settings LiteLLM refuses to start a prompt without.
_NEEDS_API_BASE = ("generic_prompt_management", "arize_phoenix")


def parse_prompts(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    prompts = []
    seen: dict[tuple[str, str], str] = {}
    for item, values in read_entries(top, PROMPT, custom={"api_base", "api_key"}):
        values["api_base"] = item.string("apiBase", check=check_url)
        api_key = item.string("apiKey", secret=True)
        if api_key is not None and not stored_as_secret:
            item.fail_key("apiKey", "is stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('apiKey')}' …`")
        pair = (values["id"], values["environment"] or PROMPT_DEFAULT_ENVIRONMENT)
        if values["id"] and pair in seen:
            item.fail_key("id", f"duplicate prompt {pair[0]!r} in environment {pair[1]!r} (already declared by "
                          f"{seen[pair]}); one prompt per id and environment")
        seen.setdefault(pair, item.key_path("id"))
        integration, template = values["integration"] or PROMPT.field("integration").server_default, values["template"]
        if integration == "dotprompt" and template is None:
            item.fail_key("template", "is required for the dotprompt integration: the prompt's text, with its model "
                          "and input schema in a YAML front matter")
        elif integration != "dotprompt" and template is not None:
            item.fail_key("template", f"is only for the dotprompt integration; {integration} reads the prompt from "
                          "the prompt manager at apiBase: remove it")
        elif template is not None and (problem := dotprompt_problem(template)):
            item.fail_key("template", f"{problem}; LiteLLM would store the prompt and then fail to load it")
        if integration in _NEEDS_API_BASE and values["api_base"] is None:
            item.fail_key("apiBase", f"is required for the {integration} integration (the prompt manager's URL)")
        prompts.append(PromptConfig(**values, api_key=pulumi.Output.secret(api_key) if api_key is not None else None))
    return tuple(prompts)
