"""A reference to a LiteLLM team, user, budget or model the stack does not own, as the read-only dynamic resource
`litellm:Lookup` (the stack config's `existing` section).

The lookup runs in `check`, which the engine calls at every preview and `up`: a missing object is a check failure
naming the config key, before anything is created, and the resolved id is an input, known at preview, that the
referencing keys and memberships take (a changed id shows as their update). Create, update and delete make no
LiteLLM call: deleting a Lookup (removing the reference, `pulumi destroy`) leaves the object on the gateway.
`read` (refresh) makes none either; the next check looks again.

Why not `Resource.get`: a read of a dynamic resource reports failures as a Python traceback, a missing object as
the engine's bare "does not exist" without the config key, and an alias or email must first be resolved to an id.

Cost: one call per reference per provider process (the engine starts one per run), cached by (gateway, kind, how,
value) and never stored; an alias or email pages through its (partial-match) filter, usually one page. A 401/403
is reported as the admin API error it is, never as "missing".

API: `LookupProvider` and `Lookup` are pickled by reference; the module path and class names are stable API.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import pulumi
from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult
from pulumi.runtime import rpc

from dynamic_providers.admin.errors import absent_as_none
from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError
from dynamic_providers.provider_base import Field, LiteLLMProvider, LiteLLMResource, has_unknown

# kind -> how it is named -> (the endpoint the message cites, the call: the matching objects' ids)
Finder = Callable[[AdminClient, str], list[str]]


def _team_by_id(api: AdminClient, team_id: str) -> list[str]:
    found = absent_as_none(lambda: api.get("/team/info", {"team_id": team_id}))
    return [team_id] if found else []


def _team_by_alias(api: AdminClient, alias: str) -> list[str]:
    """LiteLLM's `team_alias` filter matches parts of aliases, and aliases are not unique: exact matches only."""
    rows = api._pages("/v2/team/list", {"team_alias": alias}, "teams", size_param="page_size", size=100)
    return [t["team_id"] for t in rows if isinstance(t, dict) and t.get("team_alias") == alias]


def _user_by_id(api: AdminClient, user_id: str) -> list[str]:
    found = absent_as_none(lambda: api.get("/user/info", {"user_id": user_id}))
    return [user_id] if found and (found.get("user_info") or {}).get("user_id", user_id) == user_id else []


def _user_by_email(api: AdminClient, email: str) -> list[str]:
    """`user_email` matches parts of addresses too: the exact address (ignoring case) only."""
    rows = api._pages("/user/list", {"user_email": email}, "users", size_param="page_size", size=100)
    return [u["user_id"] for u in rows if isinstance(u, dict) and (u.get("user_email") or "").lower() == email.lower()]


def _budget(api: AdminClient, name: str) -> list[str]:
    return [name] if api.budget_info(name) else []  # LiteLLM answers a missing budget with 200 []


def _model(api: AdminClient, name: str) -> list[str]:
    rows = (api.get("/v2/model/info", {"model": name}) or {}).get("data") or []  # missing: 200 with no rows
    return [name] if any(isinstance(r, dict) and r.get("model_name") == name for r in rows) else []


FINDERS: dict[tuple[str, str], tuple[str, Finder]] = {
    ("team", "id"): ("/team/info", _team_by_id),
    ("team", "alias"): ("/v2/team/list", _team_by_alias),
    ("user", "id"): ("/user/info", _user_by_id),
    ("user", "email"): ("/user/list", _user_by_email),
    ("budget", "name"): ("/budget/info", _budget),
    ("model", "name"): ("/v2/model/info", _model),
}
# What the provider process has looked up: (admin URL, kind, how, value) -> the matching ids. Never persisted, so
# the next run sees deletions and renames.
_FOUND: dict[tuple[str, str, str, str], list[str]] = {}
_FOUND_LOCK = threading.Lock()


def forget_lookups() -> None:
    """Empty the process's cache (tests)."""
    with _FOUND_LOCK:
        _FOUND.clear()


class LookupProvider(LiteLLMProvider):
    """Read-only: the lookup in check, no LiteLLM call in create, update, read or delete. Pickled by reference."""

    fields = (
        Field("kind", "str", required=True, choices=tuple(sorted({kind for kind, _ in FINDERS}))),
        Field("by", "str", required=True),
        Field("value", "str", required=True),
        Field("config_key", "str"),  # for messages only: never compared
        Field("object_id", "str"),  # set by check: the id the referencing resources take
    )

    def check_resource(self, olds: dict[str, Any], inputs: dict[str, Any], failures: list[CheckFailure]) -> None:
        kind, by, value = inputs["kind"], inputs["by"], inputs["value"]
        if (kind, by) not in FINDERS:
            failures.append(CheckFailure("by", f"a {kind} is looked up by {' or '.join(b for k, b in FINDERS if k == kind)}"
                                         f", not {by}"))
            return
        connection = self.stack.resolve(inputs)
        if has_unknown([connection.get("admin_url"), connection.get("master_key"), value]):
            inputs["object_id"] = rpc.UNKNOWN  # the gateway is made in this run: looked up at `up`
            return
        endpoint, find = FINDERS[(kind, by)]
        what = f"{kind} {value!r} (`{inputs.get('config_key') or 'existing'}`)"
        cache_key = (str(connection["admin_url"]).rstrip("/"), kind, by, value)
        with _FOUND_LOCK:
            ids = _FOUND.get(cache_key)
        if ids is None:
            try:
                with self.client(inputs) as api:
                    ids = find(api, value)
            except LiteLLMAdminError as exc:
                failures.append(CheckFailure("value", f"could not look up {what}: {exc}"))
                return
            with _FOUND_LOCK:
                _FOUND[cache_key] = ids
        if not ids:
            failures.append(CheckFailure("value", f"{what} does not exist on the gateway (looked up by {by} with "
                                         f"{endpoint}); create it there, fix the {by}, or drop the entry and the "
                                         f"references to it"))
        elif len(ids) > 1:
            failures.append(CheckFailure("value", f"{what} names {len(ids)} {kind}s (ids {', '.join(ids)}); LiteLLM "
                                         f"does not keep {by}es unique: name the one meant by its id instead"))
        else:
            inputs["object_id"] = ids[0]

    def changed_fields(self, olds: dict[str, Any], news: dict[str, Any]) -> list[str]:
        return [name for name in super().changed_fields(olds, news) if name != "config_key"]

    def create(self, props):
        props = self.normalised(props)
        return CreateResult(f"{props['kind']}/{props['by']}/{props['value']}", self.stored(props))

    def update(self, id_, olds, news):
        return UpdateResult(self.stored(self.normalised(news)))

    def read(self, id_, props):
        return ReadResult(id_, self.stored(self.normalised(props)))

    def delete(self, id_, props):
        """The object is not the stack's: nothing to delete on the gateway."""


class Lookup(LiteLLMResource, module="litellm", name="Lookup"):
    """An existing team, user, budget or model (read-only); `object_id` is its id (a budget's or model's: its name).
    Type token `pulumi-python:dynamic/litellm:Lookup`."""

    provider_class = LookupProvider
    object_id: pulumi.Output[str]

