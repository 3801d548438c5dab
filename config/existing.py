"""`existing`: teams, users, budgets and models made outside this stack (the UI, another stack) that its entries may
name without owning them, like Terraform's data sources. Each is looked up read-only at preview
(dynamic_providers/lookup.py); the stack never updates or deletes it. `adopt` is the opposite: it takes ownership.

    existing:
      teams:   [{alias: ml-platform}, {id: 5f1c…}]
      users:   [{id: alice}, {email: bob@example.com}]
      budgets: [{name: gold}]
      models:  [{name: gpt-4o}]

A reference names an existing object by what its entry wrote (the alias, id, email or name): `keys[].team:
ml-platform`, `teams[].members[].user: bob@example.com`, `keys[].budget: gold`, `keys[].models: [gpt-4o]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping, Optional

from config.reader import MISSING, Reader, list_items

EXISTING = "existing"
# Per section: the kind looked up and the keys an entry may name it by (exactly one).
EXISTING_FORMS = {"teams": ("team", ("alias", "id")), "users": ("user", ("id", "email")),
                  "budgets": ("budget", ("name",)), "models": ("model", ("name",))}
EXISTING_KEYS = list(EXISTING_FORMS)


@dataclass(frozen=True)
class ExistingRef:
    """One object the stack names but does not own: `kind` found `by` `value`; `key` is its config key path."""

    kind: str
    by: str
    value: str
    key: str


@dataclass(frozen=True)
class ExistingConfig:
    teams: tuple[ExistingRef, ...] = ()
    users: tuple[ExistingRef, ...] = ()
    budgets: tuple[ExistingRef, ...] = ()
    models: tuple[ExistingRef, ...] = ()

    def names(self, section: str) -> set[str]:
        """The names references may use for the section's existing objects."""
        return {ref.value for ref in getattr(self, section)}

    def find(self, section: str, name: Optional[str]) -> Optional[ExistingRef]:
        return next((ref for ref in getattr(self, section) if ref.value == name), None)

    @property
    def all(self) -> tuple[ExistingRef, ...]:
        return (*self.teams, *self.users, *self.budgets, *self.models)


def parse_existing(top: Reader) -> ExistingConfig:
    if top.raw(EXISTING) in (MISSING, None):
        return ExistingConfig()
    section = top.child(EXISTING, EXISTING_KEYS)
    parsed: dict[str, tuple[ExistingRef, ...]] = {}
    for name, (kind, forms) in EXISTING_FORMS.items():
        refs: list[ExistingRef] = []
        seen: dict[str, str] = {}
        for item in list_items(section, name, forms):
            given = [form for form in forms if item.raw(form) not in (MISSING, None)]
            if len(given) != 1:
                item.fail_key(forms[0], f"name the existing {kind} by exactly one of {' or '.join(forms)}, "
                              f"e.g. {{{forms[0]}: …}}" + (f"; got {', '.join(given)}" if given else ""))
                continue
            value = item.string(given[0], required=True)
            if value is None:
                continue
            if value in seen:
                item.fail_key(given[0], f"{value!r} is already named by {seen[value]}; name each existing {kind} once")
                continue
            seen[value] = item.key_path(given[0])
            refs.append(ExistingRef(kind, given[0], value, item.key_path(given[0])))
        parsed[name] = tuple(refs)
    return ExistingConfig(**parsed)


def check_not_declared(top: Reader, existing: ExistingConfig, declared: Mapping[str, Collection[str]]) -> None:
    """An existing object is not also an entry of the stack: the stack would update and delete what it says it
    does not own (and a reference would be ambiguous). `declared`: per section, the names and ids its entries use."""
    for section, names in declared.items():
        for ref in getattr(existing, section):
            if ref.value in names:
                top.fail_key(ref.key, f"{ref.value!r} is also declared in `{section}` of this stack, which owns (and "
                             f"would delete) it; drop it here to keep the stack's own {ref.kind}, or drop the "
                             f"`{section}` entry to name the existing {ref.kind} without owning it")


def declared_names(**sections: Any) -> dict[str, set[str]]:
    """Per section, the values of the given attributes of its entries (`teams=(teams, ("alias", "team_id"))`)."""
    return {section: {str(getattr(entry, attribute)) for entry in entries for attribute in attributes
                      if getattr(entry, attribute, None)}
            for section, (entries, attributes) in sections.items()}


def existing_hint(section: str, existing: Collection[str]) -> str:
    """How a reference may name an object the stack does not own: the existing ones, or how to add one."""
    if existing:
        return f"; existing {section} (`{EXISTING}.{section}`): {', '.join(sorted(existing))}"
    return f"; to name one the stack does not own, list it under `{EXISTING}.{section}`"
