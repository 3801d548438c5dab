"""`platformStack`: a tenant stack, holding only teams, users, budgets and keys, on the gateway of a platform stack.

The platform stack is the one that runs (or names) the gateway and declares models, credentials, guardrails and the
rest; it exports what a tenant needs (`gatewayUrl`, `masterKey` as a secret, `models`, `accessGroups`). A tenant
reads them through a `pulumi.StackReference` at preview, so a model or access group the platform lacks is a config
error naming the tenant's key, before anything is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import pulumi

from config.access_groups import AccessGroupConfig
from config.keys_file import KEYS_FROM
from config.reader import ConfigError, PROJECT, Reader

PLATFORM_STACK = "platformStack"
# What a tenant may declare; everything else configures the gateway or the platform's shared objects.
TENANT_KEYS = (PLATFORM_STACK, "teams", "users", "budgets", "keys", KEYS_FROM, "adminApi")
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


def read_platform(stack: str) -> PlatformConfig:
    """The platform stack's outputs through a StackReference, waited for now so the config can be checked at preview.

    The engine reads a stack reference during preview too; its outputs are known unless the platform has never
    been deployed.
    """
    # Blocking here, the config is checked (and refused as one ConfigError) before any resource is declared.
    from litemaas_common.sdk_patches import wait_for

    # Named after the config key: the engine's own error for a stack that does not exist (it stops the program
    # before the read returns) then reads `pulumi:pulumi:StackReference (platformStack): … unknown stack "…"`.
    reference = pulumi.StackReference(PLATFORM_STACK, stack_name=stack)
    outputs: Optional[Mapping[str, Any]] = wait_for(reference.outputs.future())
    outputs = outputs or {}
    missing = [n for n in (GATEWAY_URL_OUTPUT, MASTER_KEY_OUTPUT) if not outputs.get(n)]
    if missing:
        raise ConfigError(f"Invalid stack config:\n  - {PROJECT}:{PLATFORM_STACK}: stack {stack!r} exports no "
                          f"{' or '.join(missing)}; run `pulumi up` on the platform stack first (a LiteMaaS "
                          "platform stack exports them)")
    groups = outputs.get(ACCESS_GROUPS_OUTPUT) or {}
    return PlatformConfig(
        stack=stack, models=frozenset(outputs.get(MODELS_OUTPUT) or ()),
        access_groups=tuple(AccessGroupConfig(name, tuple(models)) for name, models in sorted(groups.items())),
        gateway_url=reference.get_output(GATEWAY_URL_OUTPUT),
        master_key=pulumi.Output.secret(reference.get_output(MASTER_KEY_OUTPUT)))

