"""`tags[]`: LiteLLM tags (fields: kinds/declarations.py), and the keys and teams that name them."""

from __future__ import annotations

from typing import Any, Sequence

from config.references import ENTERPRISE_HINT
from config.kind_reader import read_entries
from config.reader import Reader
from kinds.declarations import TAG


TAG_KEYS = TAG.config_keys
TagConfig = TAG.config_class("TagConfig", __name__, "A LiteLLM tag (`tags[]`); the name is its id.")


def parse_tags(top: Reader, declared_models: set[str]) -> tuple[Any, ...]:
    return tuple(TagConfig(**values) for _, values in read_entries(top, TAG, declared={"models": declared_models}))


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
