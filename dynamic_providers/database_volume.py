"""`litemaas:DatabaseVolume`: what the PostgreSQL volume was last given, so that `pulumi preview` can say what a
change of `postgres.storageSize` / `postgres.storageClass` will do before anything is touched.

A StatefulSet's volumeClaimTemplates are immutable, so the StatefulSet ignores them after creation and the claim
itself (`data-postgres-0`) is patched instead. A claim can grow in place (where its storage class allows
expansion), but it can never shrink, and its storage class can never change: this resource refuses both at
preview with the procedure. It makes no call anywhere; its only state is its inputs.

The provider is pickled BY REFERENCE into the state: the module path and class name are API, never move them.
"""

from __future__ import annotations

import re
from typing import Any, Optional

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult

from dynamic_providers.guard_provider import GuardProvider
from dynamic_providers.provider_base import is_unknown, plain

INPUTS = ("namespace", "claim", "statefulset_uid", "storage_size", "storage_class")
_QUANTITY = re.compile(r"^\+?(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$")
_SUFFIXES = {None: 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
             "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def parse_quantity(quantity: str) -> float:
    """The value of a Kubernetes quantity (`10Gi`, `500M`, `1.5Ti`, `2e3`); ValueError otherwise."""
    match = _QUANTITY.match(quantity.strip()) if isinstance(quantity, str) else None
    if not match:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity")
    number, suffix = float(match.group(1)), match.group(2)
    if suffix and suffix[0] in "eE":
        return number * 10 ** int(suffix[1:])
    return number * _SUFFIXES[suffix]


def move_procedure(namespace: str, claim: str) -> str:
    """How to move the database to a volume of another size or class (dump, new claim, restore)."""
    ns = namespace if isinstance(namespace, str) and not is_unknown(namespace) else "<namespace>"
    return ("To move the data to a new volume instead: "
            f"(1) `oc -n {ns} exec statefulset/postgres -- pg_dump -Fc -U litellm -d litellm > litellm.dump`; "
            f"(2) `oc -n {ns} delete statefulset postgres && oc -n {ns} delete pvc {claim}`; "
            "(3) set the new value and run `pulumi up --refresh` (a new StatefulSet creates the new claim); "
            f"(4) `oc -n {ns} exec -i statefulset/postgres -- pg_restore -U litellm -d litellm --clean --if-exists "
            "< litellm.dump`. See README, \"Resizing the database volume\".")


class DatabaseVolumeProvider(GuardProvider):
    """Refuses, at check (so at preview), the volume changes that cannot be done in place; the claim's fate
    on delete is the StatefulSet's retention policy."""

    INPUTS = INPUTS

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        olds, inputs = plain(dict(olds or {})), plain(dict(news or {}))
        failures: list[CheckFailure] = []
        # Only the same StatefulSet keeps the same claim; a new one (unknown uid at preview) creates its own.
        same_claim = bool(olds) and not is_unknown(inputs.get("statefulset_uid")) and \
            olds.get("statefulset_uid") == inputs.get("statefulset_uid")
        if same_claim and not any(is_unknown(inputs.get(k)) for k in ("storage_size", "storage_class")):
            claim = inputs.get("claim") or olds.get("claim")
            procedure = move_procedure(inputs.get("namespace") or olds.get("namespace"), claim)
            old_size, new_size = olds.get("storage_size"), inputs.get("storage_size")
            if _smaller(new_size, old_size):
                failures.append(CheckFailure("storage_size", (
                    f"litemaas:postgres.storageSize: {new_size} is smaller than the volume's {old_size}; a claim can "
                    f"never shrink. Keep `postgres.storageSize` at {old_size} or more. {procedure}")))
            old_class, new_class = olds.get("storage_class"), inputs.get("storage_class")
            if old_class != new_class:
                failures.append(CheckFailure("storage_class", (
                    f"litemaas:postgres.storageClass: the volume {claim} was created with "
                    f"{_class_name(old_class)}; a claim's storage class can never change. Set it back with "
                    f"{_class_fix(old_class)}. {procedure}")))
        return CheckResult(inputs, failures)

    def resource_id(self, props: dict[str, Any]) -> str:
        return f"{props.get('namespace')}/{props.get('claim')}"


def _smaller(new: Any, old: Any) -> bool:
    try:
        return parse_quantity(new) < parse_quantity(old)
    except ValueError:
        return False  # config has refused a malformed size already


def _class_name(storage_class: Optional[str]) -> str:
    return f"storage class {storage_class!r}" if storage_class else "the cluster's default storage class"


def _class_fix(storage_class: Optional[str]) -> str:
    if storage_class:
        return f"`pulumi config set --path postgres.storageClass {storage_class}`"
    return "`pulumi config rm --path postgres.storageClass`"


class DatabaseVolume(pulumi.dynamic.Resource, module="litemaas", name="DatabaseVolume"):
    """The size and class the PostgreSQL claim was given, checked against the config at every preview."""

    def __init__(self, resource_name: str, *, namespace: pulumi.Input[str], claim: str,
                 statefulset_uid: pulumi.Input[str], storage_size: str, storage_class: Optional[str],
                 opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__(DatabaseVolumeProvider(), resource_name, {
            "namespace": namespace, "claim": claim, "statefulset_uid": statefulset_uid,
            "storage_size": storage_size, "storage_class": storage_class}, opts)
