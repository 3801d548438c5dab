"""`litemaas status`: health, version, database, counts, and declared vs live (with --all, every tenant stack)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from dynamic_providers.admin_client import AdminClient
from litemaas_common.litellm_versions import parse_version, version_warning
from litemaas_cli import reports
from litemaas_cli.session import EXIT_FINDINGS, Session, gateway_health, tenant_stacks



def cmd_status(session: Session, api: AdminClient) -> int:
    target = session.target
    details = gateway_health(session, api)
    database = details.get("db")
    healthy = details.get("status") == "healthy"
    models = teams = keys = []
    if database == "connected":
        session.progress("reading models, teams and keys")
        models, teams, keys = api.list_models(), api.list_teams(), api.list_keys()
    all_teams, all_keys = teams, keys
    declared = target.declared
    if target.stack:  # objects other stacks made are theirs, not drift of this one
        teams, keys = _own(target.stack, teams), _own(target.stack, keys)
    if target.platform_stack and declared is not None:  # a tenant's models are its platform's
        declared = replace(declared, models=[m.get("model_name") for m in models])
    drift = reports.drift(declared, models, teams, keys) if declared is not None and database == "connected" else None
    missing = any(d["missing"] for d in drift.values()) if drift else False
    tenants = None
    if session.args.all:
        tenants = _tenant_status(session, all_teams, all_keys)
        missing = missing or any(t["missing"] for t in tenants.values())
    document = {
        "gateway": target.url, "stack": target.stack, "status": details.get("status"),
        "version": details.get("litellm_version"), "database": database,
        # Why the version is outside what LiteMaaS was tested with (None when it was tested).
        "version_warning": version_warning(parse_version(details.get("litellm_version"))),
        "live": {"models": len(models), "teams": len(teams), "keys": len(keys)},
        "declared": None if declared is None else {"models": len(declared.models), "teams": len(declared.teams),
                                                   "keys": len(declared.keys)},
        "drift": drift,
        **({"tenants": tenants} if tenants is not None else {}),
    }
    if session.args.json:
        session.emit(json.dumps(document, indent=2) + "\n")
    else:
        session.emit(_status_text(document))
    return 0 if healthy and database == "connected" and not missing else EXIT_FINDINGS


def _status_text(doc: dict[str, Any]) -> str:
    stack = f" (stack {doc['stack']})" if doc["stack"] else ""
    lines = [f"gateway:   {doc['gateway']}{stack}",
             f"health:    {doc['status']}, LiteLLM {doc['version'] or 'unknown'}",
             f"database:  {doc['database']}"]
    if doc["version_warning"]:
        lines.insert(2, f"warning:   {doc['version_warning']} (README: LiteLLM versions)")
    for kind in ("models", "teams", "keys"):
        declared = f", {doc['declared'][kind]} declared" if doc["declared"] else ""
        lines.append(f"{kind + ':':<10} {doc['live'][kind]} live{declared}")
    drift = doc["drift"]
    if drift is None:
        lines.append("declared vs live: not compared (no stack; use --stack to compare)"
                     if doc["declared"] is None else "declared vs live: not compared (no database)")
    else:
        missing = [(k, n) for k, d in drift.items() for n in d["missing"]]
        extra = [(k, n) for k, d in drift.items() for n in d["undeclared"]]
        if missing:
            lines.append("declared in the stack but missing on the gateway (`pulumi up` creates them):")
            lines += [f"  {kind:<6} {name}" for kind, name in missing]
        if extra:
            lines.append("on the gateway but not in the stack (made by hand? the stack does not manage them):")
            lines += [f"  {kind:<6} {name}" for kind, name in extra]
        if not missing and not extra:
            lines.append("declared vs live: in sync")
    if doc.get("tenants") is not None:
        lines.append(f"tenant stacks: {len(doc['tenants'])}")
        for name, tenant in doc["tenants"].items():
            gaps = f", missing: {' '.join(tenant['missing'])}" if tenant["missing"] else ""
            lines.append(f"  {name}: {tenant['live']['keys']}/{tenant['declared']['keys']} keys, "
                         f"{tenant['live']['teams']}/{tenant['declared']['teams']} teams live{gaps}")
    return "\n".join(lines) + "\n"


def _own(stack: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `stack` made, and what no stack stamped (made by hand, or before stacks stamped their objects)."""
    return [i for i in items if reports.owner(i) is None or reports.owned_by(stack, i)]


def _tenant_status(session: Session, teams: list[dict[str, Any]], keys: list[dict[str, Any]]) -> dict[str, Any]:
    """Per tenant stack: declared vs live keys and teams (live: stamped with the tenant's name)."""
    found = {}
    for name, outputs in tenant_stacks(session).items():
        live_keys = {k.get("key_alias") for k in keys if reports.owned_by(name, k)}
        live_teams = {t.get("team_alias") for t in teams if reports.owned_by(name, t)}
        declared_teams = sorted(outputs.get("teams") or {})
        found[name] = {"declared": {"keys": len(outputs["keys"]), "teams": len(declared_teams)},
                       "live": {"keys": len(live_keys), "teams": len(live_teams)},
                       "missing": sorted({*(set(outputs["keys"]) - live_keys), *(set(declared_teams) - live_teams)})}
    return found
