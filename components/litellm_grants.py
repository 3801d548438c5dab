"""What teams and keys of the LiteLLM catalog are granted by name: vector stores, MCP toolsets, search tools and
unified access groups. Each is made after what it names and deleted before it; a holder gets their ids and waits
for them, so it loses a grant before the granted object goes."""

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
from kinds.declarations import MCP_TOOLSET, SEARCH_TOOL, UNIFIED_ACCESS_GROUP, VECTOR_STORE

OptsFor = Callable[..., pulumi.ResourceOptions]
# By the holder's input: the config field naming the objects, the catalog's attribute holding them, and the output
# that is their id (None: the config's name is the id, known at preview).
GRANTABLE = {"vector_stores": ("vector_stores", "vector_stores", None),
             "mcp_toolsets": ("mcp_toolsets", "mcp_toolsets", "toolset_id"),
             "search_tools": ("search_tools", "search_tools", None),
             "access_group_ids": ("unified_access_groups", "unified_access_groups", "access_group_id")}


def grants_of(catalog: Any, holder: TeamConfig | KeyConfig) -> tuple[dict[str, list], list[pulumi.Resource]]:
    """A team's or key's grants: the ids LiteLLM takes, by input, and the catalog's objects it waits for."""
    inputs: dict[str, list] = {}
    objects: list[pulumi.Resource] = []
    for grant, (config_attribute, catalog_attribute, id_output) in GRANTABLE.items():
        names = list(getattr(holder, config_attribute))
        named = [getattr(catalog, catalog_attribute)[n] for n in names]
        inputs[grant] = names if id_output is None else [getattr(resource, id_output) for resource in named]
        objects += named
    return inputs, objects


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
