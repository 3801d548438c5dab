"""A dynamic resource that calls nothing: what one resource per key costs the engine and the SDK alone."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult


class NullKeyProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        value = f"sk-{secrets.token_urlsafe(16)}"
        return CreateResult(hashlib.sha256(value.encode()).hexdigest(),
                            {**props, "key": value, "key_name": f"sk-...{value[-4:]}"})

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [name for name, value in news.items() if name != "__provider" and olds.get(name) != value]
        return DiffResult(changes=bool(changed))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult({**olds, **news})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


class NullKey(Resource):
    key: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(NullKeyProvider(), name, {**props, "key": None, "key_name": None},
                         pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["key"])))
