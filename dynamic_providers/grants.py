"""The grants of keys and teams: the MCP servers, MCP toolsets, vector stores and search tools a holder may use,
which LiteLLM keeps in the holder's `object_permission` row (free in 1.108.7)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

# The grant inputs of keys and teams, named as LiteLLM's `object_permission` keys (lists of object ids).
GRANTS = ("mcp_servers", "mcp_toolsets", "vector_stores", "search_tools")


def with_grants(body: dict[str, Any]) -> dict[str, Any]:
    """`body` with its grant inputs moved into one `object_permission`. LiteLLM merges that object over the stored
    row, so a grant left out is kept, and two grants in two objects would lose one: they travel together. A removed
    grant is sent as [] (revoked)."""
    grants = {name: list(body.pop(name) or []) for name in GRANTS if name in body}
    if grants:
        body["object_permission"] = grants
    return body


def granted(found: Mapping[str, Any], name: str) -> Optional[list[str]]:
    """A holder's grant as LiteLLM answers it (None: nothing granted)."""
    return (found.get("object_permission") or {}).get(name) or None
