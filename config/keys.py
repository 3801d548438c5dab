"""`keys[]` and the `keysFrom` file's entries: virtual keys (fields: kinds.VIRTUAL_KEY), read by the kind's reader,
and the key's own rules beside it (rotation label, adoption, delivery, team models, MCP grant, previous alias)."""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from typing import Any, Collection, Mapping, Optional, Sequence

from config.existing import ExistingConfig, existing_hint
from config.kind_reader import read_entries
from config.reader import MISSING, Reader, check_namespace, check_object_name, unique
from config.references import check_previous_aliases
from config.users import check_key_user
from kinds.declarations import TOKEN_HASH, VIRTUAL_KEY  # noqa: F401  (TOKEN_HASH: re-exported, config's name)


@dataclass(frozen=True)
class DeliveryConfig:
    """`keys[].deliverTo`: a Secret with the key in the user's namespace (e.g. an OpenShift AI project)."""

    namespace: str
    secret_name: str


DELIVERY_KEYS = ["namespace", "secretName"]
# The keys no field declares: deliverTo (below), accessGroups (config.access_groups), user (a users[] id that sets
# the key's user_id), previousAlias (the alias before a rename: the same key and value, updated in place).
KEY_KEYS = [*VIRTUAL_KEY.config_keys, "deliverTo", "accessGroups", "user", "previousAlias"]
KeyConfig = VIRTUAL_KEY.config_class(
    "KeyConfig", __name__, "A virtual key handed to a user (`keys[]`); `team` is a TeamConfig alias, `user` a users[] "
    "id.", extra=(("deliver_to", Optional[DeliveryConfig], dataclass_field(default=None)),
                  ("user", Optional[str], dataclass_field(default=None)),
                  ("previous_alias", Optional[str], dataclass_field(default=None))))


def parse_keys(top: Reader, declared_models: set[str], teams: Mapping[str, Any],
               users: Optional[Mapping[str, Any]] = None, more: Sequence[Reader] = (),
               reserved: Mapping[str, str] = {}, mcp_servers: Collection[str] = (),
               vector_stores: Optional[Collection[str]] = None, mcp_toolsets: Collection[str] = (),
               search_tools: Collection[str] = (), unified_access_groups: Collection[str] = (),
               existing: Optional[ExistingConfig] = None) -> tuple[Any, ...]:
    """`keys[]`, then the entries in `more` (the `keysFrom` file), checked alike and unique across both;
    `reserved` maps an alias no entry may take to the reason; `vector_stores`: the declared ids (None: unchecked);
    `mcp_toolsets`, `search_tools`, `unified_access_groups`: the declared names; `existing`: teams and users the
    stack names without owning them."""
    existing = existing or ExistingConfig()
    keys, items = [], []
    secrets: dict[tuple[str, str], str] = {}
    declared = {"models": declared_models, **({"vectorStores": vector_stores} if vector_stores is not None else {})}
    for item, values in read_entries(top, VIRTUAL_KEY, extra_keys=KEY_KEYS[len(VIRTUAL_KEY.config_keys):],
                                     custom={"rotation"}, more=more,
                                     declared={**declared, "mcpToolsets": mcp_toolsets, "searchTools": search_tools,
                                               "unifiedAccessGroups": unified_access_groups}):
        alias = values["alias"]
        if alias in reserved:
            item.fail_key("alias", f"{alias!r} {reserved[alias]}")
        check_team(item, values["team"], values["models"], teams, existing.names("teams"))
        values["adopt"] = values["adopt"] or values["token_hash"] is not None
        values["rotation"] = rotation_label(item)
        delivery = parse_delivery(item)
        if delivery is not None:
            unique(item, "deliverTo.secretName", f"{delivery.namespace}/{delivery.secret_name}",  # type: ignore[arg-type]
                   secrets, "delivered Secret")
            if values["adopt"] and values["rotation"] is None:
                item.fail_key("deliverTo", "an adopted key has no value in the stack to deliver (the user holds "
                              "it); set keys[].rotation to issue one, or drop deliverTo")
        check_mcp_servers(item, values["mcp_servers"], mcp_servers)
        check_team_toolsets(item, values["team"], values["mcp_toolsets"], teams)
        items.append(item)
        keys.append(KeyConfig(**values, deliver_to=delivery, user=check_key_user(item, users or {}, existing.names("users")),
                              previous_alias=item.string("previousAlias")))
    check_previous_aliases(items, keys, "key")
    return tuple(keys)


def check_team(item: Reader, team: Optional[str], models: Sequence[str], teams: Mapping[str, Any],
               existing: Collection[str] = ()) -> None:
    """`team` names a team of the stack (or an existing one), and the key's models are within the team's (when the
    stack's team lists any)."""
    if team is not None and team not in teams and team not in existing:
        item.fail_key("team", f"{team!r} is not a team of this stack; declared teams: "
                      f"{', '.join(sorted(teams)) or 'none'}" + existing_hint("teams", existing))
    elif team in teams and teams[team].models:
        outside = [m for m in models if m not in teams[team].models]
        if outside:
            item.fail_key("models", f"{', '.join(outside)} not allowed for team {team!r} "
                          f"(team models: {', '.join(teams[team].models)}); add them to the team or drop them here")


def check_mcp_servers(item: Reader, granted: Sequence[str], declared: Collection[str]) -> None:
    unknown = [n for n in granted if n not in declared]
    if unknown:
        item.fail_key("mcpServers", f"names MCP server(s) the stack does not declare: {', '.join(unknown)}; "
                      f"declared mcpServers: {', '.join(sorted(declared)) or 'none'}")


def check_team_toolsets(item: Reader, team: Optional[str], toolsets: Sequence[str], teams: Mapping[str, Any]) -> None:
    """A team key's toolsets are within its team's when the team names some (LiteLLM answers 403 otherwise)."""
    allowed = teams[team].mcp_toolsets if team in teams else ()
    outside = [t for t in toolsets if allowed and t not in allowed]
    if outside:
        item.fail_key("mcpToolsets", f"{', '.join(outside)} not allowed for team {team!r} (team toolsets: "
                      f"{', '.join(allowed)}); add them to the team or drop them here")


def rotation_label(item: Reader) -> Optional[str]:
    """`rotation` as a string: a counter (1, 2, ...) or a label (`2026-q3`, `leaked-2026-05-02`)."""
    value = item.raw("rotation")
    if value is None or value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or str(value).strip() == "":
        item.fail_key("rotation", f"must be a counter or a label (e.g. 2 or 2026-q3), got {value!r}")
        return None
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def parse_delivery(item: Reader) -> Optional[DeliveryConfig]:
    if item.raw("deliverTo") in (MISSING, None):
        return None
    section = item.child("deliverTo", DELIVERY_KEYS)
    namespace = section.string("namespace", required=True, check=check_namespace)
    secret_name = section.string("secretName", required=True, check=check_object_name)
    if namespace is None or secret_name is None:
        return None
    return DeliveryConfig(namespace=namespace, secret_name=secret_name)
