"""A tenant stack's platform (`platformStack`): the platform stack's outputs, read before the tenant's config is
checked against them (config/tenant.py says what a tenant may declare)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import pulumi

from config.access_groups import AccessGroupConfig
from config.reader import ConfigError, PROJECT
from config.tenant import ACCESS_GROUPS_OUTPUT, GATEWAY_URL_OUTPUT, GRANTABLE_OUTPUTS, MASTER_KEY_OUTPUT, MODELS_OUTPUT, \
    PLATFORM_STACK, PlatformConfig
from litemaas_common.sdk_patches import wait_for


def read_platform(stack: str) -> PlatformConfig:
    """The platform stack's outputs through a StackReference, waited for now so the config can be checked at preview.

    The engine reads a stack reference during preview too; its outputs are known unless the platform has never
    been deployed.
    """
    # Named after the config key: the engine's own error for a stack that does not exist (it stops the program
    # before the read returns) then reads `pulumi:pulumi:StackReference (platformStack): … unknown stack "…"`.
    reference = pulumi.StackReference(PLATFORM_STACK, stack_name=stack)
    # Blocking here, the config is checked (and refused as one ConfigError) before any resource is declared.
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
        grantables={section: dict(outputs.get(section) or {}) for section in GRANTABLE_OUTPUTS},
        gateway_url=reference.get_output(GATEWAY_URL_OUTPUT),
        master_key=pulumi.Output.secret(reference.get_output(MASTER_KEY_OUTPUT)))
