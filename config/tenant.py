"""`platformStack`: a tenant stack, holding only teams, users, budgets and keys (and `existing` references), on the gateway of a platform stack.

The platform stack is the one that runs (or names) the gateway and declares models, credentials, guardrails and the
rest; it exports what a tenant needs (`gatewayUrl`, `masterKey` as a secret, `models`, `accessGroups`). A tenant
reads them through a `pulumi.StackReference` at preview (`resolve.platform`), so a model or access group the platform
lacks is a config error naming the tenant's key, before anything is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from config.access_groups import AccessGroupConfig
from config.keys_file import KEYS_FROM
from config.reader import Reader

PLATFORM_STACK = "platformStack"
# What a tenant may declare; everything else configures the gateway or the platform's shared objects.
TENANT_KEYS = (PLATFORM_STACK, "teams", "users", "budgets", "keys", KEYS_FROM, "adminApi", "existing")
# The platform stack outputs a tenant reads (exported by __main__.py).
GATEWAY_URL_OUTPUT, MASTER_KEY_OUTPUT, MODELS_OUTPUT, ACCESS_GROUPS_OUTPUT = \
    "gatewayUrl", "masterKey", "models", "accessGroups"


@dataclass(frozen=True)
class PlatformConfig:
    """The platform stack a tenant runs on: its name, gateway connection (Outputs) and model and group names."""

    stack: str
    models: frozenset[str] = frozenset()
    access_groups: tuple[AccessGroupConfig, ...] = ()
    gateway_url: Any = None  # pulumi.Output[str]
    master_key: Any = field(default=None, repr=False)  # secret pulumi.Output[str]


def check_tenant_keys(top: Reader, platform: str) -> None:
    """A tenant declares tenant kinds only: each platform key is refused, naming it."""
    for key in top.data:
        if key not in TENANT_KEYS:
            top.fail_key(key, f"is a platform setting; a tenant stack (platformStack {platform!r}) declares only "
                         f"{', '.join(k for k in TENANT_KEYS if k != PLATFORM_STACK)}. Fix: set it in the platform "
                         f"stack and `pulumi config rm {key}` here")
