"""A user's membership of a LiteLLM team (`POST /team/member_add`) as the dynamic resource `litellm:TeamMember`.

One resource per (team, user); its id is `<team_id>/<user_id>` (adopt an existing member with that id). The team
and the user replace the membership; `role` and the per-member budget (`max_budget_in_team`, kept by LiteLLM in
a budget row of `LiteLLM_TeamMembership`) update in place through `/team/member_update`. Read from `/team/info`
(`members_with_roles` for the role, `team_memberships` for the budget). Traps of LiteLLM 1.108.7, handled:
- `/team/member_update` of a non-member answers 200 and writes an orphan membership row: an update first checks
  that the user is a member, and otherwise fails with the refresh hint;
- a second `/team/member_add` answers 400 "User already in team": after a lost answer the member is found and kept;
- `role: admin` is Enterprise-only on member_add/member_update (the stack config refuses it at preview).

API: `TeamMemberProvider` is pickled by reference into every TeamMember's state; the module path
`dynamic_providers.team_member` and the class names are stable API. Never rename or move them.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi.dynamic import CheckFailure
from pulumi.runtime import rpc

from kinds.declarations import TEAM_MEMBER
from dynamic_providers.object_provider import ObjectProvider
from dynamic_providers.provider_base import LiteLLMResource, is_unknown


def member_id(team_id: str, user_id: str) -> str:
    return f"{team_id}/{user_id}"


class TeamMemberProvider(ObjectProvider):
    """CRUD for `litellm:TeamMember` against the LiteLLM admin API. Stateless; pickled by reference."""

    kind = TEAM_MEMBER.name
    fields = TEAM_MEMBER.fields
    id_field = TEAM_MEMBER.id_field
    generates_id = False

    def check_resource(self, olds, inputs, failures):
        team_id, user_id = inputs.get("team_id"), inputs.get("user_id")
        if is_unknown(team_id) or is_unknown(user_id):
            inputs["member_id"] = rpc.UNKNOWN  # the team is new or replaced: known at `up`
        elif "/" in str(team_id):
            failures.append(CheckFailure("team_id", f"team_id {team_id!r} must not contain '/' (the member id is "
                                         "<team_id>/<user_id>)"))
        else:
            inputs["member_id"] = member_id(team_id, user_id)

    def create_body(self, props):
        # /team/member_add requires a role (422 without one); unset in the stack config means a plain member.
        member = {"user_id": props["user_id"], "role": props.get("role") or "user"}
        body: dict[str, Any] = {"team_id": props["team_id"], "member": member}
        if props.get("max_budget_in_team") is not None:
            body["max_budget_in_team"] = props["max_budget_in_team"]
        return body

    def send_create(self, api, body):
        return api.team_member_add(body)

    def fetch(self, api, object_id) -> Optional[dict[str, Any]]:
        team_id, _, user_id = object_id.partition("/")
        team = api.team_members(team_id) if team_id and user_id else None
        if team is None:
            return None
        role = next((m.get("role") for m in team.get("members_with_roles") or []
                     if isinstance(m, dict) and m.get("user_id") == user_id), None)
        if role is None:
            return None  # a membership row without a members_with_roles entry is LiteLLM's orphan, not a member
        membership = next((m for m in team.get("team_memberships") or []
                           if isinstance(m, dict) and m.get("user_id") == user_id), {})
        budget = (membership.get("litellm_budget_table") or {}).get("max_budget")
        return {"member_id": object_id, "team_id": team_id, "user_id": user_id, "role": role,
                "max_budget_in_team": budget}

    def send_update(self, api, object_id, body):
        if self.fetch(api, object_id) is None:  # member_update of a non-member answers 200 with an orphan row
            raise api.error("POST", "/team/member_update", 404, f"team member {object_id} not found")
        team_id, _, user_id = object_id.partition("/")
        fields = {k: v for k, v in body.items() if k in ("role", "max_budget_in_team")}
        return api.team_member_update({"team_id": team_id, "user_id": user_id, **fields})

    def delete_before_replace(self, olds, news):
        return True  # see TeamMember: never adopt-then-remove one (team, user)

    def send_delete(self, api, object_id, props):
        team_id, _, user_id = object_id.partition("/")
        # /team/member_delete leaves the membership's budget row (max_budget_in_team); only the membership uses it.
        team = api.team_members(team_id) or {}
        membership = next((m for m in team.get("team_memberships") or []
                           if isinstance(m, dict) and m.get("user_id") == user_id), {})
        deleted = api.team_member_delete(team_id, user_id)
        api.budget_row_delete(membership.get("budget_id"))
        return deleted


class TeamMember(LiteLLMResource, module="litellm", name="TeamMember"):
    """A user's membership of a LiteLLM team; inputs: `kinds.TEAM_MEMBER`'s fields. Type token `pulumi-python:dynamic/litellm:TeamMember`."""

    provider_class = TeamMemberProvider
    member_id: pulumi.Output[str]
    # Delete first: a create-before-delete of the same (team, user) would adopt the member, then remove it.
    register_options = {"delete_before_replace": True}
