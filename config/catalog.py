"""`models[]`, `teams[]`, `keys[]`: the LiteLLM objects the stack manages (the models' and keys' parsers live in
config.models and config.keys; their names are importable from here as before)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from config.keys import DELIVERY_KEYS, KEY_KEYS, DeliveryConfig, KeyConfig, parse_keys  # noqa: F401  (re-exported)
from config.models import (  # noqa: F401  (re-exported)
    INFERENCE_SERVICE_KEYS, MODEL_KEYS, MODEL_PRICING_KEYS, TOKEN_SECRET_KEYS, InferenceServiceRef, ModelConfig,
    parse_inference_service, parse_models)
from config.reader import Reader, check_litellm_duration, list_items, unique
from config.references import check_models_declared, check_previous_aliases
from config.team_members import MemberConfig, parse_members
from config.users import UserConfig


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


TEAM_KEYS = ["alias", "models", "maxBudget", "budgetDuration", "tpmLimit", "rpmLimit", "metadata", "blocked", "id",
             "accessGroups", "members", "tags", "guardrails", "previousAlias"]  # accessGroups: config.access_groups



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
