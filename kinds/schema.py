"""The schema of a LiteLLM kind: one `Field` per property, grouped in a `Kind`, and the value rules every layer shares.

A field is declared once, here or in `kinds/declarations.py`; from the table come the stack-config parser
(config/kind_reader.py), the dynamic Resource's inputs and secret outputs, the provider's check, diff and
replacements (provider_base), the catalog's mapping from config to inputs, and the README's field tables.

A leaf module: it imports nothing of the project, so config, providers and components can all read it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field as dataclass_field, make_dataclass
from typing import Any, Callable, Mapping, Optional

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown
from pulumi.runtime import rpc


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the SDK's Unknown object or the wire sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def has_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(has_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(v) for v in value)
    return False


def _empty(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, (list, dict)) and not value)


def same(a: Any, b: Any) -> bool:
    """Equality as LiteLLM means it: 1 == 1.0, 1e-06 == 0.000001, and None == [] == {} == False (unset).

    0 is a real value (a zero budget), never the same as unset.
    """
    if is_unknown(a) or is_unknown(b):
        return False
    if _empty(a) and _empty(b):
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def same_set(a: Any, b: Any) -> bool:
    """Lists where order means nothing (models, members)."""
    if is_unknown(a) or is_unknown(b) or has_unknown(a) or has_unknown(b):
        return False
    return sorted(map(json.dumps, a or []), key=str) == sorted(map(json.dumps, b or []), key=str)


@dataclass(frozen=True)
class Field:
    """One property of a kind. kind: str | int | number | bool | list | dict.

    secret: a secret input and output, redacted from every message. replaces: a change replaces the object.
    computed: an output the provider sets (never an input). write_only: sent, never read back (no drift).
    unordered: a list compared as a set. api_name: LiteLLM's name when it differs. choices: the allowed strings.
    config_key: the stack config's key (default: the camelCase of `name`; "" for an input no config key sets).
    references: the config section whose entries this names (`models`, `teams`, `budgets`, ...); a map's keys.
    value_kind: a map whose every value is of this kind ("int", at least `minimum`): per-model limits.
    unique: no two entries of the config section share the value. doc: one line for the README's field table.
    at_most: another field this one may not exceed (a soft budget below its max budget).
    """

    name: str
    kind: str
    required: bool = False
    minimum: Optional[float] = None  # numbers: inclusive lower bound
    exclusive_minimum: Optional[float] = None
    maximum: Optional[float] = None  # numbers: inclusive upper bound
    duration: bool = False  # a LiteLLM duration string (30d, 1mo, ...)
    secret: bool = False
    replaces: bool = False
    computed: bool = False
    write_only: bool = False
    unordered: bool = False
    api_name: Optional[str] = None
    choices: tuple[str, ...] = ()  # strings: the values LiteLLM accepts
    choices_problem: Optional[str] = None  # the config's message for another value (default: "is not one of ...")
    config_key: Optional[str] = None
    references: Optional[str] = None
    at_most: Optional[str] = None
    unique: bool | str = False  # no two entries share the value (a string: how the message calls it)
    server_default: Any = None  # what LiteLLM assumes when the field is unset (docs)
    check: Optional[Callable[[str], Optional[str]]] = None  # a string's own rule: the problem after its quoted value
    value_kind: Optional[str] = None  # dict: the kind of every value ("int")
    item_keys: tuple[str, ...] = ()  # a list of maps with exactly these string keys (a toolset's tools), not strings
    doc: str = ""

    @property
    def api(self) -> str:
        return self.api_name or self.name

    @property
    def key(self) -> str:
        """The stack config's key."""
        return camel_case(self.name) if self.config_key is None else self.config_key

    @property
    def attribute(self) -> str:
        """The parsed config's attribute (the snake_case of the config key)."""
        return snake_case(self.key)

    @property
    def in_config(self) -> bool:
        return self.key != "" and not self.computed

    def same(self, a: Any, b: Any) -> bool:
        return same_set(a, b) if self.unordered else same(a, b)

    def value_problem(self, value: str) -> Optional[str]:
        """Why a string value is refused (shown after the quoted value), or None."""
        if self.choices and value not in self.choices:
            return self.choices_problem or f"is not one of {', '.join(self.choices)}"
        return self.check(value) if self.check else None


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake_case(key: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", key).lower()


def above_limit_problem(value: float, limit: float, key: str) -> str:
    """The one message for a soft budget above its max budget (`key`: how the reader names the limit)."""
    return f"{value:g} is greater than {key} {limit:g}; the soft budget is the alert threshold below the hard limit"


@dataclass(frozen=True)
class Kind:
    """A LiteLLM kind: its name in messages, its config section, its resource type, its id and its fields."""

    name: str  # "budget"
    section: str  # "budgets": the stack config's list
    resource_type: str  # "litellm:Budget"
    id_field: str  # the input that is LiteLLM's id
    fields: tuple[Field, ...]
    doc: str = ""
    parent: str = ""  # where the section is, for a nested one ("teams[N].")

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def field_by_key(self, key: str) -> Field:
        """The field the stack config calls `key`."""
        return next(f for f in self.fields if f.key == key)

    @property
    def config_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.in_config)

    @property
    def config_keys(self) -> list[str]:
        return [f.key for f in self.config_fields]

    @property
    def input_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.computed)

    def inputs(self, config: Any, **overrides: Any) -> dict[str, Any]:
        """The Resource's keyword arguments from a parsed config entry (`overrides` win: resolved references)."""
        values = {f.name: getattr(config, f.attribute) for f in self.config_fields}
        return {**values, **overrides}

    def config_class(self, class_name: str, module: str, doc: str, extra: tuple = (),
                     methods: Optional[Mapping[str, Any]] = None) -> type:
        """The parsed entry: one attribute per config key, unset = None (or an empty tuple / map); `extra`: more
        attributes as `make_dataclass` specs (what the stack derives, e.g. a member's `managed`); `methods`: its
        properties and methods."""
        def spec(f: Field) -> tuple:
            if f.kind == "list":
                return f.attribute, tuple[str, ...], dataclass_field(default=())
            if f.kind == "dict":
                return f.attribute, Mapping[str, Any], dataclass_field(default_factory=dict)
            if f.kind == "bool":
                return f.attribute, bool, dataclass_field(default=bool(f.server_default))
            if f.required:
                return f.attribute, str  # a missing one is reported, then read as ""
            return f.attribute, Optional[_PYTHON_TYPES[f.kind]], dataclass_field(default=None)
        specs = sorted([*(spec(f) for f in self.config_fields), *extra], key=lambda s: len(s) == 3)  # required first
        cls = make_dataclass(class_name, specs, frozen=True,
                             namespace={"__doc__": doc, "kind": self, **(methods or {})})
        cls.__module__ = module
        return cls


_PYTHON_TYPES = {"str": str, "int": int, "number": float, "bool": bool}


def _duration_problem(value: str) -> Optional[str]:
    from litemaas_common.durations import parse_litellm_duration  # not at import: keeps this module a leaf

    try:
        parse_litellm_duration(value)
    except ValueError as exc:
        return str(exc)
    return None


def normalise_field(inputs: dict[str, Any], spec: Field, failures: list[CheckFailure]) -> None:
    """Validate one input in place; whole-number floats (everything crosses gRPC as float) become ints.

    Unset stays unset (None): defaults are never written into the inputs, so the state stores only what was declared.
    """
    name, value = spec.name, inputs.get(spec.name)
    if is_unknown(value) or has_unknown(value):
        return
    if value is None:
        if spec.required:
            failures.append(CheckFailure(name, f"{name} is required"))
        return
    if spec.secret and spec.kind == "str" and not isinstance(value, str):
        failures.append(CheckFailure(name, f"{name} must be a string"))  # never echo a secret's value
    elif spec.secret and spec.kind == "dict" and not (isinstance(value, dict) and all(
            isinstance(v, str) for v in value.values())):
        failures.append(CheckFailure(name, f"{name} must be a map of strings"))  # never echo a secret's value
    elif spec.kind == "str":
        if not isinstance(value, str):
            failures.append(CheckFailure(name, f"{name} must be a string, got {type(value).__name__}"))
        elif not value.strip():
            failures.append(CheckFailure(name, f"{name} must not be empty (omit it instead)"))
        elif spec.duration:
            problem = _duration_problem(value)
            if problem:
                failures.append(CheckFailure(name, f"{name}: {problem}"))
        elif spec.choices and value not in spec.choices:
            failures.append(CheckFailure(name, f"{name} {value!r} is not one of {', '.join(spec.choices)}"))
    elif spec.kind in ("int", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(value, float) and not math.isfinite(value)):
            failures.append(CheckFailure(name, f"{name} must be a finite number, got {value!r}"))
            return
        if spec.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                failures.append(CheckFailure(name, f"{name} must be a whole number, got {value!r}"))
                return
            inputs[name] = value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            failures.append(CheckFailure(name, f"{name} must be {spec.minimum:g} or more, got {value:g}"))
        if spec.exclusive_minimum is not None and value <= spec.exclusive_minimum:
            failures.append(CheckFailure(name, f"{name} must be greater than {spec.exclusive_minimum:g}, got {value:g}"))
        if spec.maximum is not None and value > spec.maximum:
            failures.append(CheckFailure(name, f"{name} must be {spec.maximum:g} or less, got {value:g}"))
    elif spec.kind == "bool":
        if not isinstance(value, bool):
            failures.append(CheckFailure(name, f"{name} must be true or false, got {value!r}"))
    elif spec.kind == "list" and spec.item_keys:
        if not isinstance(value, list) or not all(_keyed_item(v, spec.item_keys) for v in value):
            failures.append(CheckFailure(name, f"{name} must be a list of maps of {', '.join(spec.item_keys)} "
                                         "(non-empty strings)"))
        elif len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            failures.append(CheckFailure(name, f"{name} lists an entry twice"))
    elif spec.kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            failures.append(CheckFailure(name, f"{name} must be a list of non-empty strings"))
        elif len(set(value)) != len(value):
            failures.append(CheckFailure(name, f"{name} lists a value twice: {sorted({v for v in value if value.count(v) > 1})}"))
    elif spec.kind == "dict":
        if not isinstance(value, dict):
            failures.append(CheckFailure(name, f"{name} must be an object (map), got {type(value).__name__}"))
        elif spec.value_kind == "int" and (wrong := sorted(k for k, v in value.items() if not _whole(v, spec.minimum))):
            failures.append(CheckFailure(name, f"{name}: the value of {', '.join(map(repr, wrong))} must be a whole "
                                         f"number{f' {spec.minimum:g} or more' if spec.minimum is not None else ''}"))
        else:
            inputs[name] = {str(k): int_floats(v) for k, v in value.items()}


def _whole(value: Any, minimum: Optional[float]) -> bool:
    """A map's integer value (a float from gRPC counts when whole), not below `minimum`."""
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and \
        float(value).is_integer() and (minimum is None or value >= minimum)
def _keyed_item(value: Any, keys: tuple[str, ...]) -> bool:
    return isinstance(value, dict) and set(value) == set(keys) and all(
        isinstance(v, str) and v.strip() for v in value.values())


def int_floats(value: Any) -> Any:
    """Maps cross gRPC with every number as float; keep whole numbers whole so LiteLLM sees 3, not 3.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: int_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [int_floats(v) for v in value]
    return value




_TYPE_WORDS = {"str": "string", "int": "integer", "number": "number", "bool": "true/false", "list": "list",
               "dict": "map"}


def type_words(spec: Field) -> str:
    """A field's type as the README states it."""
    if spec.choices:
        return "one of " + ", ".join(f"`{c}`" for c in spec.choices)
    if spec.duration:
        return "LiteLLM duration"
    if spec.kind == "list" and spec.item_keys:
        return "list of maps"  # the config's keys of an item differ from LiteLLM's: the doc names them
    if spec.kind == "list" and spec.references:
        return f"list of `{spec.references}` names"
    if spec.kind == "str" and spec.references:
        return f"a `{spec.references}` name"
    if spec.kind == "dict" and spec.value_kind:
        low = f" ≥ {spec.minimum:g}" if spec.minimum is not None else ""
        return f"map of `{spec.references}` name → {_TYPE_WORDS[spec.value_kind]}{low}"
    words = ("secret " if spec.secret else "") + _TYPE_WORDS[spec.kind]
    low = spec.exclusive_minimum if spec.exclusive_minimum is not None else spec.minimum
    if low is not None:
        words += f" {'>' if spec.exclusive_minimum is not None else '≥'} {low:g}"
    if spec.at_most:
        words += f" (≤ `{camel_case(spec.at_most)}`)"
    return words


def readme_rows(kind: Kind) -> str:
    """The README's table of a kind's config keys: key, type, default, meaning and what a change does."""
    section = kind.parent + kind.section
    lines = [f"**`{section}[]`** (`{kind.resource_type}`): {kind.doc}", "",
             "| Key | Type | Default | Meaning / change |", "|---|---|---|---|"]
    for spec in kind.config_fields:
        default = ("required" + (", unique" if spec.unique else "")) if spec.required else (
            f"`{str(spec.server_default).lower() if isinstance(spec.server_default, bool) else spec.server_default}`"
            if spec.server_default is not None else "none")
        if spec.replaces or spec.name == kind.id_field:
            change = f"a change **replaces** the {kind.name}"
        elif spec.write_only:
            change = "update in place; written only (never read back, so a hand edit is not seen)"
        else:
            change = "update in place"
        lines.append(f"| `{section}[N].{spec.key}` | {type_words(spec)} | {default} | {spec.doc}; {change} |")
    return "\n".join(lines)
