"""`litemaas:DatabaseHome`: which database the gateway uses (the namespace and kind of the one the stack deploys, or
an external one), so that `pulumi preview` refuses a change that would silently point it at a new, empty database.

A new `namespace`, or a switch of `postgres.mode` (or to or from `postgres.externalDatabaseUrl`), gives the gateway
another database: the StatefulSet (or Cluster) is made anew with an empty claim, the old one is left behind or
deleted, and every model, team and key the gateway held is gone from its view (users' keys stop working). The
safe path is a backup, a new stack, a restore; an admin who really wants the new database says so with
`postgres.acknowledgeNewDatabase: <namespace>/<kind>`, which matches this one change only (a value left behind
acknowledges nothing else). It makes no call anywhere; its only state is its inputs.

The provider is pickled BY REFERENCE into the state: the module path and class name are API, never move them.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult

from dynamic_providers.guard_provider import GuardProvider
from dynamic_providers.provider_base import plain

INPUTS = ("namespace", "kind", "acknowledged", "namespace_object")
# Kinds whose data lives in the stack's namespace.
IN_NAMESPACE = ("bundled", "cloudnativepg", "cloudnativepg-edb")
ACKNOWLEDGE_KEY = "postgres.acknowledgeNewDatabase"


def location(namespace: Optional[str], kind: Optional[str]) -> str:
    return f"{namespace}/{kind}"


def procedure(namespace: str, kind: str) -> str:
    return ("The safe path keeps the data: (1) back up the current database (README, \"Backups and restore\": "
            f"`oc -n {namespace} exec statefulset/postgres -- pg_dump -Fc -U litellm -d litellm > litellm.dump` for "
            f"the bundled one); (2) deploy the new place as a new stack (`pulumi stack init`, same config with the "
            "new value, `litellm.saltKey` copied so stored model credentials stay readable); (3) restore the dump "
            "into it; (4) move users over, then `pulumi destroy` the old stack." if kind in IN_NAMESPACE else
            "Restore a backup of the external database into the new one first (README, \"Backups and restore\").")


class DatabaseHomeProvider(GuardProvider):
    """Refuses, at check (so at preview), a change of the database's namespace or kind that is not acknowledged."""

    INPUTS = INPUTS

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        if olds:
            old_ns, old_kind = olds.get("namespace"), olds.get("kind")
            new_ns, new_kind = inputs.get("namespace"), inputs.get("kind")
            moved_namespace = old_ns != new_ns and (old_kind in IN_NAMESPACE or new_kind in IN_NAMESPACE)
            # From a database of the stack to anything else; from any database to a new one of the stack.
            new_database = old_kind != new_kind and (old_kind in IN_NAMESPACE or new_kind in IN_NAMESPACE)
            if (moved_namespace or new_database) and inputs.get("acknowledged") != location(new_ns, new_kind):
                key = "namespace" if moved_namespace else _kind_key(old_kind, new_kind)
                what = (f"moves the stack from namespace {old_ns!r} to {new_ns!r}" if moved_namespace else
                        f"switches the database from {_kind_name(old_kind)} to {_kind_name(new_kind)}")
                failures.append(CheckFailure("kind", (
                    f"litemaas:{key}: this change {what}: the gateway would start on a new, empty database and "
                    f"every model, team and key it serves now (and so every user's key) would be gone from its "
                    f"view; {_kind_name(old_kind)} is left behind{_left_behind(old_kind)}. "
                    f"{procedure(old_ns, old_kind)} To make this change anyway, set "
                    f"`pulumi config set --path {ACKNOWLEDGE_KEY} {location(new_ns, new_kind)}`, or set the old "
                    f"value back.")))
            elif olds.get("namespace_object") == "owned" and inputs.get("namespace_object") == "none" and \
                    old_ns == new_ns:
                failures.append(CheckFailure("namespace_object", (
                    f"litemaas:createNamespace: the stack owns namespace {old_ns!r} (postgres.deleteDataOnDestroy is "
                    "true), so leaving it out of the stack would delete it, and the database in it, now. Switch "
                    "`postgres.deleteDataOnDestroy` to false first and run `pulumi up` (the namespace is then only "
                    "adopted and kept), then set `createNamespace` to false.")))
        return CheckResult(inputs, failures)

    def resource_id(self, props: dict[str, Any]) -> str:
        return location(props.get("namespace"), props.get("kind"))


def _kind_key(old_kind: Optional[str], new_kind: Optional[str]) -> str:
    """The config key that switched the database's kind."""
    if "external" in (old_kind, new_kind):
        return "postgres.externalDatabaseUrl"
    if {old_kind, new_kind} == {"cloudnativepg", "cloudnativepg-edb"}:
        return "postgres.cloudnativepg.apiGroup"
    return "postgres.mode"


def _kind_name(kind: Optional[str]) -> str:
    return {"bundled": "the bundled PostgreSQL", "cloudnativepg": "the CloudNativePG cluster",
            "cloudnativepg-edb": "the EDB Postgres for Kubernetes cluster",
            "external": "the external database (postgres.externalDatabaseUrl)"}.get(kind or "", repr(kind))


def _left_behind(kind: Optional[str]) -> str:
    return " (its claim kept or deleted as postgres.deleteDataOnDestroy says)" if kind in IN_NAMESPACE else ""


class DatabaseHome(pulumi.dynamic.Resource, module="litemaas", name="DatabaseHome"):
    """Where the gateway's database is, checked against the config at every preview."""

    def __init__(self, resource_name: str, *, namespace: str, kind: str, acknowledged: Optional[str],
                 namespace_object: str, opts: Optional[pulumi.ResourceOptions] = None):
        """`namespace_object`: `owned` (deleted with the stack), `adopted` (a kept patch) or `none`."""
        super().__init__(DatabaseHomeProvider(), resource_name,
                         {"namespace": namespace, "kind": kind, "acknowledged": acknowledged,
                          "namespace_object": namespace_object}, opts)
