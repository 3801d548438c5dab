"""`accessGroups[]`: named sets of models that keys and teams grant by name (`keys[].accessGroups`,
`teams[].accessGroups`), so adding a model to a group reaches every holder with one config change.

A group is LiteLLM's model access group: the name in each member model's `model_info.access_groups`, and the same
name in a holder's `models` list (see docs/dynamic-providers.md, "Access groups", for why not `/v1/access_group`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from config.reader import MISSING, Reader, list_items, unique

ACCESS_GROUP_KEYS = ["name", "models"]


@dataclass(frozen=True)
class AccessGroupConfig:
    name: str
    models: tuple[str, ...]


@dataclass(frozen=True)
class AccessGroupsConfig:
    """The groups, and which groups each key (by alias) and team (by alias) grants."""

    groups: tuple[AccessGroupConfig, ...] = ()
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    teams: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def of_model(self, model: str) -> tuple[str, ...]:
        """The groups a model is in, sorted (what its `model_info.access_groups` holds)."""
        return tuple(sorted(g.name for g in self.groups if model in g.models))

    def models_of(self, names: tuple[str, ...]) -> tuple[str, ...]:
        by_name = {g.name: g for g in self.groups}
        return tuple(dict.fromkeys(m for n in names if n in by_name for m in by_name[n].models))


def parse_access_groups(top: Reader, declared_models: set[str], models_with_own_groups: Mapping[str, str],
                        key_teams: Mapping[str, str | None], team_models: Mapping[str, tuple[str, ...]],
                        key_models: Mapping[str, tuple[str, ...]],
                        file_keys: Sequence[Reader] = (),
                        inherited: tuple[AccessGroupConfig, ...] = ()) -> AccessGroupsConfig:
    """`accessGroups[]` and the `accessGroups` lists of `keys[]` / `teams[]` (their other keys: config.catalog).

    models_with_own_groups: model name -> key path of a `modelInfo.access_groups` (a second owner: refused).
    file_keys: the `keysFrom` entries, whose problems name their file line.
    inherited: a tenant stack's groups, which its platform stack declares.
    """
    file_readers = {r.raw("alias"): r for r in file_keys}

    def fail_key(alias: str, key: str, message: str) -> None:
        if alias in file_readers:
            file_readers[alias].fail_key(key, message)
            return
        items = top.raw("keys")
        index = next(i for i, item in enumerate(items) if isinstance(item, dict) and item.get("alias") == alias)
        top.problems.append(f"litemaas:keys[{index}].{key}: {message}")

    groups = list(inherited)
    names: dict[str, str] = {}
    listed_models = ", ".join(sorted(declared_models)) or "none"
    for item in list_items(top, "accessGroups", ACCESS_GROUP_KEYS):
        name = item.string("name", required=True)
        unique(item, "name", name, names, "access group name")
        if name in declared_models:
            item.fail_key("name", f"{name!r} is also a model name; LiteLLM would read a holder's {name!r} as both: "
                          "choose another group name")
        models = item.string_list("models")
        if not models and item.raw("models") in (MISSING, None, []):
            item.fail_key("models", "lists no models; a group grants its models (e.g. `models: [granite-8b]`), or "
                          "remove the group")
        unknown = [m for m in models if m not in declared_models]
        if unknown:
            item.fail_key("models", f"names model(s) the stack does not declare: {', '.join(unknown)}; declared "
                          f"models: {listed_models}")
        if name:
            groups.append(AccessGroupConfig(name, models))
    if groups:
        for model, path in models_with_own_groups.items():
            top.problems.append(f"litemaas:{path}: conflicts with accessGroups[]: the stack sets each model's "
                                "access_groups from accessGroups[]; list the model in a group there and remove "
                                "modelInfo.access_groups")
    config = AccessGroupsConfig(tuple(groups))
    declared = ", ".join(sorted(g.name for g in groups)) or "none"
    known = {g.name for g in groups}

    def grants(section: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        items = top.raw(section)
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict) or not isinstance(item.get("alias"), str):
                continue  # config.catalog reports it
            holder = Reader(top.problems, f"{section}[{index}]", item, list(item))
            named = holder.string_list("accessGroups")
            unknown = [n for n in named if n not in known]
            if unknown:
                holder.fail_key("accessGroups", f"names access group(s) the stack does not declare: "
                                f"{', '.join(unknown)}; declared access groups: {declared}")
            if named:
                found[item["alias"]] = named
        return found

    teams = grants("teams")
    keys = grants("keys")
    for alias, named in keys.items():
        team = key_teams.get(alias)
        if team is None or (not team_models.get(team) and not teams.get(team)):
            continue  # no team, or a team that allows every model
        outside = [n for n in named if n not in teams.get(team, ())]
        if outside:
            fail_key(alias, "accessGroups", f"{', '.join(outside)} not granted to team {team!r}; add it to "
                     "`teams[].accessGroups` of the team or drop it here")
    for alias, team in key_teams.items():
        if team is None or not teams.get(team):
            continue
        allowed = set(team_models.get(team, ())) | set(config.models_of(teams[team]))
        outside = [m for m in key_models.get(alias, ()) if m not in allowed]
        if outside:
            fail_key(alias, "models", f"{', '.join(outside)} not allowed for team {team!r} (neither its models nor "
                     "its access groups); add them to the team or drop them here")
    return AccessGroupsConfig(tuple(groups), keys, teams)

