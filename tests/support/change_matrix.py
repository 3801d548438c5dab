"""The change-safety matrix: render the program under mocks before and after a change of one config key and
classify what the change does to every object that holds data.

What holds data: the namespace object, the claims and claim patches, the database StatefulSet (or CloudNativePG
Cluster), the Secrets and the generated credentials (pulumi-random resources, the salt key among them), and the
LiteLLM objects that hold or take users' key values (virtual keys; teams and users, whose deletion deletes their
keys). Each gets one effect:

  kept      the same inputs
  updated   changed in place
  released  no longer in the stack, left as it is in the cluster (retainOnDelete)
  rolled    the StatefulSet's pod template changed: its pod restarts on the same claim
  rotated   a virtual key issues a new value because the config asked for it (`rotation`)
  replaced  deleted and created again (pulumi-kubernetes' and the providers' own replacement rules)
  deleted   gone, and nothing of the new program takes it over (no alias)

A Secret whose data changes counts as updated: pulumi-kubernetes may replace it under the same name to change its
data, with the values the config gives; the generated values themselves are the pulumi-random resources, whose
every input change counts as replaced.

A change as a whole is `refused` when the config or a guard's check (what `pulumi preview` runs) fails, or
when it would delete a protected object (the engine fails the preview: "unable to delete resource ... as it is
currently marked for protection").
"""

from __future__ import annotations

import base64
import copy
import json
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Optional

import dill

from config import ConfigError
from config.access_groups import ACCESS_GROUP_KEYS
from config.agents import AGENT_KEYS
from config.admin_api import ADMIN_API_KEYS
from config.app import BACKEND_KEYS, DEFAULT_USER_KEYS, FRONTEND_KEYS, OAUTH_KEYS
from config.budget import BUDGET_KEYS
from config.catalog import DELIVERY_KEYS, INFERENCE_SERVICE_KEYS, KEY_KEYS, MODEL_KEYS, TEAM_KEYS, TOKEN_SECRET_KEYS
from config.credential import CREDENTIAL_KEYS
from config.customers import CUSTOMER_KEYS
from config.existing import EXISTING_FORMS
from config.gateway import AUTOSCALING_KEYS, INGRESS_KEYS, LITELLM_KEYS
from config.guardrail import GUARDRAIL_KEYS
from config.mcp_servers import MCP_SERVER_KEYS
from config.mcp_toolsets import MCP_TOOLSET_KEYS, TOOL_KEYS
from config.prompts import PROMPT_KEYS
from config.unified_access_groups import UNIFIED_ACCESS_GROUP_KEYS
from config.monitoring import ALERTING_KEYS, ALERTS_KEYS, GRAFANA_KEYS, MONITORING_KEYS
from config.postgres import BACKUP_KEYS, CLOUDNATIVEPG_KEYS, POSTGRES_KEYS
from config.redis import REDIS_KEYS
from config.search_tools import SEARCH_TOOL_KEYS
from config.stack import TOP_LEVEL_KEYS
from config.tag import TAG_KEYS
from config.team_members import MEMBER_KEYS
from config.users import USER_KEYS
from config.vector_stores import VECTOR_STORE_KEYS
from tests.support.pulumi_program import MockedPulumi, Registration, plain

EFFECTS = ("kept", "updated", "released", "rolled", "rotated", "replaced", "deleted")  # mildest first
REFUSED = "refused"
PROTECTED = "protected"  # would be deleted, but `protect`: the engine refuses the preview


def _section(keys, **children) -> dict[str, Any]:
    return {key: children.get(key) for key in keys}


# The configuration's tree: a dict is a section, a key ending in [] a list of such sections, None a leaf.
SCHEMA: dict[str, Any] = {
    **{key: None for key in TOP_LEVEL_KEYS},
    "litellm": _section(LITELLM_KEYS, autoscaling=_section(AUTOSCALING_KEYS)),
    "ingress": _section(INGRESS_KEYS),
    "postgres": _section(POSTGRES_KEYS, cloudnativepg=_section(CLOUDNATIVEPG_KEYS), backup=_section(BACKUP_KEYS)),
    "redis": _section(REDIS_KEYS),
    "monitoring": _section(MONITORING_KEYS, alerts=_section(ALERTS_KEYS), grafana=_section(GRAFANA_KEYS)),
    "alerting": _section(ALERTING_KEYS),
    "adminApi": _section(ADMIN_API_KEYS),
    "frontend": _section(FRONTEND_KEYS),
    "backend": _section(BACKEND_KEYS, defaultUser=_section(DEFAULT_USER_KEYS)),
    "oauth": _section(OAUTH_KEYS),
    "models": [_section(MODEL_KEYS, inferenceService=_section(INFERENCE_SERVICE_KEYS,
                                                              tokenSecret=_section(TOKEN_SECRET_KEYS)))],
    "teams": [_section(TEAM_KEYS, members=[_section(MEMBER_KEYS)])],
    "keys": [_section(KEY_KEYS, deliverTo=_section(DELIVERY_KEYS))],
    "accessGroups": [_section(ACCESS_GROUP_KEYS)],
    "users": [_section(USER_KEYS)],
    "credentials": [_section(CREDENTIAL_KEYS)],
    "budgets": [_section(BUDGET_KEYS)],
    "customers": [_section(CUSTOMER_KEYS)],
    "prompts": [_section(PROMPT_KEYS)],
    "tags": [_section(TAG_KEYS)],
    "guardrails": [_section(GUARDRAIL_KEYS)],
    "mcpServers": [_section(MCP_SERVER_KEYS)],
    "vectorStores": [_section(VECTOR_STORE_KEYS)],
    "mcpToolsets": [_section(MCP_TOOLSET_KEYS, tools=[_section(TOOL_KEYS)])],
    "searchTools": [_section(SEARCH_TOOL_KEYS)],
    "agents": [_section(AGENT_KEYS)],
    "unifiedAccessGroups": [_section(UNIFIED_ACCESS_GROUP_KEYS)],
    "existing": {section: [_section(forms)] for section, (_, forms) in EXISTING_FORMS.items()},
}


def leaf_keys(tree: Optional[dict[str, Any]] = None, prefix: str = "") -> list[str]:
    """Every leaf key path of the configuration: `postgres.backup.schedule`, `keys[].deliverTo.namespace`."""
    leaves = []
    for key, sub in (SCHEMA if tree is None else tree).items():
        path = f"{prefix}{key}"
        if isinstance(sub, list):
            leaves += leaf_keys(sub[0], f"{path}[].")
        elif isinstance(sub, dict):
            leaves += leaf_keys(sub, f"{path}.")
        else:
            leaves.append(path)
    return sorted(leaves)


DELETE = object()  # an edit that removes the key
_STEP = re.compile(r"([^.\[\]]+)(?:\[(\d+)\])?")


def edited(config: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """A copy of `config` with `path -> value` edits (`models[0].rpm`, `postgres.backup`)."""
    result = copy.deepcopy(config)
    for path, value in edits.items():
        steps = [(m.group(1), None if m.group(2) is None else int(m.group(2))) for m in _STEP.finditer(path)]
        node: Any = result
        for i, (name, index) in enumerate(steps):
            last = i == len(steps) - 1
            if index is None:
                if last:
                    if value is DELETE:
                        node.pop(name, None)
                    else:
                        node[name] = copy.deepcopy(value)
                else:
                    node = node.setdefault(name, {})
            else:
                items = node.setdefault(name, [])
                if last:
                    if value is DELETE:
                        items.pop(index)
                    else:
                        items[index] = copy.deepcopy(value)
                else:
                    node = items[index]
    return result


WATCHED_TYPES = (
    "kubernetes:core/v1:Namespace", "kubernetes:core/v1:NamespacePatch",
    "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:PersistentVolumeClaimPatch",
    "kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:Secret",
    "pulumi-python:dynamic/litellm:VirtualKey", "pulumi-python:dynamic/litellm:Team",
    "pulumi-python:dynamic/litellm:User",
)
CLUSTER_TYPES = ("kubernetes:postgresql.cnpg.io/v1:Cluster", "kubernetes:postgresql.k8s.enterprisedb.io/v1:Cluster")
# What pulumi-kubernetes replaces instead of updating (beyond the name and namespace of every object).
REPLACING_FIELDS = {
    "kubernetes:apps/v1:StatefulSet": ("spec.selector", "spec.serviceName", "spec.podManagementPolicy"),
    "kubernetes:core/v1:PersistentVolumeClaim": ("spec.accessModes", "spec.storageClassName", "spec.volumeMode",
                                                 "spec.selector", "spec.dataSource"),
    "kubernetes:core/v1:Secret": ("type",),
}


def watched(typ: str) -> bool:
    return typ in WATCHED_TYPES or typ in CLUSTER_TYPES or typ.startswith("random:")


@dataclass
class Rendered:
    """One run of the program: every registration, or the refusal the config raised."""

    config: dict[str, Any]
    registrations: list[Registration] = field(default_factory=list)
    refusal: Optional[str] = None

    def by_identity(self) -> dict[tuple[str, str], Registration]:
        return {(r.typ, r.name): r for r in self.registrations}


def render(config: dict[str, Any], secret_keys: tuple[str, ...], kube_read=None) -> Rendered:
    """The real program (LiteMaaS from the stack config) under mocks; a ConfigError is a refusal."""
    from components.litemaas import LiteMaaS
    from resolve import load_stack_config

    session = MockedPulumi()
    try:
        def program():
            LiteMaaS("litemaas", load_stack_config(kube_read))
        try:
            return Rendered(config, session.run(config, secret_keys, program=program).recorder.registrations)
        except ConfigError as exc:
            return Rendered(config, refusal=str(exc))
    finally:
        session.close()


def _at(value: Any, path: str) -> Any:
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class _StackConfig:
    """`pulumi.dynamic.Config` as the provider host hands it over: `get` of a key without the project prefix."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    def get(self, key: str) -> Optional[str]:
        value = self.values.get(key)
        return value if value is None or isinstance(value, str) else json.dumps(value)


def _provider(registration: Registration, config: dict[str, Any]):
    provider = dill.loads(base64.b64decode(plain(registration.inputs)["__provider"]))
    if hasattr(provider, "configure"):
        provider.configure(SimpleNamespace(config=_StackConfig(config)))
    return provider


def _dynamic_inputs(registration: Registration) -> dict[str, Any]:
    return {k: v for k, v in plain(registration.inputs).items() if k != "__provider"}


def check_failures(before: Rendered, after: Rendered) -> list[str]:
    """What the dynamic resources' checks (the guards' and the providers') refuse, as `pulumi preview` would."""
    olds_by_identity = before.by_identity()
    reasons = []
    for identity, registration in after.by_identity().items():
        if not registration.typ.startswith("pulumi-python:dynamic"):
            continue
        previous = olds_by_identity.get(identity)
        provider = _provider(registration, after.config)
        olds = provider.check({}, _dynamic_inputs(previous)).inputs if previous is not None else {}
        reasons += [f.reason for f in provider.check(olds, _dynamic_inputs(registration)).failures]
    return reasons


def effect(before: Registration, after: Registration, config: dict[str, Any]) -> str:
    """What the engine does to one object present before and after (same identity, or an alias)."""
    typ = after.typ
    if typ.startswith("pulumi-python:dynamic"):
        provider = _provider(after, config)
        olds = provider.check({}, _dynamic_inputs(before)).inputs
        news = provider.check(olds, _dynamic_inputs(after)).inputs
        diff = provider.diff("id", olds, news)
        if diff.replaces:
            return "replaced"
        if news.get("rotation_due"):
            return "rotated"
        return "updated" if diff.changes else "kept"
    old, new = plain(before.inputs), plain(after.inputs)
    if typ != before.typ and (typ.endswith("Patch") or before.typ.endswith("Patch")):
        # An alias between an object and its patch: the same object under server-side apply.
        old, new = _without_patch_annotations(old), _without_patch_annotations(new)
    if old == new:
        return "kept"
    if typ.startswith("random:"):
        return "replaced"  # every input of a pulumi-random resource forces a new value
    ignored = set(after.request.ignoreChanges)
    for path in ("metadata.name", "metadata.namespace", *REPLACING_FIELDS.get(typ, ())):
        if path not in ignored and _at(old, path) != _at(new, path):
            return "replaced"
    if typ == "kubernetes:apps/v1:StatefulSet" and _at(old, "spec.template") != _at(new, "spec.template"):
        return "rolled"
    return "updated"


def _without_patch_annotations(inputs: dict[str, Any]) -> dict[str, Any]:
    meta = dict(inputs.get("metadata") or {})
    meta.pop("annotations", None)
    return {**inputs, "metadata": meta}


def classify(before: Rendered, after: Rendered) -> dict[str, str]:
    """`type::name` -> effect, for every object that holds data before the change (created ones are left out)."""
    old, new = before.by_identity(), after.by_identity()
    effects = {}
    for (typ, name), registration in old.items():
        if not watched(typ):
            continue
        successor = new.get((typ, name)) or _taking_over(new.values(), typ, name)
        if successor is None:
            effects[f"{typ}::{name}"] = PROTECTED if registration.request.protect else \
                "released" if registration.request.retainOnDelete else "deleted"
        else:
            effects[f"{typ}::{name}"] = effect(registration, successor, after.config)
    return effects


def _taking_over(registrations, typ: str, name: str) -> Optional[Registration]:
    """The new object that aliases an old one: another type under the name, or another name of the type."""
    for r in registrations:
        if (r.name == name and typ in r.alias_types) or \
                (r.typ == typ and name in {a.spec.name for a in r.request.aliases if a.spec.name}):
            return r
    return None


def summary(effects: dict[str, str]) -> str:
    """The strongest effect of a change on what holds data."""
    if PROTECTED in effects.values():
        return REFUSED
    return max(effects.values(), key=EFFECTS.index, default="kept")
