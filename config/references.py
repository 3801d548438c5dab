"""Rules the kind parsers share: references to declared models, a renamed entry's previous alias, and the
Enterprise-only hint. Its own module so the
kinds that use it (catalog, keys, users, team members, tags) import it without importing each other.
"""

from __future__ import annotations

from typing import Any, Sequence

from config.kind_reader import check_reference
from config.reader import Reader

ENTERPRISE_HINT = ("is a LiteLLM Enterprise feature in 1.108.7 (the proxy refuses it without a licence); drop it, or "
                   "set `pulumi config set litellmEnterprise true` if the gateway runs with LITELLM_LICENSE")


def check_models_declared(reader: Reader, models: tuple[str, ...], declared: set[str]) -> None:
    check_reference(reader, "models", models, declared, "models")


def check_previous_aliases(items: Sequence[Reader], entries: Sequence[Any], kind: str) -> None:
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
