"""`teams[]`: LiteLLM teams (fields: kinds/declarations.py's TEAM). Beside the declared fields a team holds its
`members` (config/team_members.py), `accessGroups` (read by config/access_groups.py) and `previousAlias`."""

from __future__ import annotations

from dataclasses import field as dataclass_field
from typing import Any, Collection, Mapping, Optional

from config.kind_reader import read_entries
from config.reader import Reader
from config.references import check_previous_aliases
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
                enterprise: bool = False, vector_stores: Optional[Collection[str]] = None,
                search_tools: Collection[str] = ()) -> tuple[Any, ...]:
    """The teams; their tags and guardrails are checked against `tags[]`/`guardrails[]` by config/tag.py, their
    vector stores against `vector_stores` (the declared ids; None: not checked), their search tools against
    `search_tools` (the declared names)."""
    declared = {"models": declared_models, "searchTools": search_tools,
                **({"vectorStores": vector_stores} if vector_stores is not None else {})}
    entries = read_entries(top, TEAM, extra_keys=TEAM_EXTRA_KEYS, declared=declared)
    teams = [TeamConfig(**values, members=parse_members(item, users or {}, enterprise),
                        previous_alias=item.string("previousAlias")) for item, values in entries]
    check_previous_aliases([item for item, _ in entries], teams, "team")
    return tuple(teams)
