"""The stack config's `existing` section in the catalog: one read-only `litellm:Lookup` per object the stack names
without owning it, and what the referencing resources take from it (the resolved id, a dependency)."""

from __future__ import annotations

from typing import Callable, Iterable, Optional

import pulumi

from config.existing import ExistingConfig
from dynamic_providers.lookup import Lookup
from dynamic_providers.provider_base import AdminConnection


class ExistingObjects:
    """The Lookups of one catalog, by (kind, the name references use)."""

    def __init__(self, prefix: str, config: ExistingConfig, connection: AdminConnection,
                 opts: Callable[[], pulumi.ResourceOptions]) -> None:
        self.lookups = {(ref.kind, ref.value): Lookup(
            f"{prefix}-existing-{ref.kind}-{ref.value}", connection=connection, kind=ref.kind, by=ref.by,
            value=ref.value, config_key=ref.key, opts=opts()) for ref in config.all}

    def get(self, kind: str, name: Optional[str]) -> Optional[Lookup]:
        return self.lookups.get((kind, name)) if name is not None else None

    def id_of(self, kind: str, name: Optional[str]) -> Optional[pulumi.Output[str]]:
        found = self.get(kind, name)
        return found.object_id if found is not None else None

    def models(self, names: Iterable[str]) -> list[Lookup]:
        return [found for name in names if (found := self.get("model", name)) is not None]
