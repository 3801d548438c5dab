"""The LiteLLM catalog as Pulumi dynamic-provider resources, one module per kind: `model`, `credential`,
`fallback`, `team`, `team_member`, `user`, `budget`, `tag`, `guardrail`, `mcp_server`, `mcp_toolset`,
`virtual_key`; and the guards of the deployment (`salt_key`, `database_home`, `database_volume`).

The provider classes are pickled by reference into the stack state, so these module paths and the class names
in them are stable API (docs/dynamic-providers.md lists every kind). Import the resources from those modules;
this package imports nothing eagerly so that loading one provider in the provider host does not pull in the
others.
"""
