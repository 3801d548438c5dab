"""The grants of keys and teams: the MCP servers, MCP toolsets, vector stores and search tools a holder may use,
which LiteLLM keeps in the holder's `object_permission` row (free in 1.108.7), and the guard that keeps a platform
stack from deleting what other stacks' keys and teams still hold."""

from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple, Optional

from dynamic_providers.provider_base import owner_of

# The grant inputs of keys and teams, named as LiteLLM's `object_permission` keys (lists of object ids).
GRANTS = ("mcp_servers", "mcp_toolsets", "vector_stores", "search_tools")


class HeldAs(NamedTuple):
    """How keys and teams hold a grant of a kind: the holder's field (a GRANTS name, or `access_group_ids`), the
    delete call ("DELETE /v1/mcp/server/{id}") refused while another stack's holder has it, and the input a grant
    carries (None: the object's id)."""

    field: str
    delete: str
    carries: Optional[str] = None


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


def holds_grant(item: Mapping[str, Any], field: str, value: str) -> bool:
    """Whether a key or team carries `value` in `field`: a GRANTS name (inside `object_permission`) or a top-level
    list such as `access_group_ids`."""
    held = granted(item, field) if field in GRANTS else item.get(field)
    return value in (held or [])


def other_stacks_holders(api: Any, holds: Callable[[Mapping[str, Any]], bool], this_stack: Optional[str] = None, *,
                         team_grants: bool = False) -> dict[str, list[str]]:
    """{stack: ["key a1", "team course-a"]}: the keys and teams stamped by a stack other than `this_stack` (None: any
    stamped one) for which `holds` is true. Unstamped ones (made by hand, or before the stamp) are not counted.
    `team_grants`: `/team/list` shows a team's `object_permission_id` only, so each team of another stack that has
    one is read once more (`/team/info`); keys come with theirs (`/key/list?return_full_object=true`)."""
    holders: dict[str, list[str]] = {}
    for kind, items in (("key", api.list_keys()), ("team", api.list_teams())):
        for item in items:
            stack = owner_of(item)
            if not stack or stack == this_stack:
                continue
            if kind == "team" and team_grants and not item.get("object_permission") \
                    and item.get("object_permission_id"):
                item = {**item, "object_permission": api.team_object_permission(item["team_id"])}
            if holds(item):
                holders.setdefault(stack, []).append(f"{kind} {item.get(f'{kind}_alias') or '?'!s}")
    return holders


def refuse_while_held(api: Any, call: str, what: str, holders: Mapping[str, list[str]]) -> None:
    """Refuse (409, as the delete `call`, "POST /model/delete") the delete of `what` while keys or teams of other
    stacks (`other_stacks_holders`) still hold it: their users would be cut off, or keep a grant of nothing that a
    new object with the same id or name would silently honour."""
    if holders:
        method, endpoint = call.split(" ", 1)
        held = "; ".join(f"{stack} ({', '.join(sorted(names))})" for stack, names in sorted(holders.items()))
        raise api.error(method, endpoint, 409, f"{what} was not deleted: tenant stacks still use it: {held}",
                        hint="remove it from those stacks (or `pulumi destroy` them) first, then run this again")
