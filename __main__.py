"""LiteMaaS stack: read the validated stack config, resolve what it names, build the platform, export what admins
hand out."""

from pathlib import Path

import pulumi

from components.litellm_grants import exported_ids
from components.litemaas import LiteMaaS
from litemaas_common import sdk_patches
from resolve import load_stack_config

# 1.6 KB less state per resource, and the end-of-program wait without its N² loop; see the module.
sdk_patches.install(Path(__file__).resolve().parent)
config = load_stack_config()  # read, checked, and what it names read from the platform stack and the cluster
litemaas = LiteMaaS("litemaas", config)

pulumi.export("gatewayUrl", litemaas.gateway_url)
pulumi.export("adminUiUrl", litemaas.admin_ui_url)
pulumi.export("adminUsername", litemaas.admin_username)
pulumi.export("adminPassword",
              None if litemaas.admin_password is None else pulumi.Output.secret(litemaas.admin_password))
pulumi.export("masterKey", pulumi.Output.secret(litemaas.master_key))
pulumi.export("namespace", litemaas.namespace)
pulumi.export("models", litemaas.catalog.model_names)
# What a tenant stack (`platformStack`) reads through its StackReference, besides gatewayUrl and masterKey.
if config.tenant_of is None and config.access_groups.groups:
    pulumi.export("accessGroups", {g.name: list(g.models) for g in config.access_groups.groups})
if config.tenant_of is None:  # the objects a tenant's teams and keys may be granted: {name: id}, by config section
    for output, ids in exported_ids(litemaas.catalog).items():
        pulumi.export(output, ids)
if config.tenant_of is not None:
    pulumi.export("platformStack", config.tenant_of.stack)  # how `litemaas status --all` finds the tenants
pulumi.export("teams", litemaas.catalog.team_ids)
pulumi.export("keys", pulumi.Output.secret(litemaas.catalog.key_details))
pulumi.export("webAppUrl", litemaas.web_app_url)  # None while backend.enabled is false
pulumi.export("webAppAdminApiKey",
              None if litemaas.web_app_admin_api_key is None else pulumi.Output.secret(litemaas.web_app_admin_api_key))
# The message to send each key's user is `litemaas handoff ALIAS` (made from `keys`, with the gateway's live budget).
