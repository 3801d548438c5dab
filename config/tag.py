"""`tags[]`: LiteLLM tags (name, models, a budget and limits), and the keys that name them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from config.references import ENTERPRISE_HINT, check_models_declared
from config.reader import Reader, check_litellm_duration, list_items, unique


@dataclass(frozen=True)
class TagConfig:
    """A LiteLLM tag (`tags[]`); the name is its id."""

    name: str
    description: Optional[str] = None
    models: tuple[str, ...] = ()
    max_budget: Optional[float] = None
    soft_budget: Optional[float] = None
    max_parallel_requests: Optional[int] = None
    tpm_limit: Optional[int] = None
    rpm_limit: Optional[int] = None
    budget_duration: Optional[str] = None


TAG_KEYS = ["name", "description", "models", "maxBudget", "softBudget", "maxParallelRequests", "tpmLimit", "rpmLimit",
            "budgetDuration"]


def parse_tags(top: Reader, declared_models: set[str]) -> tuple[TagConfig, ...]:
    tags = []
    names: dict[str, str] = {}
    for item in list_items(top, "tags", TAG_KEYS):
        name = item.string("name", required=True)
        unique(item, "name", name, names, "tag name")
        models = item.string_list("models")
        check_models_declared(item, models, declared_models)
        max_budget, soft_budget = item.number("maxBudget"), item.number("softBudget")
        if max_budget is not None and soft_budget is not None and soft_budget > max_budget:
            item.fail_key("softBudget", f"{soft_budget:g} is greater than maxBudget {max_budget:g}; "
                          "the soft budget is the alert threshold below the hard limit")
        tags.append(TagConfig(
            name=name or "", description=item.string("description"), models=models, max_budget=max_budget,
            soft_budget=soft_budget, max_parallel_requests=item.integer("maxParallelRequests", minimum=1),
            tpm_limit=item.integer("tpmLimit"), rpm_limit=item.integer("rpmLimit"),
            budget_duration=item.string("budgetDuration", check=check_litellm_duration),
        ))
    return tuple(tags)


def check_named(top: Reader, section: str, items: Sequence[Any], key: str, declared: set[str], what: str,
                enterprise: bool) -> None:
    """`<section>[N].<key>` (keys, teams) names only declared objects, and only on a licensed proxy (Enterprise-only
    there in 1.108.7)."""
    for index, config in enumerate(items):
        named = getattr(config, key)
        if not named:
            continue
        path = f"{section}[{index}].{key}"
        if not enterprise:
            top.fail_key(path, ENTERPRISE_HINT)
        unknown = [n for n in named if n not in declared]
        if unknown:
            top.fail_key(path, f"names {what}(s) the stack does not declare: {', '.join(unknown)}; declared "
                         f"{what}s: {', '.join(sorted(declared)) or 'none'} (add them to `{what}s`)")
