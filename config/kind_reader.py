"""A kind's `litemaas:<section>[]` entries read from its schema (kinds/declarations.py): the same key paths,
types, bounds and fixes for every kind, and one check for the keys that name another kind's entries."""

from __future__ import annotations

from typing import Any, Collection, Mapping, Optional, Sequence

from config.reader import Reader, check_litellm_duration, list_items, unique
from kinds.schema import Field, Kind, above_limit_problem

# How messages call the entry a reference names, by section.
REFERENCE_NAMES = {"models": "model", "teams": "team", "budgets": "budget", "credentials": "credential",
                   "users": "user", "tags": "tag", "guardrails": "guardrail", "mcpServers": "MCP server",
                   "vectorStores": "vector store", "mcpToolsets": "MCP toolset", "searchTools": "search tool",
                   "unifiedAccessGroups": "unified access group"}


def read_entries(top: Reader, kind: Kind, *, extra_keys: Sequence[str] = (), custom: Collection[str] = (),
                 declared: Optional[Mapping[str, Collection[str]]] = None,
                 more: Sequence[Reader] = ()) -> list[tuple[Reader, dict[str, Any]]]:
    """Each entry's reader and its values by config attribute; `custom` fields are left to the caller, `declared`
    gives the names each referenced section declares (a section absent from it is not checked here); `more`: entries
    read elsewhere (a file), checked alike and unique across both."""
    entries = []
    seen: dict[str, dict[str, str]] = {}
    for item in [*list_items(top, kind.section, [*kind.config_keys, *extra_keys]), *more]:
        values: dict[str, Any] = {}
        for spec in kind.config_fields:
            if spec.name in custom:
                continue
            value = values[spec.attribute] = read_value(item, spec)
            if spec.unique:
                what = spec.unique if isinstance(spec.unique, str) else f"{kind.name} {spec.key}"
                unique(item, spec.key, value or None, seen.setdefault(spec.key, {}), what)  # "": missing
            if spec.references and declared is not None and spec.references in declared:
                check_reference(item, spec.key, value, declared[spec.references], spec.references)
        for spec in kind.config_fields:
            if spec.at_most and spec.name not in custom:
                value, limit = values.get(spec.attribute), values.get(kind.field(spec.at_most).attribute)
                if value is not None and limit is not None and value > limit:
                    item.fail_key(spec.key, above_limit_problem(value, limit, kind.field(spec.at_most).key))
        entries.append((item, values))
    return entries


def read_value(item: Reader, spec: Field) -> Any:
    """One config value, checked by the field's type, bounds, choices and own rule."""
    key = spec.key
    if spec.kind == "str":
        def check(value: str) -> Optional[str]:
            return (check_litellm_duration(value) if spec.duration else None) or spec.value_problem(value)
        value = item.string(key, required=spec.required, check=check)
        return "" if value is None and spec.required else value
    if spec.kind == "int":
        return item.integer(key, minimum=int(spec.minimum or 0))
    if spec.kind == "number":
        return item.number(key, positive=spec.exclusive_minimum == 0)
    if spec.kind == "bool":
        return item.boolean(key, spec.server_default if spec.server_default is not None else False)
    if spec.kind == "list":
        return item.string_list(key, check=spec.value_problem if spec.check or spec.choices else None)
    if spec.value_kind == "int":  # a map of limits: each value read as the config's integers are
        values = item.child(key, list(item.mapping(key)))
        limits = {name: values.integer(name, minimum=int(spec.minimum or 0)) for name in values.data}
        return {name: limit for name, limit in limits.items() if limit is not None}
    return item.mapping(key)


def check_reference(item: Reader, key: str, value: Any, declared: Collection[str], section: str) -> None:
    """A key naming entries of `section` names only declared ones (one name, a list of names, or a map's keys)."""
    if isinstance(value, Mapping):
        value = tuple(value)
    what = REFERENCE_NAMES.get(section, section)
    listed = ", ".join(sorted(declared)) or "none"
    if isinstance(value, str) and value not in declared:
        item.fail_key(key, f"names a {what} the stack does not declare: {value!r}; declared {what}s: {listed} "
                      f"(add it under `{section}`)")
    elif isinstance(value, (list, tuple)) and (unknown := [v for v in value if v not in declared]):
        item.fail_key(key, f"names {what}(s) the stack does not declare: {', '.join(unknown)}; declared {what}s: "
                      f"{listed}")
