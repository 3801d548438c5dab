"""`teams[]`: LiteLLM teams (fields: kinds/declarations.py's TEAM). Beside the declared fields a team holds its
`members` (config/team_members.py), `accessGroups` (read by config/access_groups.py) and `previousAlias`."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any, Mapping, Optional, Sequence

from config.kind_reader import read_entries
from config.reader import Reader
from config.team_members import MemberConfig, parse_members
from config.users import UserConfig
from kinds.declarations import TEAM

# The keys a team holds beyond its declared fields.
TEAM_EXTRA_KEYS = ("accessGroups", "members", "previousAlias")
TEAM_KEYS = [*TEAM.config_keys, *TEAM_EXTRA_KEYS]
TeamConfig = TEAM.config_class(
    "TeamConfig", __name__, "A LiteLLM team (`teams[]`); `members`: one litellm:TeamMember each; `previous_alias`: "
    "the alias before a rename (the same LiteLLM team, updated in place).",
    extra=(("members", tuple[MemberConfig, ...], dataclass_field(default=())),
           ("previous_alias", Optional[str], dataclass_field(default=None))))


def parse_teams(top: Reader, declared_models: set[str], users: Optional[Mapping[str, UserConfig]] = None,
                enterprise: bool = False) -> tuple[Any, ...]:
    """The teams; their tags and guardrails are checked against `tags[]`/`guardrails[]` by config/tag.py."""
    entries = read_entries(top, TEAM, extra_keys=TEAM_EXTRA_KEYS, declared={"models": declared_models})
    teams = [TeamConfig(**values, members=parse_members(item, users or {}, enterprise),
                        previous_alias=item.string("previousAlias")) for item, values in entries]
    check_previous_aliases([item for item, _ in entries], teams, "team")
    return tuple(teams)


def check_previous_aliases(items: Sequence[Reader], entries: Sequence[Any], kind: str) -> None:
    """A `previousAlias` names what this entry (a team or a key) was called; it cannot also be an entry of today or
    another's past."""
    current = {e.alias for e in entries}
    claimed: dict[str, str] = {}
    for item, entry in zip(items, entries):
        previous = entry.previous_alias
        if previous is None:
            continue
        if previous in current:
            item.fail_key("previousAlias", f"{previous!r} is the alias of a {kind} of this stack; previousAlias names "
                          f"the alias this {kind} had before a rename (remove it once the rename is applied)")
        elif previous in claimed:
            item.fail_key("previousAlias", f"{previous!r} is already the previousAlias of {kind} {claimed[previous]!r}; "
                          f"one old {kind} can become only one new one")
        else:
            claimed[previous] = entry.alias
