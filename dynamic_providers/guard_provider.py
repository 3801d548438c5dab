"""The shared half of the guard resources (DatabaseHome, DatabaseVolume): state is only their inputs.

A guard's `check` refuses, at preview, a config change that would lose data; everything else is bookkeeping: any
change of its inputs is an in-place update, and it calls nothing anywhere.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider, UpdateResult

from dynamic_providers.provider_base import plain


class GuardProvider(ResourceProvider):
    """Remembers its inputs; a subclass states `INPUTS`, its `check`, and the id it is created with."""

    INPUTS: tuple[str, ...] = ()

    def resource_id(self, props: dict[str, Any]) -> str:
        raise NotImplementedError

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        olds, news = plain(dict(olds or {})), plain(dict(news or {}))
        changed = [k for k in self.INPUTS if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        props = plain(dict(props))
        return CreateResult(id_=self.resource_id(props), outs=props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(outs=plain(dict(news)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing to delete: it only remembers (what it guards follows its own lifecycle)."""
