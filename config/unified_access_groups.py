"""`unifiedAccessGroups[]`: LiteLLM unified access groups (fields: kinds/declarations.py's UNIFIED_ACCESS_GROUP),
and the holders' side: `teams[].unifiedAccessGroups` and `keys[].unifiedAccessGroups` name only declared groups."""

from __future__ import annotations

from typing import Any, Collection, Sequence

from config.kind_reader import check_reference, read_entries
from config.reader import Reader
from kinds.declarations import UNIFIED_ACCESS_GROUP

UNIFIED_ACCESS_GROUP_KEYS = UNIFIED_ACCESS_GROUP.config_keys
UnifiedAccessGroupConfig = UNIFIED_ACCESS_GROUP.config_class(
    "UnifiedAccessGroupConfig", __name__, "A unified access group (`unifiedAccessGroups[]`): models and MCP servers "
    "(by name) that the teams and keys naming the group may use.")


def parse_unified_access_groups(top: Reader, declared_models: Collection[str],
                                declared_mcp_servers: Collection[str]) -> tuple[Any, ...]:
    """The groups; their models and MCP servers name declared ones (LiteLLM itself stores any model name)."""
    declared = {"models": declared_models, "mcpServers": declared_mcp_servers}
    return tuple(UnifiedAccessGroupConfig(**values)
                 for _, values in read_entries(top, UNIFIED_ACCESS_GROUP, declared=declared))


def check_team_groups(top: Reader, teams: Sequence[Any], groups: Collection[str]) -> None:
    """`teams[N].unifiedAccessGroups` names declared groups (keys are checked by their own reader: some come from
    the `keysFrom` file)."""
    for index, team in enumerate(teams):
        if team.unified_access_groups:
            check_reference(top, f"teams[{index}].unifiedAccessGroups", team.unified_access_groups, groups,
                            UNIFIED_ACCESS_GROUP.section)
