"""agents[] of the LiteLLM catalog: one litellm:Agent each, after the model its params name (deleted before it)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import pulumi

from config import AgentConfig
from dynamic_providers.agent import Agent
from dynamic_providers.provider_base import AdminConnection
from kinds.declarations import AGENT


def agent_resources(name: str, configs: Sequence[AgentConfig], models: Mapping[str, pulumi.Resource],
                    connection: AdminConnection, child_opts: Callable[..., pulumi.ResourceOptions]) -> dict[str, Agent]:
    """name -> Agent; `models`: the catalog's models by name (an agent whose `params.model` names one waits for it)."""
    agents = {}
    for config in configs:
        model = config.params.get("model")
        opts = child_opts(*([models[model]] if isinstance(model, str) and model in models else []))
        agents[config.name] = _agent(f"{name}-agent-{config.name}", config, connection, opts)
    return agents


def _agent(name: str, config: Any, connection: AdminConnection, opts: pulumi.ResourceOptions) -> Agent:
    if not config.secret_params:
        return Agent(name, connection=connection, opts=opts, **AGENT.inputs(config))
    # Credentials among the params: a secret input, and (the provider reads params back) secret in the state too.
    return Agent(name, connection=connection, **AGENT.inputs(config, litellm_params=pulumi.Output.secret(
        dict(config.params))), opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            additional_secret_outputs=["litellm_params"])))
