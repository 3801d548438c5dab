"""LiteLLMCatalog: the stack config's LiteLLM objects (every kind of dynamic_providers) as dynamic resources.

Every child waits for what the caller made the catalog depend on (the gateway Deployment), keys wait for
their team and for the models they name, teams for their models. Resource names are derived from the
model name / team alias / key alias, so renaming one of those in the stack config replaces that resource
(a new key value for a renamed key alias) unless the entry names its `previousAlias`: then the old name is a
Pulumi alias, the engine sees the same resource, and the rename is an update in place (the key keeps its value). A key with `deliverTo` also gets a Secret in the user's namespace
(OPENAI_API_KEY, OPENAI_BASE_URL, LITEMAAS_MODELS) that follows every rotation; `key_details` is what the
stack's `keys` output and `litemaas handoff` give each key's user.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.existing_refs import ExistingObjects
from config.existing import ExistingConfig
from dynamic_providers.fallback import Fallback
from dynamic_providers.provider_base import AdminConnection
from dynamic_providers.mcp_server import McpServer
from dynamic_providers.mcp_toolset import McpToolset
from dynamic_providers.model import Model
from dynamic_providers.team import Team
from dynamic_providers.team_member import TeamMember
from dynamic_providers.user import User
from dynamic_providers.virtual_key import VirtualKey
from dynamic_providers.budget import Budget
from kinds.declarations import BUDGET, CREDENTIAL, CUSTOMER, GUARDRAIL, MCP_SERVER, MODEL, PROMPT, \
    PROMPT_DEFAULT_ENVIRONMENT, TAG, TEAM, TEAM_MEMBER, USER, VIRTUAL_KEY
from dynamic_providers.credential import Credential
from dynamic_providers.customer import Customer
from dynamic_providers.prompt import Prompt, prompt_resource_id, split_id
from dynamic_providers.guardrail import Guardrail
from dynamic_providers.search_tool import SearchTool
from dynamic_providers.tag import Tag
from dynamic_providers.vector_store import VectorStore
from dynamic_providers.unified_access_group import UnifiedAccessGroup
from dynamic_providers.agent import Agent
from components import litellm_grants as grantable
from components.litellm_agents import agent_resources
from config import AccessGroupsConfig, AgentConfig, BudgetConfig, CredentialConfig, CustomerConfig, DeliveryConfig, \
    FallbackConfig, GuardrailConfig, KeyConfig, McpServerConfig, McpToolsetConfig, MemberConfig, ModelConfig, \
    PromptConfig, SearchToolConfig, TagConfig, TeamConfig, UnifiedAccessGroupConfig, UserConfig, VectorStoreConfig
from litemaas_common.handoff import openai_base_url

TYPE_TOKEN = "litemaas:index:LiteLLMCatalog"
# On a delivered Secret: `oc get secret -l litemaas.io/virtual-key` lists them; the value names the key alias.
DELIVERED_KEY_LABEL = "litemaas.io/virtual-key"


@dataclass
class LiteLLMCatalogArgs:
    admin_url: pulumi.Input[str]
    master_key: pulumi.Input[str]  # secret
    # True: the stack config holds it (`litemaas:gatewayUrl` / `litemaas:masterKey`) and the providers read it there
    # once, instead of every resource storing a copy (and the master key's ciphertext) in the state.
    admin_url_in_stack_config: bool = False
    master_key_in_stack_config: bool = False
    models: Sequence[ModelConfig] = ()
    teams: Sequence[TeamConfig] = ()
    keys: Sequence[KeyConfig] = ()
    fallbacks: Sequence[FallbackConfig] = ()
    access_groups: AccessGroupsConfig = AccessGroupsConfig()
    users: Sequence[UserConfig] = ()
    credentials: Sequence[CredentialConfig] = ()
    budgets: Sequence[BudgetConfig] = ()
    customers: Sequence[CustomerConfig] = ()
    prompts: Sequence[PromptConfig] = ()
    # tags[] and guardrails[]
    tags: Sequence[TagConfig] = ()
    guardrails: Sequence[GuardrailConfig] = ()
    mcp_servers: Sequence[McpServerConfig] = ()
    vector_stores: Sequence[VectorStoreConfig] = ()
    mcp_toolsets: Sequence[McpToolsetConfig] = ()
    search_tools: Sequence[SearchToolConfig] = ()
    agents: Sequence[AgentConfig] = ()
    unified_access_groups: Sequence[UnifiedAccessGroupConfig] = ()
    existing: ExistingConfig = ExistingConfig()  # named, not owned: read-only lookups (components/existing_refs.py)
    # A tenant stack's: the platform's grantables its teams and keys name (config.tenant.PlatformConfig.grantables).
    platform_grantables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


class LiteLLMCatalog(pulumi.ComponentResource):
    """Models (name -> Model), teams (alias -> Team) and keys (alias -> VirtualKey) on one LiteLLM gateway."""

    models: dict[str, Model]
    teams: dict[str, Team]
    keys: dict[str, VirtualKey]
    fallbacks: dict[str, Fallback]  # "<fallback_type>:<model>" -> Fallback
    users: dict[str, User]
    members: dict[tuple[str, str], TeamMember]  # (team alias, user) -> its membership
    customers: dict[str, Customer]  # id -> Customer
    prompts: dict[str, Prompt]  # "<environment>/<id>" -> Prompt
    mcp_servers: dict[str, McpServer]  # name -> McpServer
    vector_stores: dict[str, VectorStore]  # id -> VectorStore
    mcp_toolsets: dict[str, McpToolset]  # name -> McpToolset
    search_tools: dict[str, SearchTool]  # name -> SearchTool
    agents: dict[str, Agent]  # name -> Agent
    unified_access_groups: dict[str, UnifiedAccessGroup]  # name -> UnifiedAccessGroup
    model_names: pulumi.Output[list]
    team_ids: pulumi.Output[dict]
    key_details: pulumi.Output[dict]  # secret: holds the raw keys
    delivered: dict[str, k8s.core.v1.Secret]  # alias -> the Secret in the user's namespace

    def __init__(self, name: str, args: LiteLLMCatalogArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        connection = AdminConnection(
            admin_url=None if args.admin_url_in_stack_config else args.admin_url,
            master_key=None if args.master_key_in_stack_config else pulumi.Output.secret(args.master_key))
        # Children do not inherit a component's depends_on: hand the gateway dependency down explicitly.
        gateway = opts.depends_on if opts is not None else None

        def child_opts(*extra: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=_with(gateway, list(extra)))

        # Objects the stack names without owning them: looked up at preview, never changed or deleted.
        self.existing = ExistingObjects(name, args.existing, connection, child_opts)
        # credentials and budgets: models depend on their credential, keys on their budget, so a removal deletes the
        # user of one first.
        self.credentials = {c.name: _credential(f"{name}-credential-{c.name}", c, connection, child_opts())
                            for c in args.credentials}
        self.budgets = {b.name: _budget(f"{name}-budget-{b.name}", b, connection, child_opts()) for b in args.budgets}
        # access groups: a model carries its groups (model_info.access_groups); a holder lists the group names in
        # its models and waits for the group's models
        groups = args.access_groups
        self.models = {m.name: _model(f"{name}-model-{m.name}", m, connection, child_opts(
            *([self.credentials[m.credential]] if m.credential in self.credentials else [])),
            access_groups=groups.of_model(m.name),
            credential_name=self.credentials[m.credential].credential_name if m.credential in self.credentials
            else None) for m in args.models}
        # Tags (on the models they name) and guardrails: before the teams and keys that name them, deleted after.
        self.tags = {t.name: _tag(f"{name}-tag-{t.name}", t, connection, child_opts(*self._named_models(t.models)))
                     for t in args.tags}
        self.guardrails = {g.name: _guardrail(f"{name}-guardrail-{g.name}", g, connection, child_opts())
                           for g in args.guardrails}
        # MCP servers need no other kind; a team or key granted a server depends on it.
        self.mcp_servers = {s.name: _mcp_server(f"{name}-mcp-{s.name}", s, connection, child_opts())
                            for s in args.mcp_servers}
        # prompts[]: before the teams and keys that name them (Enterprise-only there); they name no resource (the model
        # in a template's front matter is read per request).
        self.prompts = {}
        for prompt in args.prompts:
            environment = prompt.environment or PROMPT_DEFAULT_ENVIRONMENT
            self.prompts[prompt_resource_id(prompt.id, environment)] = Prompt(
                f"{name}-prompt-{environment}.{prompt.id}", connection=connection, **PROMPT.inputs(prompt),
                opts=child_opts())
        # What teams and keys are granted by name (components/litellm_grants.py): each after what it names, or
        # (a tenant stack) the platform's ids.
        self.platform_grantables = args.platform_grantables
        self.vector_stores = grantable.vector_stores(name, args.vector_stores, self.credentials, connection, child_opts)
        self.mcp_toolsets = grantable.mcp_toolsets(name, args.mcp_toolsets, self.mcp_servers, connection, child_opts)
        self.search_tools = grantable.search_tools(name, args.search_tools, connection, child_opts)
        self.unified_access_groups = grantable.unified_access_groups(
            name, args.unified_access_groups, self._named_models, self.mcp_servers, connection, child_opts)
        self.teams = {}
        for t in args.teams:
            granted = groups.teams.get(t.alias, ())
            servers = [self.mcp_servers[s.name] for s in args.mcp_servers if t.alias in s.teams]
            grants, granted_objects = grantable.grants_of(self, t, TEAM)
            self.teams[t.alias] = _team(f"{name}-team-{t.alias}", t, connection,
                                        renamed(child_opts(*self._named_models((*t.models, *groups.models_of(granted))),
                                                           *self._named_labels(t), *servers, *granted_objects),
                                                f"{name}-team-", t.previous_alias),
                                        access_groups=granted, mcp_servers=[s.server_id for s in servers], **grants)
        # users[]: before the keys that name them (keys[].user), deleted after them.
        self.users = {u.id: _user(f"{name}-user-{u.id}", u, connection, child_opts(*self._named_models(u.models)))
                      for u in args.users}
        # teams[].members[]: one resource per (team, user), so reordering is no change and a removed member goes.
        pairs = [(team.alias, member.user) for team in args.teams for member in team.members]
        earlier_names = Counter(f"{name}-member-{team}-{user}" for team, user in pairs)
        self.members = {}
        for team in args.teams:
            for member in team.members:
                member_name, earlier = member_resource_names(name, team.alias, member.user)
                # The name stacks have from before, where no other membership shares it (one that does never
                # deployed: the engine refused the duplicate).
                former = [earlier] if earlier and earlier_names[earlier] == 1 else []
                if team.previous_alias:
                    # A renamed team (previousAlias) keeps its memberships: their names under the old alias.
                    former += [n for n in member_resource_names(name, team.previous_alias, member.user) if n]
                self.members[(team.alias, member.user)] = _member(
                    member_name, member, connection, team=self.teams[team.alias],
                    user=self.users.get(member.user) if member.managed else None, opts_for=child_opts,
                    aliases=[pulumi.Alias(name=n) for n in former],
                    existing_user=None if member.managed else self.existing.get("user", member.user))
        # customers[]: after the budget tier and the models they name, deleted before them.
        self.customers = {c.id: Customer(
            f"{name}-customer-{c.id}", connection=connection, **CUSTOMER.inputs(
                c, budget_id=self.budgets[c.budget].budget_id if c.budget in self.budgets else
                self.existing.id_of("budget", c.budget) or c.budget),
            opts=child_opts(*self._named_models((*c.models, *([c.default_model] if c.default_model else []))),
                            *([self.budgets[c.budget]] if c.budget in self.budgets else
                              [e for e in [self.existing.get("budget", c.budget)] if e is not None])))
            for c in args.customers}
        # agents[]: after the model their params name, deleted before it.
        self.agents = agent_resources(name, args.agents, self.models, connection, child_opts)
        self.keys = {}
        for key in args.keys:
            team = self.teams.get(key.team) if key.team is not None else None
            user = self.users.get(key.user) if key.user is not None else None
            budget = self.budgets.get(key.budget) if key.budget is not None else None
            named = [e for e in (self.existing.get("team", key.team), self.existing.get("user", key.user),
                                 self.existing.get("budget", key.budget)) if e is not None]
            granted = groups.keys.get(key.alias, ())
            # The team already waits for its models and groups: repeating them would only grow each key's state.
            covered = set()
            if team is not None:
                team_config = next(t for t in args.teams if t.alias == key.team)
                covered = {*team_config.models, *groups.models_of(groups.teams.get(key.team, ()))}
            grants, granted_objects = grantable.grants_of(self, key, VIRTUAL_KEY)
            depends = [*self._named_models([m for m in (*key.models, *groups.models_of(granted)) if m not in covered]),
                       *[owner for owner in (team, user, budget) if owner is not None], *self._named_labels(key),
                       *granted_objects, *named]
            self.keys[key.alias] = _key(f"{name}-key-{key.alias}", key, connection,
                                        team_id=team.team_id if team is not None else
                                        self.existing.id_of("team", key.team),
                                        user_id=user.user_id if user is not None else
                                        self.existing.id_of("user", key.user) or key.user_id,
                                        budget_id=budget.budget_id if budget is not None else
                                        self.existing.id_of("budget", key.budget),
                                        **grants,
                                        opts=renamed(child_opts(*depends), f"{name}-key-", key.previous_alias),
                                        access_groups=granted)

        # fallbacks: a rule after its model and its targets, so it is deleted before them
        self.fallbacks = {
            f"{rule.fallback_type}:{rule.model}": _fallback(
                f"{name}-fallback-{rule.fallback_type}-{rule.model}", rule, connection,
                child_opts(*self._named_models((rule.model, *rule.targets))))
            for rule in args.fallbacks}

        self.delivered = {
            key.alias: self._deliver(f"{name}-deliver-{key.alias}", key.alias, key.deliver_to, self.keys[key.alias],
                                     args.admin_url, f"{name}-deliver-{key.previous_alias}" if key.previous_alias else None)
            for key in args.keys if key.deliver_to is not None
        }

        self.model_names = pulumi.Output.all(*[m.model_name for m in self.models.values()]).apply(list)
        aliases = list(self.teams)
        self.team_ids = pulumi.Output.all(*[t.team_id for t in self.teams.values()]).apply(
            lambda ids: dict(zip(aliases, ids)))
        self.key_details = pulumi.Output.secret(pulumi.Output.all(*[_key_detail(k) for k in self.keys.values()]).apply(
            lambda details: dict(zip(list(self.keys), details))))
        # The per-key map is the stack's `keys` output; registering it here too would store every key's ciphertext
        # once more.
        self.register_outputs({"modelNames": self.model_names, "teamIds": self.team_ids})

    def _named_models(self, names: Sequence[str]) -> list[pulumi.Resource]:
        """The stack's models among `names`, and the Lookups of the existing ones."""
        return [*[self.models[n] for n in names if n in self.models], *self.existing.models(names)]

    def _named_labels(self, config: TeamConfig | KeyConfig) -> list[pulumi.Resource]:
        """The tags, guardrails and prompts (of every environment) a team or key names."""
        return [*[self.tags[t] for t in config.tags if t in self.tags],
                *[self.guardrails[g] for g in config.guardrails if g in self.guardrails],
                *[p for key, p in self.prompts.items() if split_id(key)[0] in config.prompts]]

    def _deliver(self, name: str, alias: str, target: DeliveryConfig, key: VirtualKey,
                 gateway_url: pulumi.Input[str], previous_name: Optional[str] = None) -> k8s.core.v1.Secret:
        """The key where it is used: mount it with `envFrom: [{secretRef: {name: <secretName>}}]`."""
        return k8s.core.v1.Secret(
            name,
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=target.secret_name, namespace=target.namespace,
                labels={**kube.labels("litemaas-key"), DELIVERED_KEY_LABEL: _label_value(alias)},
                annotations={"litemaas.io/key-alias": alias}),
            type="Opaque",
            string_data={
                "OPENAI_API_KEY": pulumi.Output.secret(key.key),
                "OPENAI_BASE_URL": pulumi.Output.from_input(gateway_url).apply(openai_base_url),
                "LITEMAAS_MODELS": key.models.apply(lambda models: ",".join(models or [])),
            },
            # A rotation changes the data: pulumi-kubernetes replaces the Secret under the same name (in place with
            # `kubernetes:enableSecretMutable`).
            opts=renamed(pulumi.ResourceOptions(parent=self, depends_on=[key]), "", previous_name))


def renamed(opts: pulumi.ResourceOptions, prefix: str, previous: Optional[str]) -> pulumi.ResourceOptions:
    """`opts`, plus the resource's name before a rename (`previousAlias`) as an alias when there is one."""
    if not previous:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=prefix + previous)]))


def _model(name: str, config: ModelConfig, connection: AdminConnection, opts: pulumi.ResourceOptions, *,
           access_groups: Sequence[str] = (), credential_name: Optional[pulumi.Input[str]] = None) -> Model:
    model_info = {**config.model_info, "access_groups": list(access_groups)} if access_groups else config.model_info
    # A credential travels as litellm_params.litellm_credential_name (an extra param of the Model resource).
    extra_params = {**config.extra_params, **({"litellm_credential_name": credential_name} if credential_name else {})}
    return Model(name, connection=connection, opts=opts,
                 **MODEL.inputs(config, model_info=model_info, extra_params=extra_params))


def _team(name: str, config: TeamConfig, connection: AdminConnection, opts: pulumi.ResourceOptions, *,
          access_groups: Sequence[str] = (), mcp_servers: Sequence[pulumi.Input[str]] = (),
          **grants: Sequence[pulumi.Input[str]]) -> Team:
    return Team(name, connection=connection, opts=opts, **TEAM.inputs(
        config, models=(*config.models, *access_groups), mcp_servers=mcp_servers, **grants))


def _user(name: str, config: UserConfig, connection: AdminConnection, opts: pulumi.ResourceOptions) -> User:
    return User(name, connection=connection, opts=opts, **USER.inputs(config))


def member_resource_names(prefix: str, team: str, user: str) -> tuple[str, Optional[str]]:
    """The membership's resource name, and the earlier name it replaces (None: unchanged).

    `<prefix>-member-<team>-<user>` while the user id holds no '-': the last '-' splits it, and these are the
    names existing stacks have. Otherwise (`ml` + `ops-bob` and `ml-ops` + `bob` would both be `member-ml-ops-bob`)
    the team alias's length marks the split: `<prefix>-member.<len>.<team>-<user>`, a form no name of the first
    kind takes, so every (team, user) has its own name."""
    if "-" not in user:
        return f"{prefix}-member-{team}-{user}", None
    return f"{prefix}-member.{len(team)}.{team}-{user}", f"{prefix}-member-{team}-{user}"


def _member(name: str, config: MemberConfig, connection: AdminConnection, *, team: Team, user: Optional[User],
            opts_for, aliases: Sequence[pulumi.Alias] = (), existing_user: Optional[pulumi.Resource] = None) -> TeamMember:
    """`existing_user`: the Lookup of a user the stack names without owning (its id, e.g. for an email)."""
    opts = opts_for(team, *[u for u in (user, existing_user) if u is not None])
    user_id = user.user_id if user is not None else existing_user.object_id if existing_user is not None else config.user
    return TeamMember(name, connection=connection, **TEAM_MEMBER.inputs(config, team_id=team.team_id, user_id=user_id),
                      opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=list(aliases)))
                      if aliases else opts)


def _key(name: str, config: KeyConfig, connection: AdminConnection, *, team_id: Optional[pulumi.Input[str]],
         user_id: Optional[pulumi.Input[str]], opts: pulumi.ResourceOptions,
         access_groups: Sequence[str] = (), budget_id: Optional[pulumi.Input[str]] = None,
         mcp_servers: Sequence[pulumi.Input[str]] = (), **grants: Sequence[pulumi.Input[str]]) -> VirtualKey:
    return VirtualKey(name, connection=connection, opts=opts, **VIRTUAL_KEY.inputs(
        config, models=(*config.models, *access_groups), team_id=team_id, user_id=user_id, budget_id=budget_id,
        mcp_servers=mcp_servers, **grants))


# credentials and budgets -------------------------------------------------------------------------------
def _credential(name: str, config: CredentialConfig, connection: AdminConnection,
                opts: pulumi.ResourceOptions) -> Credential:
    return Credential(name, connection=connection, opts=opts,
                      **CREDENTIAL.inputs(config, credential_info=config.credential_info or None))


def _budget(name: str, config: BudgetConfig, connection: AdminConnection, opts: pulumi.ResourceOptions) -> Budget:
    return Budget(name, connection=connection, opts=opts, **BUDGET.inputs(config))


def _fallback(name: str, config: FallbackConfig, connection: AdminConnection, opts: pulumi.ResourceOptions) -> Fallback:
    return Fallback(name, connection=connection, model=config.model, fallback_type=config.fallback_type,
                    fallback_models=config.targets, opts=opts)


# tags[] and guardrails[] ------------------------------------------------------------------------------
def _tag(name: str, config: TagConfig, connection: AdminConnection, opts: pulumi.ResourceOptions) -> Tag:
    return Tag(name, connection=connection, opts=opts, **TAG.inputs(config))


def _guardrail(name: str, config: GuardrailConfig, connection: AdminConnection,
               opts: pulumi.ResourceOptions) -> Guardrail:
    if not config.secret_params:
        return Guardrail(name, connection=connection, opts=opts, **GUARDRAIL.inputs(config))
    # Credentials among the params: a secret input, and (the provider reads params back) secret in the state too.
    return Guardrail(name, connection=connection, **GUARDRAIL.inputs(config, params=pulumi.Output.secret(
        dict(config.params))), opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            additional_secret_outputs=["params"])))


def _mcp_server(name: str, config: McpServerConfig, connection: AdminConnection,
                opts: pulumi.ResourceOptions) -> McpServer:
    return McpServer(name, connection=connection, opts=opts, **MCP_SERVER.inputs(config))


def _label_value(alias: str) -> str:
    """A key alias as a label value (63 characters of [A-Za-z0-9._-], alphanumeric at both ends)."""
    value = re.sub(r"[^A-Za-z0-9._-]", "-", alias)[:63].strip("-._")
    return value or "key"


def _key_detail(key: VirtualKey) -> pulumi.Output[dict[str, Any]]:
    return pulumi.Output.all(key.key, key.models, key.max_budget, key.budget_duration, key.expires, key.expired,
                             key.held_by_user).apply(
        lambda v: {"key": v[0], "models": list(v[1] or []), "maxBudget": v[2], "budgetDuration": v[3],
                   "expires": v[4], "expired": bool(v[5]), "heldByUser": bool(v[6])})


def _with(depends_on: Any, extra: list[pulumi.Resource]) -> Any:
    """The caller's depends_on (a resource, a list, or an Output of a list) plus `extra`."""
    if depends_on is None:
        return extra
    if isinstance(depends_on, pulumi.Resource):
        return [depends_on, *extra]
    if isinstance(depends_on, (list, tuple)):
        return [*depends_on, *extra]
    return pulumi.Output.from_input(depends_on).apply(lambda deps: [*(deps or []), *extra])
