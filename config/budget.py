"""`budgets[]`: reusable LiteLLM budget tiers that `keys[].budget` names (fields: kinds/declarations.py)."""

from __future__ import annotations

from typing import Any, Collection, Sequence

from config.kind_reader import check_reference, read_entries
from config.reader import Reader
from kinds.declarations import BUDGET

BUDGET_KEYS = BUDGET.config_keys
BudgetConfig = BUDGET.config_class("BudgetConfig", __name__, "A LiteLLM budget (`budgets[]`); `name` is its budget_id.")


def parse_budgets(top: Reader) -> tuple[Any, ...]:
    return tuple(BudgetConfig(**values) for _, values in read_entries(top, BUDGET))


def check_key_budgets(top: Reader, keys: Sequence[Any], budgets: Sequence[Any], existing: Collection[str] = ()) -> None:
    """`keys[N].budget` names a declared or existing budget (LiteLLM answers an unknown budget_id with a bare 500)."""
    declared = {b.name for b in budgets} | set(existing)
    for index, key in enumerate(keys):
        name = getattr(key, "budget", None)
        if name is None:
            continue
        check_reference(top, f"keys[{index}].budget", name, declared, "budgets")
        if key.soft_budget is not None:
            top.fail_key(f"keys[{index}].budget", "conflicts with softBudget: LiteLLM keeps a key's soft budget in a "
                         "budget row of its own, linked by the same budget_id; set softBudget on the budget instead")
