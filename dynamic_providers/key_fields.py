"""The virtual key kind's field table, and how its settings go into a request body.

Kept beside `virtual_key` (the provider) and `key_lifecycle` (its day-2 strategies), which both use it.
"""

from __future__ import annotations

from typing import Any, Mapping

from dynamic_providers.provider_base import Field

KEY_FIELDS = (
    Field("key_alias", "str", required=True),
    Field("models", "list"),
    Field("team_id", "str"),
    Field("user_id", "str"),
    Field("max_budget", "number", minimum=0),
    Field("soft_budget", "number", minimum=0),
    Field("budget_duration", "str", duration=True),
    Field("duration", "str", duration=True),
    Field("tpm_limit", "int", minimum=0),
    Field("rpm_limit", "int", minimum=0),
    Field("max_parallel_requests", "int", minimum=1),
    Field("metadata", "dict"),
    Field("blocked", "bool"),
    Field("allowed_routes", "list"),  # e.g. ["/metrics"]: a key that may call nothing else
    Field("budget_id", "str"),  # a litellm:Budget whose limits apply (the key's own limits win where set)
    # Enterprise-only in 1.108.7 (403 without a licence; the stack config refuses them unless litellmEnterprise).
    # LiteLLM keeps both inside the key's metadata.
    Field("tags", "list", unordered=True),
    Field("guardrails", "list", unordered=True),
    # MCP servers the key may use (`object_permission.mcp_servers`, free in 1.108.7): server ids.
    Field("mcp_servers", "list"),
)
# Day-2 inputs: they steer create/update but are never sent to LiteLLM as such, and changing one alone is no diff.
LIFECYCLE_FIELDS = (
    Field("rotation", "str"),
    Field("rotate_every", "str", duration=True),
    Field("rotation_grace_period", "str"),
    Field("renew", "bool"),
    Field("adopt", "bool"),
    Field("token_hash", "str"),
)
# Written by check(): when the current value was issued, and why the next update rotates or renews.
BOOKKEEPING_INPUTS = ("issued_at", "rotation_due", "renewal_due", "expired")
COMPUTED_FIELDS = (
    Field("key", "str", secret=True, computed=True),  # the raw value; None for an imported or adopted key
    Field("token", "str", computed=True),  # the current value's hash (the id stays the first one's)
    Field("key_name", "str", computed=True),
    Field("expires", "str", computed=True),
    Field("expired", "bool", computed=True),
    Field("held_by_user", "bool", computed=True),
    Field("retired", "list", computed=True),
)
OUTPUT_FIELDS = ("key", "token", "key_name", "expires")
DAY2_OUTPUTS = ("expired", "held_by_user", "retired", "issued_at")
PROXY_ADMIN = "default_user_id"  # the id older proxies stamp on keys the admin made
# Sent as they are when declared (create, adoption, rotation).
SETTINGS = ("team_id", "user_id", "max_budget", "soft_budget", "budget_duration", "duration", "tpm_limit",
            "rpm_limit", "max_parallel_requests", "allowed_routes", "budget_id", "tags", "guardrails")


def declared_settings(props: Mapping[str, Any]) -> dict[str, Any]:
    """Owner, budget, lifetime, limits and MCP grant as declared (unset ones are left to LiteLLM)."""
    settings = {name: props[name] for name in SETTINGS if props.get(name) is not None}
    if props.get("mcp_servers"):
        settings["object_permission"] = mcp_grant(props["mcp_servers"])
    return settings


def mcp_grant(server_ids: Any) -> dict[str, Any]:
    """LiteLLM takes a key's MCP servers inside `object_permission` (merged there: other grants are kept)."""
    return {"mcp_servers": list(server_ids or [])}


def soft_budget_row(row: Any) -> bool:
    """The budget row LiteLLM makes for a key's own `soft_budget`: a soft budget and no other limit. (A Budget of
    the stack holding only a soft budget looks the same; an import then leaves its budget_id out.)"""
    return isinstance(row, dict) and row.get("soft_budget") is not None and all(
        row.get(name) is None for name in ("max_budget", "budget_duration", "tpm_limit", "rpm_limit",
                                           "max_parallel_requests"))
