"""docs/dynamic-providers.md's table of kinds names every LiteLLM resource class, at the path its state pickles."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import dynamic_providers
from dynamic_providers.provider_base import LiteLLMResource

DOCS = Path(__file__).resolve().parents[1] / "docs" / "dynamic-providers.md"
ROW = re.compile(r"^\| [^|]+ \| `(?P<path>[\w.]+)` \| `pulumi-python:(?P<token>dynamic/litellm:\w+)` \|", re.MULTILINE)


def every_kind() -> set[type]:
    """The resource classes of `dynamic_providers` (tests declare kinds of their own; those are not the product's)."""
    for module in pkgutil.iter_modules(dynamic_providers.__path__):
        importlib.import_module(f"dynamic_providers.{module.name}")
    kinds, pending = set(), [LiteLLMResource]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("dynamic_providers."):
                kinds.add(subclass)
    return kinds


def test_the_docs_table_names_every_kind_by_its_type_and_importable_class():
    rows = {match["token"]: match["path"] for match in ROW.finditer(DOCS.read_text())}
    assert sorted(rows) == sorted(kind._resource_type_name for kind in every_kind())
    for token, path in rows.items():
        module, name = path.rsplit(".", 1)
        assert getattr(importlib.import_module(module), name)._resource_type_name == token, path
