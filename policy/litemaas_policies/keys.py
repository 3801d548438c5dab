"""Rules over virtual keys (spending limit, expiry, model scope, rotation age) and the limits of keys, budget
tiers, users and teams under the organisation's ceilings."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping, Sequence

from .model import (
    ALL_MODELS, BUDGET, NON_MODEL_ROUTES, TEAM, USER, VIRTUAL_KEY, Resource, StackPaths, Violation, config_path,
    describe, duration_seconds, is_set, number,
)


def _exempt(key: Resource, settings: Mapping[str, Any]) -> bool:
    metadata = key.get("metadata", {})
    flag = metadata.get(settings.get("exemptMetadataKey", "policyExempt")) if isinstance(metadata, dict) else None
    return flag not in (None, False, "", "false", "False")


def _serves_models(key: Resource) -> bool:
    """False for a key limited to non-model routes (the program's /metrics scrape key)."""
    routes = key.get("allowed_routes", [])
    return not (isinstance(routes, list) and routes and all(r in NON_MODEL_ROUTES for r in routes))


def _depended_on(resource: Resource, by_urn: Mapping[str, Resource], kind: str) -> list[Resource]:
    return [by_urn[u] for u in resource.dependencies if u in by_urn and by_urn[u].type == kind]


EXEMPT_SETTING = {"exemptMetadataKey": {
    "type": "string", "default": "policyExempt",
    "description": "A key whose metadata has this entry (a reason, or true) is exempt from the rule."}}


def _exempt_hint(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> str:
    return (f"or, for a key that must have none, record why in "
            f"{paths.key(key.get('key_alias'), 'metadata.' + settings['exemptMetadataKey'])}")


def key_spending_limit(resources: Sequence[Resource], settings: Mapping[str, Any],
                       paths: StackPaths) -> Iterable[Violation]:
    """Every key stops spending somewhere: its own maxBudget, its budget tier's, or its team's."""
    by_urn = {r.urn: r for r in resources}
    for key in resources:
        if key.type != VIRTUAL_KEY or not _serves_models(key) or _exempt(key, settings):
            continue
        if is_set(key.get("max_budget")):
            continue
        limits = [*_depended_on(key, by_urn, BUDGET), *_depended_on(key, by_urn, TEAM)]
        if any(is_set(owner.get("max_budget")) for owner in limits):
            continue
        alias = key.get("key_alias")
        yield Violation(
            f"{describe(key)} has no spending limit: no maxBudget of its own, of a budget tier or of its team, so "
            f"its spend is never stopped. Set {paths.key(alias, 'maxBudget')} (e.g. 25 with budgetDuration 30d), "
            f"name a budgets[] tier with a maxBudget in {paths.key(alias, 'budget')}, or put it in a team with "
            f"teams[].maxBudget; {_exempt_hint(key, settings, paths)}", key.urn)


def key_expiry(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """Every key expires (`duration`), so a forgotten key stops working on its own."""
    if key.type != VIRTUAL_KEY or not _serves_models(key) or _exempt(key, settings) or is_set(key.get("duration")):
        return
    yield Violation(
        f"{describe(key)} never expires: set {paths.key(key.get('key_alias'), 'duration')} (e.g. 90d; `renew: true` "
        f"extends it later); {_exempt_hint(key, settings, paths)}", key.urn)


def key_model_scope(resources: Sequence[Resource], settings: Mapping[str, Any],
                    paths: StackPaths) -> Iterable[Violation]:
    """No key may call every model: an empty model list means all models, unless the key's team limits them."""
    by_urn = {r.urn: r for r in resources}
    for key in resources:
        if key.type != VIRTUAL_KEY or not _serves_models(key):
            continue
        alias, models = key.get("key_alias"), key.get("models", [])
        path = paths.key(alias, "models")
        if isinstance(models, list) and ALL_MODELS & set(m for m in models if isinstance(m, str)):
            yield Violation(f"{describe(key)} lists {sorted(ALL_MODELS & set(models))[0]!r}, which lets it call "
                            f"every model of the gateway: list the models it needs in {path}", key.urn)
            continue
        if is_set(models):
            continue
        teams = _depended_on(key, by_urn, TEAM)
        if any(is_set(team.get("models")) for team in teams):
            continue  # LiteLLM limits a key without models to its team's
        where = (f"and its team {teams[0].get('team_alias')!r} lists no models either "
                 f"({config_path(teams[0], paths, 'models')})" if teams else "and it has no team that limits them")
        yield Violation(f"{describe(key)} may call every model: its model list is empty (LiteLLM reads that as "
                        f"all models) {where}. List the models it needs in {path}", key.urn)


def key_rotation_age(key: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """A key's current value older than `maxAge` is due for rotation."""
    if key.type != VIRTUAL_KEY or not _serves_models(key):
        return
    issued = key.get("issued_at")
    if not isinstance(issued, str):
        return  # a new key, one being rotated in this update (known only at `up`), or an adopted key
    try:
        when = datetime.fromisoformat(issued.replace("Z", "+00:00"))
    except ValueError:
        return
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = settings.get("now") or datetime.now(timezone.utc)  # `now`: for tests
    limit = duration_seconds(settings["maxAge"])
    age = (now - when).total_seconds()
    if age <= limit:
        return
    alias = key.get("key_alias")
    yield Violation(
        f"{describe(key)} has used the same value since {when:%Y-%m-%d} ({age / 86400:.0f} days; the pack allows "
        f"{settings['maxAge']}): bump {paths.key(alias, 'rotation')} to issue a new one (the old one keeps working "
        f"for rotationGracePeriod), or set {paths.key(alias, 'rotateEvery')} to rotate it on schedule", key.urn)

# kind -> (budget ceiling setting, whether it has rpm/tpm limits)
_CEILINGS = {VIRTUAL_KEY: "maxKeyBudget", BUDGET: "maxKeyBudget", USER: "maxUserBudget", TEAM: "maxTeamBudget"}
_LIMIT_FIELDS = (("max_budget", "maxBudget", None), ("rpm_limit", "rpmLimit", "maxRpmLimit"),
                 ("tpm_limit", "tpmLimit", "maxTpmLimit"))


def limit_ceilings(resource: Resource, settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
    """Budgets, rpm and tpm limits of keys (and their budget tiers), users and teams under the pack's ceilings."""
    if resource.type not in _CEILINGS:
        return
    for input_name, config_key, setting in _LIMIT_FIELDS:
        setting = setting or _CEILINGS[resource.type]
        value, ceiling = number(resource.get(input_name)), number(settings.get(setting))
        if value is None or ceiling is None or value <= ceiling:
            continue
        yield Violation(
            f"{describe(resource)}: {config_key} {value:g} is above the organisation's ceiling {ceiling:g}: lower "
            f"{config_path(resource, paths, config_key)} to {ceiling:g} or less, or raise `{setting}` of this "
            f"policy in the policy pack's config", resource.urn)
