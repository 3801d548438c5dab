"""LiteLLMCatalog: the stack config's models, teams and virtual keys as LiteLLM dynamic resources.

Every child waits for what the caller made the catalog depend on (the gateway Deployment), keys wait for
their team and for the models they name, teams for their models. Resource names are derived from the
model name / team alias / key alias, so renaming one of those in the stack config replaces that resource
(a new key value for a renamed key alias).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import pulumi

from dynamic_providers.provider_base import AdminConnection
from dynamic_providers.model import Model
from dynamic_providers.team import Team
from dynamic_providers.virtual_key import VirtualKey
from config import AdminApiConfig, KeyConfig, ModelConfig, TeamConfig

TYPE_TOKEN = "litemaas:index:LiteLLMCatalog"


@dataclass
class LiteLLMCatalogArgs:
    admin_url: pulumi.Input[str]
    master_key: pulumi.Input[str]  # secret
    admin_api: AdminApiConfig = field(default_factory=AdminApiConfig)
    models: Sequence[ModelConfig] = ()
    teams: Sequence[TeamConfig] = ()
    keys: Sequence[KeyConfig] = ()


class LiteLLMCatalog(pulumi.ComponentResource):
    """Models (name -> Model), teams (alias -> Team) and keys (alias -> VirtualKey) on one LiteLLM gateway."""

    models: dict[str, Model]
    teams: dict[str, Team]
    keys: dict[str, VirtualKey]
    model_names: pulumi.Output[list]
    team_ids: pulumi.Output[dict]
    key_details: pulumi.Output[dict]  # secret: holds the raw keys

    def __init__(self, name: str, args: LiteLLMCatalogArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        connection = AdminConnection.from_admin_api(args.admin_url, pulumi.Output.secret(args.master_key),
                                                    args.admin_api)
        # Children do not inherit a component's depends_on: hand the gateway dependency down explicitly.
        gateway = opts.depends_on if opts is not None else None

        def child_opts(*extra: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=_with(gateway, list(extra)))

        self.models = {m.name: Model.from_config(f"{name}-model-{m.name}", m, connection, child_opts())
                       for m in args.models}
        self.teams = {
            t.alias: Team.from_config(f"{name}-team-{t.alias}", t, connection,
                                      child_opts(*self._named_models(t.models)))
            for t in args.teams
        }
        self.keys = {}
        for key in args.keys:
            team = self.teams[key.team] if key.team is not None else None
            depends = [*self._named_models(key.models), *([team] if team is not None else [])]
            self.keys[key.alias] = VirtualKey.from_config(
                f"{name}-key-{key.alias}", key, connection, team_id=team.team_id if team is not None else None,
                opts=child_opts(*depends))

        self.model_names = pulumi.Output.all(*[m.model_name for m in self.models.values()]).apply(list)
        aliases = list(self.teams)
        self.team_ids = pulumi.Output.all(*[t.team_id for t in self.teams.values()]).apply(
            lambda ids: dict(zip(aliases, ids)))
        self.key_details = pulumi.Output.secret(pulumi.Output.all(*[_key_detail(k) for k in self.keys.values()]).apply(
            lambda details: dict(zip(list(self.keys), details))))
        self.register_outputs({"modelNames": self.model_names, "teamIds": self.team_ids,
                               "keyDetails": self.key_details})

    def _named_models(self, names: Sequence[str]) -> list[Model]:
        return [self.models[n] for n in names if n in self.models]


def _key_detail(key: VirtualKey) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(key.key, key.models, key.max_budget, key.budget_duration, key.expires).apply(
        lambda v: {"key": v[0], "models": list(v[1] or []), "maxBudget": v[2], "budgetDuration": v[3],
                   "expires": v[4]})


def _with(depends_on: Any, extra: list[pulumi.Resource]) -> Any:
    """The caller's depends_on (a resource, a list, or an Output of a list) plus `extra`."""
    if depends_on is None:
        return extra
    if isinstance(depends_on, pulumi.Resource):
        return [depends_on, *extra]
    if isinstance(depends_on, (list, tuple)):
        return [*depends_on, *extra]
    return pulumi.Output.from_input(depends_on).apply(lambda deps: [*(deps or []), *extra])
