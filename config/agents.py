"""`agents[]`: A2A agents in LiteLLM's agent registry (fields: kinds/declarations.py; credential params secret)."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any

from config.kind_reader import read_entries
from config.reader import Reader, holds_credential
from kinds.declarations import AGENT, agent_card_problems, agent_param_hidden

AGENT_KEYS = AGENT.config_keys
AgentConfig = AGENT.config_class(
    "AgentConfig", __name__, "An A2A agent (`agents[]`); `secret_params`: params hold a credential (a secret "
    "resource input). Treat `card` and `params` as read-only.",
    extra=(("secret_params", bool, dataclass_field(default=False)),))


def parse_agents(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    agents = []
    for item, values in read_entries(top, AGENT):
        for key, problem in agent_card_problems(values["card"]):
            item.fail_key(f"card.{key}", problem)
        params = values["params"]
        credentials = sorted(n for n, v in params.items() if holds_credential(n, v) or (
            agent_param_hidden(n) and not str(v).startswith("os.environ/")))  # what LiteLLM hides, unless a reference
        if credentials and not stored_as_secret:
            item.fail_key(f"params.{credentials[0]}", "is a credential stored in plain text; set it with "
                          f"`pulumi config set --secret --path '{item.key_path('params.' + credentials[0])}' …`")
        agents.append(AgentConfig(**values, secret_params=bool(credentials)))
    return tuple(agents)
