"""What the `litemaas` subcommands compute from admin API answers: pure functions over LiteLLM's JSON, so
each rule is tested on its own and the commands only fetch and print."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping, Optional, Sequence

from litemaas_common.handoff import as_datetime, day, money

SPEND_GROUPS = ("key", "team", "user", "model", "stack")
OWNER_MARKER = "litemaas_stack"  # the stack that made a key or team (dynamic_providers.provider_base)
NO_STACK = "(no stack)"


def owner(item: Mapping[str, Any]) -> Optional[str]:
    """The stack stamped on a key or team, None when made outside any stack (or before stacks stamped)."""
    return (item.get("metadata") or {}).get(OWNER_MARKER) or None


def owned_by(stack: str, item: Mapping[str, Any]) -> bool:
    """Whether `stack` (`tenant-a` or `organization/litemaas/tenant-a`) made this key or team."""
    stamp = owner(item)
    return stamp is not None and (stamp == stack or ("/" not in stack and stamp.rsplit("/", 1)[-1] == stack))


@dataclass(frozen=True)
class Declared:
    """What the stack says the gateway holds (its `models`, `teams` and `keys` outputs)."""

    models: Sequence[str] = ()
    teams: Mapping[str, str] = field(default_factory=dict)  # alias -> team id
    keys: Sequence[str] = ()


# --- status -----------------------------------------------------------------------------------------


def key_alias(key: Mapping[str, Any]) -> str:
    return key.get("key_alias") or key.get("key_name") or str(key.get("token", ""))[:12]


def drift(declared: Declared, models: Iterable[Mapping], teams: Iterable[Mapping],
          keys: Iterable[Mapping]) -> dict[str, dict[str, list[str]]]:
    """Declared-but-missing and live-but-undeclared names per kind (models by name, teams and keys by alias)."""
    live = {
        "model": {m.get("model_name") for m in models if m.get("model_name")},
        "team": {t.get("team_alias") for t in teams if t.get("team_alias")},
        "key": {k.get("key_alias") for k in keys if k.get("key_alias")},
    }
    wanted = {"model": set(declared.models), "team": set(declared.teams), "key": set(declared.keys)}
    return {kind: {"missing": sorted(wanted[kind] - live[kind]), "undeclared": sorted(live[kind] - wanted[kind])}
            for kind in live}


# --- spend ------------------------------------------------------------------------------------------


@dataclass
class SpendRow:
    """One key/team/user/model: spend in the period (request logs) and the budget counter LiteLLM enforces."""

    name: str
    id: str = ""
    spend: float = 0.0  # in the period, summed from the request logs
    requests: int = 0
    budget_spend: Optional[float] = None  # LiteLLM's counter since the last budget reset
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    budget_reset_at: Optional[str] = None

    @property
    def used_pct(self) -> Optional[float]:
        if not self.max_budget or self.budget_spend is None:
            return None
        return 100.0 * self.budget_spend / self.max_budget

    @property
    def soft_crossed(self) -> bool:
        return self.soft_budget is not None and (self.budget_spend or 0.0) >= self.soft_budget

    @property
    def over_budget(self) -> bool:
        return self.max_budget is not None and (self.budget_spend or 0.0) >= self.max_budget

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "used_pct": None if self.used_pct is None else round(self.used_pct, 2),
                "soft_crossed": self.soft_crossed, "over_budget": self.over_budget}


def soft_budget_of(key: Mapping[str, Any]) -> Optional[float]:
    """A key's soft budget: LiteLLM keeps it in the key's budget row (`litellm_budget_table`)."""
    if key.get("soft_budget") is not None:
        return key["soft_budget"]
    return (key.get("litellm_budget_table") or {}).get("soft_budget")


def _budget_row(name: str, id_: str, owner: Mapping[str, Any], soft: Optional[float] = None) -> SpendRow:
    return SpendRow(name=name, id=id_, budget_spend=float(owner.get("spend") or 0.0),
                    max_budget=owner.get("max_budget"), soft_budget=soft,
                    budget_duration=owner.get("budget_duration"),
                    budget_reset_at=owner.get("budget_reset_at"))


def spend_rows(by: str, *, logs: Iterable[Mapping], keys: Sequence[Mapping] = (), teams: Sequence[Mapping] = (),
               users: Sequence[Mapping] = (), master_token: Optional[str] = None) -> list[SpendRow]:
    """Rows for `by` (key, team, user or model), every known owner included, sorted by spend in the period.
    `master_token` (the master key's hash) names calls made with the master key."""
    rows: dict[str, SpendRow] = {}
    team_alias = {t.get("team_id"): t.get("team_alias") or t.get("team_id") for t in teams}
    if by == "key":
        for key in keys:
            rows[key["token"]] = _budget_row(key_alias(key), key["token"], key, soft_budget_of(key))
    elif by == "team":
        for team in teams:
            rows[team["team_id"]] = _budget_row(team_alias[team["team_id"]], team["team_id"], team,
                                                team.get("soft_budget"))
    elif by == "user":
        for user in users:
            rows[user["user_id"]] = _budget_row(user["user_id"], user["user_id"], user)
        for key in keys:  # users named on keys need no user row in LiteLLM
            if key.get("user_id") and key["user_id"] not in rows:
                rows[key["user_id"]] = SpendRow(name=key["user_id"], id=key["user_id"])
    elif by == "stack":
        stacks: dict[str, list[Mapping[str, Any]]] = {}
        for key in keys:
            stacks.setdefault(owner(key) or NO_STACK, []).append(key)
        for stack, owned in stacks.items():
            budgets = [k["max_budget"] for k in owned if k.get("max_budget") is not None]
            rows[stack] = SpendRow(name=stack, id=stack, budget_spend=sum(float(k.get("spend") or 0) for k in owned),
                                   max_budget=sum(budgets) if budgets else None)
    elif by != "model":
        raise ValueError(f"unknown grouping {by!r}; use one of {', '.join(SPEND_GROUPS)}")
    key_owner = {k.get("token"): owner(k) or NO_STACK for k in keys}
    for log in logs:
        group, name = _log_group(by, log, team_alias)
        if by == "stack":
            group = name = key_owner.get(log.get("api_key") or "", NO_STACK)
        if by == "key" and master_token and group == master_token:
            name = "(master key)"
        row = rows.setdefault(group, SpendRow(name=name, id=group))
        row.spend += float(log.get("spend") or 0.0)
        row.requests += 1
    return sorted(rows.values(), key=lambda r: (-r.spend, -(r.budget_spend or 0.0), r.name))


def _log_group(by: str, log: Mapping[str, Any], team_alias: Mapping[str, Any]) -> tuple[str, str]:
    metadata = log.get("metadata") or {}
    if by == "key":
        token = log.get("api_key") or ""
        return token, metadata.get("user_api_key_alias") or (f"(deleted key {token[:8]})" if token else "(no key)")
    if by == "team":
        team = log.get("team_id") or metadata.get("user_api_key_team_id") or ""
        return team, team_alias.get(team) or (f"(deleted team {team[:8]})" if team else "(no team)")
    if by == "user":
        user = log.get("user") or metadata.get("user_api_key_user_id") or ""
        return user, user or "(no user)"
    model = log.get("model_group") or log.get("model") or ""
    return model, model or "(unknown model)"


def spend_totals(rows: Sequence[SpendRow]) -> dict[str, Any]:
    budgets = [r.max_budget for r in rows if r.max_budget is not None]
    return {"spend": sum(r.spend for r in rows), "requests": sum(r.requests for r in rows),
            "budget_spend": sum(r.budget_spend or 0.0 for r in rows),
            "max_budget": sum(budgets) if budgets else None}


# --- keys that need attention -----------------------------------------------------------------------


def key_problems(key: Mapping[str, Any], now: datetime, *, expiring: Optional[timedelta] = None,
                 over_soft_budget: bool = False, blocked: bool = False) -> list[str]:
    """Why `key` needs attention under the chosen filters (none chosen: all of them, 14 days ahead)."""
    everything = expiring is None and not over_soft_budget and not blocked
    if everything:
        expiring = timedelta(days=14)
    reasons = []
    if (blocked or everything) and key.get("blocked"):
        reasons.append("blocked")
    expires = as_datetime(key.get("expires"))
    if expiring is not None and expires is not None:
        if expires <= now:
            reasons.append(f"expired {day(expires)}")
        elif expires <= now + expiring:
            reasons.append(f"expires {day(expires)}")
    if over_soft_budget or everything:
        spend, soft, hard = float(key.get("spend") or 0.0), soft_budget_of(key), key.get("max_budget")
        if hard is not None and spend >= hard:
            reasons.append(f"budget spent ({money(spend)} of {money(hard)})")
        elif soft is not None and spend >= soft:
            reasons.append(f"over soft budget ({money(spend)} of soft {money(soft)})")
    return reasons


# --- diagnose ---------------------------------------------------------------------------------------


@dataclass
class Check:
    """One line of `litemaas diagnose`: ok True/False, or None when it could not be checked."""

    name: str
    ok: Optional[bool]
    detail: str = ""
    fix: str = ""


_MATCH_FIELD = {"keys": "alias", "teams": "alias", "models": "name"}


def config_path(kind: str, entries: Optional[Sequence[Mapping]], value: str, attribute: str) -> str:
    """`litemaas:keys[2].maxBudget`: the stack config path of `attribute` on the `kind` entry named `value`
    (its index when the stack config is known)."""
    match = _MATCH_FIELD[kind]
    for index, entry in enumerate(entries or ()):
        if isinstance(entry, Mapping) and entry.get(match) == value:
            return f"litemaas:{kind}[{index}].{attribute}"
    return f"litemaas:{kind}[<{match} {value}>].{attribute}"
