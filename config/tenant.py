"""`platformStack`: a tenant stack, holding only teams, users, budgets and keys (and `existing` references), on the gateway of a platform stack.

The platform stack is the one that runs (or names) the gateway and declares models, credentials, guardrails and the
rest; it exports what a tenant needs (`gatewayUrl`, `masterKey` as a secret, `models`, `accessGroups`, and the
objects teams and keys are granted by name: GRANTABLE_OUTPUTS). A tenant reads them through a `pulumi.StackReference`
at preview (`resolve.platform`), so a model, access group or grantable the platform lacks is a config error naming
the tenant's key, before anything is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Mapping

from config.access_groups import AccessGroupConfig
from config.keys_file import KEYS_FROM
from config.reader import Reader
from kinds.declarations import MCP_SERVER, MCP_TOOLSET, SEARCH_TOOL, UNIFIED_ACCESS_GROUP, VECTOR_STORE

PLATFORM_STACK = "platformStack"
# What a tenant may declare; everything else configures the gateway or the platform's shared objects.
TENANT_KEYS = (PLATFORM_STACK, "teams", "users", "budgets", "keys", KEYS_FROM, "adminApi", "existing")
# The platform stack outputs a tenant reads (exported by __main__.py).
GATEWAY_URL_OUTPUT, MASTER_KEY_OUTPUT, MODELS_OUTPUT, ACCESS_GROUPS_OUTPUT = \
    "gatewayUrl", "masterKey", "models", "accessGroups"
# The platform's objects a tenant's keys and teams may be granted by name, each exported under its config section as
# {name: what a grant carries}: the value of the resource output named here (LiteLLM's id, assigned by the server)
# or, for None, the name itself (a vector store's id and a search tool's name are what the grants hold).
GRANTABLE_OUTPUTS: dict[str, str | None] = {
    MCP_SERVER.section: MCP_SERVER.id_field, VECTOR_STORE.section: None, MCP_TOOLSET.section: MCP_TOOLSET.id_field,
    SEARCH_TOOL.section: None, UNIFIED_ACCESS_GROUP.section: UNIFIED_ACCESS_GROUP.id_field}


@dataclass(frozen=True)
class PlatformConfig:
    """The platform stack a tenant runs on: its name, gateway connection (Outputs), model and group names, and its
    grantables (`grantables[section][name]`: the id a grant carries, by GRANTABLE_OUTPUTS)."""

    stack: str
    models: frozenset[str] = frozenset()
    access_groups: tuple[AccessGroupConfig, ...] = ()
    grantables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    gateway_url: Any = None  # pulumi.Output[str]
    master_key: Any = field(default=None, repr=False)  # secret pulumi.Output[str]


def check_tenant_keys(top: Reader, platform: str) -> None:
    """A tenant declares tenant kinds only: each platform key is refused, naming it."""
    for key in top.data:
        if key not in TENANT_KEYS:
            top.fail_key(key, f"is a platform setting; a tenant stack (platformStack {platform!r}) declares only "
                         f"{', '.join(k for k in TENANT_KEYS if k != PLATFORM_STACK)}. Fix: set it in the platform "
                         f"stack and `pulumi config rm {key}` here")


def grantable_names(tenant_of: PlatformConfig | None, section: str, declared: Collection[str]) -> set[str]:
    """The names a team or key may grant of `section`: the platform's in a tenant stack, else the stack's own."""
    return set(tenant_of.grantables.get(section, {})) if tenant_of is not None else set(declared)
