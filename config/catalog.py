"""`models[]`, `teams[]`, `keys[]`: the LiteLLM objects the stack manages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping, Optional, Sequence


from config.team_members import MemberConfig, parse_members
from config.users import UserConfig, check_key_user
from config.reader import MISSING, Reader, check_litellm_duration, check_namespace, check_object_name, list_items, \
    unique
from config.references import check_models_declared
# The model's parser moved to config.models; other modules and tests import these names from here.
from config.models import (  # noqa: F401
    INFERENCE_SERVICE_KEYS, MODEL_KEYS, MODEL_PRICING_KEYS, TOKEN_SECRET_KEYS, InferenceServiceRef, ModelConfig,
    parse_inference_service, parse_models)


@dataclass(frozen=True)
class TeamConfig:
    """A LiteLLM team (`teams[]`)."""

    alias: str
    models: tuple[str, ...] = ()
    max_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blocked: bool = False
    id: Optional[str] = None
    members: tuple["MemberConfig", ...] = ()  # teams[].members[]: one litellm:TeamMember each
    # Enterprise-only on teams in 1.108.7; names checked against tags[] / guardrails[] (config/tag.py).
    tags: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()
    previous_alias: Optional[str] = None  # the alias before a rename: the same LiteLLM team, updated in place


@dataclass(frozen=True)
class KeyConfig:
    """A virtual key handed to a user (`keys[]`); `team` is a TeamConfig alias."""

    alias: str
    models: tuple[str, ...] = ()
    team: Optional[str] = None
    user_id: Optional[str] = None
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    max_parallel_requests: Optional[int] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    blocked: bool = False
    rotation: Optional[str] = None  # a counter or label: changing it issues a new value
    rotate_every: Optional[str] = None
    rotation_grace_period: Optional[str] = None  # None: 24h (the provider's default)
    renew: bool = False
    adopt: bool = False
    token_hash: Optional[str] = None
    deliver_to: Optional["DeliveryConfig"] = None
    user: Optional[str] = None  # a users[] id: the key is that User's (user_id) and depends on it
    budget: Optional[str] = None  # a `budgets[]` name
    # Enterprise-only on keys in 1.108.7; names checked against tags[] / guardrails[] (config/tag.py).
    tags: tuple[str, ...] = ()
    guardrails: tuple[str, ...] = ()
    mcp_servers: tuple[str, ...] = ()  # names of the stack's mcpServers[] the key may use
    previous_alias: Optional[str] = None  # the alias before a rename: the same key (and value), updated in place


@dataclass(frozen=True)
class DeliveryConfig:
    """`keys[].deliverTo`: a Secret with the key in the user's namespace (e.g. an OpenShift AI project)."""

    namespace: str
    secret_name: str


TEAM_KEYS = ["alias", "models", "maxBudget", "budgetDuration", "tpmLimit", "rpmLimit", "metadata", "blocked", "id",
             "accessGroups", "members", "tags", "guardrails", "previousAlias"]  # accessGroups: config.access_groups


KEY_KEYS = ["alias", "models", "team", "userId", "maxBudget", "softBudget", "budgetDuration", "duration",
             "tpmLimit", "rpmLimit", "maxParallelRequests", "metadata", "blocked", "rotation", "rotateEvery",
             "rotationGracePeriod", "renew", "adopt", "tokenHash", "deliverTo", "mcpServers",
             "accessGroups", "user", "budget", "tags", "guardrails", "previousAlias"]  # accessGroups: config.access_groups
DELIVERY_KEYS = ["namespace", "secretName"]
TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")


def parse_teams(top: Reader, declared_models: set[str], users: Optional[Mapping[str, "UserConfig"]] = None,
                enterprise: bool = False) -> tuple[TeamConfig, ...]:
    teams = []
    aliases: dict[str, str] = {}
    ids: dict[str, str] = {}
    items = list_items(top, "teams", TEAM_KEYS)
    for item in items:
        alias = item.string("alias", required=True)
        unique(item, "alias", alias, aliases, "team alias")
        team_id = item.string("id")
        unique(item, "id", team_id, ids, "team id")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        teams.append(TeamConfig(
            alias=alias or "", models=models, max_budget=item.number("maxBudget"),
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            metadata=item.mapping("metadata"), blocked=item.boolean("blocked", False), id=team_id,
            members=parse_members(item, users or {}, enterprise),
            tags=item.string_list("tags"), guardrails=item.string_list("guardrails"),
            previous_alias=item.string("previousAlias"),
        ))
    check_previous_aliases(items, teams, "team")
    return tuple(teams)


def check_grace_period(value: str) -> Optional[str]:
    return None if value.strip() == "0" else check_litellm_duration(value)


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



def parse_keys(top: Reader, declared_models: set[str], teams: Mapping[str, TeamConfig],
               users: Optional[Mapping[str, "UserConfig"]] = None, more: Sequence[Reader] = (),
               reserved: Mapping[str, str] = {}, mcp_servers: Collection[str] = ()) -> tuple[KeyConfig, ...]:
    """`keys[]`, then the entries in `more` (the `keysFrom` file), checked alike and unique across both;
    `reserved` maps an alias no entry may take to the reason."""
    keys = []
    aliases: dict[str, str] = {}
    hashes: dict[str, str] = {}
    secrets: dict[tuple[str, str], str] = {}
    items = [*list_items(top, "keys", KEY_KEYS), *more]
    for item in items:
        alias = item.string("alias", required=True)
        unique(item, "alias", alias, aliases, "key alias")
        if alias in reserved:
            item.fail_key("alias", f"{alias!r} {reserved[alias]}")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        team = item.string("team")
        if team is not None and team not in teams:
            item.fail_key("team", f"{team!r} is not a team of this stack; declared teams: "
                          f"{', '.join(sorted(teams)) or 'none'}")
        elif team is not None and teams[team].models:
            outside = [m for m in models if m not in teams[team].models]
            if outside:
                item.fail_key("models", f"{', '.join(outside)} not allowed for team {team!r} "
                              f"(team models: {', '.join(teams[team].models)}); add them to the team or drop them here")
        max_budget = item.number("maxBudget")
        soft_budget = item.number("softBudget")
        if max_budget is not None and soft_budget is not None and soft_budget > max_budget:
            item.fail_key("softBudget", f"{soft_budget:g} is greater than maxBudget {max_budget:g}; "
                          "the soft budget is the alert threshold below the hard limit")
        token_hash = item.string("tokenHash", check=lambda v: None if TOKEN_HASH.match(v) else
                                 "is not a key token; use the 64 hex digits `token` of /key/list?return_full_object=true")
        unique(item, "tokenHash", token_hash, hashes, "key tokenHash")
        adopt = item.boolean("adopt", False) or token_hash is not None
        rotation = rotation_label(item)
        delivery = parse_delivery(item)
        if delivery is not None:
            unique(item, "deliverTo.secretName", f"{delivery.namespace}/{delivery.secret_name}",  # type: ignore[arg-type]
                   secrets, "delivered Secret")
            if adopt and rotation is None:
                item.fail_key("deliverTo", "an adopted key has no value in the stack to deliver (the user holds "
                              "it); set keys[].rotation to issue one, or drop deliverTo")
        granted = item.string_list("mcpServers")
        unknown = [n for n in granted if n not in mcp_servers]
        if unknown:
            item.fail_key("mcpServers", f"names MCP server(s) the stack does not declare: {', '.join(unknown)}; "
                          f"declared mcpServers: {', '.join(sorted(mcp_servers)) or 'none'}")
        keys.append(KeyConfig(
            alias=alias or "", models=models, team=team, mcp_servers=granted, user_id=item.string(
                "userId", check=lambda v: None if v.strip() else "is empty; give the LiteLLM user id or remove it"),
            max_budget=max_budget, soft_budget=soft_budget,
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            duration=item.string("duration", check=check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            max_parallel_requests=item.integer("maxParallelRequests", minimum=1),
            metadata=item.mapping("metadata"), blocked=item.boolean("blocked", False),
            rotation=rotation, rotate_every=item.string("rotateEvery", check=check_litellm_duration),
            rotation_grace_period=item.string("rotationGracePeriod", check=lambda v: None if check_grace_period(v)
                                              is None else "is not a grace period; use a LiteLLM duration such "
                                              "as 24h or 2d, or 0 to revoke the old value at once"),
            renew=item.boolean("renew", False), adopt=adopt, token_hash=token_hash, deliver_to=delivery,
            user=check_key_user(item, users or {}),
            budget=item.string("budget"),
            tags=item.string_list("tags"), guardrails=item.string_list("guardrails"),
            previous_alias=item.string("previousAlias"),
        ))
    check_previous_aliases(items, keys, "key")
    return tuple(keys)


def check_previous_aliases(items: Sequence[Reader], entries: Sequence[TeamConfig | KeyConfig], kind: str) -> None:
    """A `previousAlias` names what this entry was called; it cannot also be an entry of today or another's past."""
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
