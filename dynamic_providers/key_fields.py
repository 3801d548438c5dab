"""The virtual key kind's fields (declared in kinds.VIRTUAL_KEY), and how its settings go into a request body.

Kept beside `virtual_key` (the provider) and `key_lifecycle` (its day-2 strategies), which both use it.
"""

from __future__ import annotations

from typing import Any, Mapping

from kinds.declarations import BUDGET, KEY_LIFECYCLE, VIRTUAL_KEY

# The provider's three groups of the declared fields: what LiteLLM stores, the day-2 inputs, the outputs.
KEY_FIELDS = tuple(f for f in VIRTUAL_KEY.input_fields if f.name not in KEY_LIFECYCLE)
LIFECYCLE_FIELDS = tuple(VIRTUAL_KEY.field(name) for name in KEY_LIFECYCLE)
COMPUTED_FIELDS = tuple(f for f in VIRTUAL_KEY.fields if f.computed)
# Written by check(): when the current value was issued, and why the next update rotates or renews.
BOOKKEEPING_INPUTS = ("issued_at", "rotation_due", "renewal_due", "expired")
OUTPUT_FIELDS = ("key", "token", "key_name", "expires")
DAY2_OUTPUTS = ("expired", "held_by_user", "retired", "issued_at")
PROXY_ADMIN = "default_user_id"  # the id older proxies stamp on keys the admin made
# The grants LiteLLM keeps in a key's or team's `object_permission` (MCP server ids, search tool names).
GRANTS = ("mcp_servers", "search_tools")
# Sent as they are when declared (create, adoption, rotation); the body gives the others a form of their own.
SETTINGS = tuple(f.name for f in KEY_FIELDS if f.name not in ("key_alias", "models", "metadata", "blocked", *GRANTS))


def declared_settings(props: Mapping[str, Any]) -> dict[str, Any]:
    """Owner, budget, lifetime, limits and grants as declared (unset ones are left to LiteLLM)."""
    settings = {name: props[name] for name in SETTINGS if props.get(name) is not None}
    grants = object_permission({name: props[name] for name in GRANTS if props.get(name)})
    if grants:
        settings["object_permission"] = grants
    return settings


def object_permission(grants: Mapping[str, Any]) -> dict[str, Any]:
    """The grants (`GRANTS` by name; unset: none) as LiteLLM takes them, inside `object_permission`. LiteLLM merges
    it into the stored row, so a grant not sent is kept and an empty list clears one."""
    return {name: list(grants[name] or []) for name in GRANTS if name in grants}


def mcp_grant(server_ids: Any) -> dict[str, Any]:
    """A key's MCP servers inside `object_permission` (the name earlier releases gave it)."""
    return object_permission({"mcp_servers": server_ids})


def granted(found: Mapping[str, Any]) -> dict[str, Any]:
    """The grants of a key or team LiteLLM read back (`object_permission`); an empty one is unset."""
    permission = found.get("object_permission") or {}
    return {name: permission.get(name) or None for name in GRANTS}


def soft_budget_row(row: Any) -> bool:
    """The budget row LiteLLM makes for a key's own `soft_budget`: a soft budget and no other limit. (A Budget of
    the stack holding only a soft budget looks the same; an import then leaves its budget_id out.)"""
    return isinstance(row, dict) and row.get("soft_budget") is not None and all(
        row.get(f.name) is None for f in BUDGET.fields if f.name not in ("budget_id", "soft_budget"))
