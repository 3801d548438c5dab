"""Production rules over the Kubernetes objects the program makes: Redis for several gateway pods, backups of
the bundled PostgreSQL, monitoring."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from .model import (
    AUTOSCALER, CRON_JOB, DEPLOYMENT, GATEWAY, NAME_LABEL, POSTGRES, POSTGRES_BACKUP, PROJECT, REDIS_CLIENT_LABEL,
    SERVICE_MONITOR, STATEFUL_SET, Resource, StackPaths, Violation, number,
)


def _is(resource: Resource, kind: str, component: Optional[str] = None) -> bool:
    """An object of `kind` labelled as the program labels `component`'s objects (any component when None)."""
    if resource.type != kind:
        return False
    labels = (resource.get("metadata", {}) or {}).get("labels") or {}
    return component is None or isinstance(labels, dict) and labels.get(NAME_LABEL) == component


def _named(resources: Sequence[Resource], kind: str, component: str) -> list[Resource]:
    return [r for r in resources if _is(r, kind, component)]


def gateway_replicas_need_redis(resources: Sequence[Resource], settings: Mapping[str, Any],
                                paths: StackPaths) -> Iterable[Violation]:
    """Several gateway pods share rate limits, budgets and revocations only through Redis."""
    for deployment in _named(resources, DEPLOYMENT, GATEWAY):
        spec = deployment.get("spec", {}) or {}
        replicas = number(spec.get("replicas"))
        autoscalers = [a for a in _named(resources, AUTOSCALER, GATEWAY)
                       if (number((a.get("spec", {}) or {}).get("maxReplicas")) or 0) > 1]
        if (replicas or 0) <= 1 and not autoscalers:
            continue
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        if isinstance(template_labels, dict) and template_labels.get(REDIS_CLIENT_LABEL) == "true":
            continue
        if autoscalers:
            pods = f"up to {number(autoscalers[0].get('spec', {}).get('maxReplicas')):g}"
            single = f"{PROJECT}:litellm.replicas 1 instead of {PROJECT}:litellm.autoscaling"
        else:
            pods, single = f"{replicas:g}", f"{PROJECT}:litellm.replicas 1"
        yield Violation(
            f"the gateway runs {pods} pods without Redis, so each pod keeps its own rate limits, spend counters and "
            f"revoked keys: set {PROJECT}:redis.enabled true (a bundled Redis) or {PROJECT}:redis.url, or run one "
            f"pod ({single})", deployment.urn)



def missing_companion(kind: str, component: str, companion: tuple[str, Optional[str]], doc: str, message: str
                      ) -> Callable[[Sequence[Resource], Mapping[str, Any], StackPaths], Iterable[Violation]]:
    """A stack rule: each `component` object of `kind`, in a stack without a `companion` (kind, component) object,
    is a violation with `message`."""
    def check(resources: Sequence[Resource], settings: Mapping[str, Any], paths: StackPaths) -> Iterable[Violation]:
        if any(_is(r, *companion) for r in resources):
            return
        for resource in _named(resources, kind, component):
            yield Violation(message, resource.urn)

    check.__doc__ = doc
    return check


database_backups = missing_companion(
    STATEFUL_SET, POSTGRES, (CRON_JOB, POSTGRES_BACKUP),
    "The bundled PostgreSQL (keys, spend, teams) has a scheduled backup.",
    f"the bundled PostgreSQL holds every key, team and spend record but has no backup: set "
    f"{PROJECT}:postgres.backup (e.g. {{schedule: \"15 2 * * *\", retain: 7, storageSize: 20Gi}}; README, "
    f"\"Backups and restore\"), or use postgres.mode cloudnativepg or postgres.externalDatabaseUrl with "
    f"their own backups")
monitoring_enabled = missing_companion(
    DEPLOYMENT, GATEWAY, (SERVICE_MONITOR, None), "The gateway's metrics (spend, budgets, errors) are scraped.",
    f"the gateway is not monitored (no ServiceMonitor): set {PROJECT}:monitoring.enabled true for LiteLLM's "
    f"Prometheus metrics of spend, budgets and errors (OpenShift user-workload monitoring scrapes them)")
