"""`teams[].members[]`: users in a team, with their team role and per-member budget (a set: order means nothing)."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any, Mapping

from config.kind_reader import read_entries
from config.reader import Reader
from config.references import ENTERPRISE_HINT
from kinds.declarations import TEAM_MEMBER

MEMBER_KEYS = TEAM_MEMBER.config_keys
MemberConfig = TEAM_MEMBER.config_class(
    "MemberConfig", __name__, "One member of a team; `user` is a users[] id (then `managed`) or the id of a user the "
    "stack does not manage.", extra=(("managed", bool, dataclass_field(default=False)),))


def parse_members(team: Reader, users: Mapping[str, object], enterprise: bool) -> tuple[Any, ...]:
    members = []
    for item, values in read_entries(team, TEAM_MEMBER):
        if values["role"] == "admin" and not enterprise:
            item.fail_key("role", f"admin (a team admin) {ENTERPRISE_HINT}")
        if values["user"]:
            members.append(MemberConfig(**values, managed=values["user"] in users))
    return tuple(members)
