"""`budgets[]`: reusable LiteLLM budget tiers that `keys[].budget` names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from config.reader import Reader, check_litellm_duration, list_items, unique

BUDGET_KEYS = ["name", "maxBudget", "softBudget", "budgetDuration", "tpmLimit", "rpmLimit", "maxParallelRequests"]


@dataclass(frozen=True)
class BudgetConfig:
    """A LiteLLM budget (`budgets[]`); `name` is LiteLLM's budget_id."""

    name: str
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    budget_duration: Optional[str] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    max_parallel_requests: Optional[int] = None


def parse_budgets(top: Reader) -> tuple[BudgetConfig, ...]:
    budgets = []
    names: dict[str, str] = {}
    for item in list_items(top, "budgets", BUDGET_KEYS):
        name = item.string("name", required=True)
        unique(item, "name", name, names, "budget name")
        max_budget, soft_budget = item.number("maxBudget"), item.number("softBudget")
        if max_budget is not None and soft_budget is not None and soft_budget > max_budget:
            item.fail_key("softBudget", f"({soft_budget:g}) is above maxBudget ({max_budget:g}); the soft budget "
                          "only warns before the hard limit: lower it")
        budgets.append(BudgetConfig(
            name=name or "", max_budget=max_budget, soft_budget=soft_budget,
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            max_parallel_requests=item.integer("maxParallelRequests", minimum=1)))
    return tuple(budgets)


def check_key_budgets(top: Reader, keys: Sequence[Any], budgets: Sequence[BudgetConfig]) -> None:
    """`keys[N].budget` names a declared budget (LiteLLM answers an unknown budget_id with a bare 500)."""
    declared = {b.name for b in budgets}
    for index, key in enumerate(keys):
        name = getattr(key, "budget", None)
        if name is None:
            continue
        if name not in declared:
            top.fail_key(f"keys[{index}].budget", f"names a budget the stack does not declare: {name!r}; declared "
                         f"budgets: {', '.join(sorted(declared)) or 'none'} (add it under `budgets`)")
        if key.soft_budget is not None:
            top.fail_key(f"keys[{index}].budget", "conflicts with softBudget: LiteLLM keeps a key's soft budget in a "
                         "budget row of its own, linked by the same budget_id; set softBudget on the budget instead")
