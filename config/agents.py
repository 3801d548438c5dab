"""`agents[]`: A2A agents in LiteLLM's agent registry (fields: kinds/declarations.py; credential params and the
static headers secret)."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any

import pulumi

from config.kind_reader import read_entries
from config.reader import Reader, holds_credential, not_a_token
from kinds.declarations import AGENT, agent_card_problems, agent_param_hidden

AGENT_KEYS = AGENT.config_keys
AgentConfig = AGENT.config_class(
    "AgentConfig", __name__, "An A2A agent (`agents[]`); `static_headers` is a secret Output of a map of strings when "
    "set; `secret_params`: params hold a credential (a secret resource input). Treat `card` and `params` as "
    "read-only.",
    extra=(("secret_params", bool, dataclass_field(default=False)),))


def parse_agents(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    agents = []
    for item, values in read_entries(top, AGENT, custom={"static_headers"}):
        for key, problem in agent_card_problems(values["card"]):
            item.fail_key(f"card.{key}", problem)
        params = values["params"]
        credentials = sorted(n for n, v in params.items() if holds_credential(n, v) or (
            agent_param_hidden(n) and not str(v).startswith("os.environ/")))  # what LiteLLM hides, unless a reference
        if credentials and not stored_as_secret:
            item.fail_key(f"params.{credentials[0]}", "is a credential stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('params.' + credentials[0])}' …`")
        agents.append(AgentConfig(**values, static_headers=_static_headers(item, stored_as_secret),
                                  secret_params=bool(credentials)))
    return tuple(agents)


def _static_headers(item: Reader, stored_as_secret: bool) -> Any:
    """The headers sent to the agent: often its credential, so secret in the config and in the state."""
    headers = item.mapping("staticHeaders")
    if not headers:
        return {}
    if not all(isinstance(v, str) and v for v in headers.values()):
        item.fail_key("staticHeaders", "must map header names to non-empty strings (e.g. Authorization: Bearer …)")
    elif bad := [k for k, v in headers.items() if not (v.isprintable() and v == v.strip())]:  # inner spaces fine
        item.fail_key(f"staticHeaders.{bad[0]}", not_a_token(item.key_path(f"staticHeaders.{bad[0]}")))
    elif not stored_as_secret:
        first = item.key_path(f"staticHeaders.{next(iter(headers))}")
        item.fail_key("staticHeaders", f"is stored in plain text; set it with `pulumi config set --secret --path "
                      f"'{first}' …`")
    return pulumi.Output.secret(headers)
