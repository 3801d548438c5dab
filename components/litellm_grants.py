"""What teams and keys of the LiteLLM catalog are granted by name: MCP servers (keys; a team by the server's `teams`),
vector stores, MCP toolsets, search tools and unified access groups. Each is made after what it names and deleted
before it; a holder gets their ids and waits for them, so it loses a grant before the granted object goes. A tenant
stack's holders name the platform's instead: the ids the platform exports (`exported_ids`)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import pulumi

from config import KeyConfig, McpToolsetConfig, SearchToolConfig, TeamConfig, UnifiedAccessGroupConfig, \
    VectorStoreConfig
from dynamic_providers.credential import Credential
from dynamic_providers.mcp_server import McpServer
from dynamic_providers.mcp_toolset import McpToolset
from dynamic_providers.provider_base import AdminConnection
from dynamic_providers.search_tool import SearchTool
from dynamic_providers.unified_access_group import UnifiedAccessGroup
from dynamic_providers.vector_store import VectorStore
from config.tenant import GRANTABLE_OUTPUTS
from kinds.declarations import MCP_TOOLSET, SEARCH_TOOL, UNIFIED_ACCESS_GROUP, VECTOR_STORE
from kinds.schema import Kind, snake_case

OptsFor = Callable[..., pulumi.ResourceOptions]
# By config section (config/tenant.py GRANTABLE_OUTPUTS, which also names the output that is the grant's id): the
# catalog's attribute holding the stack's objects by name, the section's snake_case (`mcp_servers`, ...).
CATALOG_ATTRIBUTE = {section: snake_case(section) for section in GRANTABLE_OUTPUTS}


def grants_of(catalog: Any, holder: TeamConfig | KeyConfig, kind: Kind) -> tuple[dict[str, list], list[pulumi.Resource]]:
    """A team's or key's grants (`kind`: TEAM or VIRTUAL_KEY): the ids LiteLLM takes, by input, and the catalog's
    objects it waits for. A name the stack does not declare is the platform's (a tenant stack): its exported id,
    and nothing to wait for (the tenant owns no such object)."""
    inputs: dict[str, list] = {}
    objects: list[pulumi.Resource] = []
    for spec in kind.config_fields:
        if spec.references not in CATALOG_ATTRIBUTE:
            continue
        owned = getattr(catalog, CATALOG_ATTRIBUTE[spec.references])
        platform = catalog.platform_grantables.get(spec.references, {})
        names = list(getattr(holder, spec.attribute))
        inputs[spec.name] = [_grant_id(spec.references, n, owned[n]) if n in owned else platform[n] for n in names]
        objects += [owned[n] for n in names if n in owned]
    return inputs, objects


def exported_ids(catalog: Any) -> dict[str, pulumi.Output[dict]]:
    """What a tenant stack may grant of this stack's objects, by output (GRANTABLE_OUTPUTS): {name: the id a grant
    carries}; a section the stack declares nothing of is left out."""
    outputs = {}
    for section, attribute in CATALOG_ATTRIBUTE.items():
        owned: dict[str, pulumi.Resource] = getattr(catalog, attribute)
        if owned:
            names = list(owned)
            outputs[section] = pulumi.Output.all(*[_grant_id(section, n, owned[n]) for n in names]).apply(
                lambda ids, names=names: dict(zip(names, ids)))
    return outputs


def _grant_id(section: str, name: str, resource: pulumi.Resource) -> pulumi.Input[str]:
    id_output = GRANTABLE_OUTPUTS[section]
    return name if id_output is None else getattr(resource, id_output)


def vector_stores(name: str, configs: Sequence[VectorStoreConfig], credentials: Mapping[str, Credential],
                  connection: AdminConnection, opts_for: OptsFor) -> dict[str, VectorStore]:
    """id -> VectorStore, after the credential it names."""
    return {v.id: _vector_store(f"{name}-vector-store-{v.id}", v, connection, credentials.get(v.credential), opts_for)
            for v in configs}


def mcp_toolsets(name: str, configs: Sequence[McpToolsetConfig], servers: Mapping[str, McpServer],
                 connection: AdminConnection, opts_for: OptsFor) -> dict[str, McpToolset]:
    """name -> McpToolset, after the MCP servers its tools name."""
    toolsets = {}
    for config in configs:
        tools = [{"server_id": servers[t.server].server_id, "tool_name": t.tool} for t in config.tools]
        named = {t.server: servers[t.server] for t in config.tools}  # each server once
        toolsets[config.name] = McpToolset(f"{name}-mcp-toolset-{config.name}", connection=connection,
                                           opts=opts_for(*named.values()), **MCP_TOOLSET.inputs(config, tools=tools))
    return toolsets


def search_tools(name: str, configs: Sequence[SearchToolConfig], connection: AdminConnection,
                 opts_for: OptsFor) -> dict[str, SearchTool]:
    """name -> SearchTool; they name no other kind."""
    return {s.name: SearchTool(f"{name}-search-tool-{s.name}", connection=connection, opts=opts_for(),
                               **SEARCH_TOOL.inputs(s)) for s in configs}


def unified_access_groups(name: str, configs: Sequence[UnifiedAccessGroupConfig],
                          models_named: Callable[[Sequence[str]], list[pulumi.Resource]],
                          servers: Mapping[str, McpServer], connection: AdminConnection,
                          opts_for: OptsFor) -> dict[str, UnifiedAccessGroup]:
    """name -> UnifiedAccessGroup, after the models and MCP servers it grants."""
    groups = {}
    for config in configs:
        granted_servers = [servers[n] for n in config.mcp_servers if n in servers]
        groups[config.name] = UnifiedAccessGroup(
            f"{name}-uag-{config.name}", connection=connection,
            opts=opts_for(*models_named(config.models), *granted_servers),
            **UNIFIED_ACCESS_GROUP.inputs(config, access_mcp_server_ids=[s.server_id for s in granted_servers]))
    return groups


def _vector_store(name: str, config: VectorStoreConfig, connection: AdminConnection, credential: Credential | None,
                  opts_for: OptsFor) -> VectorStore:
    opts = opts_for(*([credential] if credential is not None else []))
    inputs = VECTOR_STORE.inputs(config, litellm_credential_name=credential.credential_name if credential is not None
                                 else config.credential)
    if not config.secret_params:
        return VectorStore(name, connection=connection, opts=opts, **inputs)
    # Credentials among the params: a secret input, and secret in the state too (as a guardrail's params).
    return VectorStore(name, connection=connection, **{**inputs, "litellm_params": pulumi.Output.secret(
        dict(config.params))}, opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(
            additional_secret_outputs=["litellm_params"])))
