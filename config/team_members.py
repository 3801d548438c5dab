"""`teams[].members[]`: users in a team, with their team role and per-member budget (a set: order means nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from config.reader import Reader, list_items, unique
from config.references import ENTERPRISE_HINT

MEMBER_KEYS = ["user", "role", "maxBudgetInTeam"]
MEMBER_ROLES = ("user", "admin")


@dataclass(frozen=True)
class MemberConfig:
    """One member of a team; `user` is a users[] id (then `managed`) or the id of a user the stack does not manage."""

    user: str
    role: Optional[str] = None  # None: a plain member (`user`)
    max_budget_in_team: Optional[float] = None
    managed: bool = False


def parse_members(team: Reader, users: Mapping[str, object], enterprise: bool) -> tuple[MemberConfig, ...]:
    members = []
    seen: dict[str, str] = {}
    for item in list_items(team, "members", MEMBER_KEYS):
        user = item.string("user", required=True)
        unique(item, "user", user, seen, "team member")
        role = item.string("role", check=lambda v: None if v in MEMBER_ROLES else
                           "is not a team member role; use user (or admin, with a LiteLLM Enterprise licence)")
        if role == "admin" and not enterprise:
            item.fail_key("role", f"admin (a team admin) {ENTERPRISE_HINT}")
        if user is None:
            continue
        members.append(MemberConfig(user=user, role=role, max_budget_in_team=item.number("maxBudgetInTeam"),
                                    managed=user in users))
    return tuple(members)
