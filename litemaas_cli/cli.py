"""`litemaas`: day-2 admin command for a LiteMaaS gateway. Read-only: it changes nothing on the gateway or stack.

Exit codes: 0 fine; 1 findings (drift, keys needing attention, a failed diagnosis check); 2 usage or stack
problems (no stack selected, no master key); 3 gateway unreachable (connection, TLS, timeout); 4 master key
rejected (401/403); 5 any other admin API error (e.g. no database).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional, Sequence

from dynamic_providers.admin_client import (PLAIN_HTTP_REFUSED, AdminClient, LiteLLMAdminError, RetryPolicy, hash_key,
                                            redact)
from litemaas_common.litellm_versions import parse_version, version_warning
from litemaas_cli import render, reports
from litemaas_common.handoff import day, handoff_message, money
from litemaas_cli.reports import Check
from litemaas_cli.target import Target, TargetError, estate, from_stack, from_url

EXIT_FINDINGS, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_AUTH, EXIT_API = 1, 2, 3, 4, 5
# A person is waiting: two quick retries, not the providers' patient backoff.
CLI_RETRIES = RetryPolicy(attempts=2, backoff_factor=0.2, backoff_max=2.0, retry_after_max=5)


class CliError(Exception):
    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def duration(value: str) -> timedelta:
    from config import parse_litellm_duration

    try:
        return timedelta(seconds=parse_litellm_duration(value))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Session:
    """One command run: the target, the output streams (master key masked on both) and progress on stderr."""

    def __init__(self, args: argparse.Namespace, out=None, err=None):
        self.args = args
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.target: Optional[Target] = None

    def progress(self, message: str) -> None:
        if not self.args.quiet:
            print(f"litemaas: {self._mask(message)}", file=self.err, flush=True)

    def emit(self, text: str) -> None:
        self.out.write(self._mask(text))
        self.out.flush()

    def _mask(self, text: str) -> str:
        master = self.target.master_key if self.target else None
        return text.replace(master, "***") if master else text

    def resolve(self) -> Target:
        args = self.args
        try:
            if args.url and not args.stack:
                self.target = from_url(args.url, allow_insecure_http=args.allow_insecure_http)
            else:
                self.target = from_stack(Path(args.cwd).resolve(), args.stack, self.progress)
                if args.url:  # e.g. a port-forward to the stack's gateway
                    self.target = replace(self.target, url=args.url, allow_insecure_http=args.allow_insecure_http)
        except TargetError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        return self.target

    def client(self) -> AdminClient:
        assert self.target is not None
        return AdminClient(self.target.connection(self.args.timeout), policy=CLI_RETRIES, wait_ready=False)


def api_error(exc: LiteLLMAdminError, url: str) -> CliError:
    if exc.status in (401, 403):
        return CliError(f"the gateway at {url} rejected the master key (HTTP {exc.status}): {exc.message}. "
                        "Is this the stack's gateway, and was the master key rotated without `pulumi up`?", EXIT_AUTH)
    if exc.message.startswith(PLAIN_HTTP_REFUSED):
        return CliError(f"{exc.message.split(': anyone', 1)[0]}: anyone on the path could read it; use the https:// "
                        "URL, a port-forward (http://127.0.0.1:4000), or --allow-insecure-http on a lab network",
                        EXIT_USAGE)
    if exc.no_response:
        return CliError(f"cannot reach the gateway at {url}: {exc.message}"
                        + (f". {exc.hint}" if exc.hint else ""), EXIT_UNREACHABLE)
    return CliError(str(exc), EXIT_API)


def gateway_health(session: Session, api: AdminClient) -> dict[str, Any]:
    """/health/readiness/details: proves the gateway answers and accepts the master key."""
    session.progress(f"asking {session.target.url} for its health")
    return api.readiness_details()


def require_database(details: dict[str, Any]) -> None:
    if details.get("db") != "connected":
        raise CliError(f"the gateway has no working database (db: {details.get('db')!r}); keys, teams and spend "
                       "live there: check DATABASE_URL and the postgres pod", EXIT_API)


# --- status -----------------------------------------------------------------------------------------


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


def _estate(session: Session) -> dict[str, dict[str, Any]]:
    target = session.target
    if not target.stack or target.platform_stack:
        raise CliError("--all needs the platform stack: run it in the platform's project with `--stack PLATFORM` "
                       f"(stack {target.stack} is a tenant of {target.platform_stack})" if target.platform_stack else
                       "--all needs the platform stack (--stack NAME), not --url", EXIT_USAGE)
    try:
        return estate(Path(session.args.cwd).resolve(), target.stack, session.progress)
    except TargetError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _tenant_status(session: Session, teams: list[dict[str, Any]], keys: list[dict[str, Any]]) -> dict[str, Any]:
    """Per tenant stack: declared vs live keys and teams (live: stamped with the tenant's name)."""
    found = {}
    for name, outputs in _estate(session).items():
        live_keys = {k.get("key_alias") for k in keys if reports.owned_by(name, k)}
        live_teams = {t.get("team_alias") for t in teams if reports.owned_by(name, t)}
        declared_teams = sorted(outputs.get("teams") or {})
        found[name] = {"declared": {"keys": len(outputs["keys"]), "teams": len(declared_teams)},
                       "live": {"keys": len(live_keys), "teams": len(live_teams)},
                       "missing": sorted({*(set(outputs["keys"]) - live_keys), *(set(declared_teams) - live_teams)})}
    return found


# --- spend ------------------------------------------------------------------------------------------


def cmd_spend(session: Session, api: AdminClient) -> int:
    args = session.args
    require_database(gateway_health(session, api))
    now = datetime.now(timezone.utc)
    start = now - args.period_delta
    stamp = "%Y-%m-%d %H:%M:%S"
    session.progress(f"reading request logs since {start.strftime(stamp)} UTC")
    logs = api.spend_logs(start.strftime(stamp), (now + timedelta(minutes=1)).strftime(stamp),
                          progress=session.progress)
    by = "stack" if args.all else args.by
    keys = api.list_keys() if by in ("key", "user", "stack") or session.target.platform_stack else []
    teams = api.list_teams() if by in ("key", "team") else []
    users = api.list_users() if by == "user" else []
    if session.target.platform_stack:  # a tenant's report: its own keys and teams, and their requests only
        stack = session.target.stack
        keys, teams = [k for k in keys if reports.owned_by(stack, k)], [t for t in teams if reports.owned_by(stack, t)]
        tokens = {k.get("token") for k in keys}
        logs = [log for log in logs if log.get("api_key") in tokens]
    rows = reports.spend_rows(by, logs=logs, keys=keys, teams=teams, users=users,
                              master_token=hash_key(session.target.master_key))
    if args.all:  # every stack of the estate has a row, spent or not
        named = {r.name.rsplit("/", 1)[-1] for r in rows}
        rows += [reports.SpendRow(name=name, id=name) for name in [session.target.stack, *_estate(session)]
                 if name not in named]
    totals = reports.spend_totals(rows)
    document = {"gateway": session.target.url, "by": by, "period": args.period,
                "start": start.strftime(stamp), "end": now.strftime(stamp),
                "rows": [r.as_dict() for r in rows], "totals": totals}
    if args.json:
        session.emit(render.spend_json(document))
    elif args.csv:
        session.emit(render.spend_csv(rows))
    elif args.html:
        Path(args.html).write_text(render.spend_html(document, rows), encoding="utf-8")
        session.progress(f"wrote {args.html} ({len(rows)} rows)")
    else:
        session.emit(render.spend_table(by, args.period, rows, totals))
    return 0


# --- keys -------------------------------------------------------------------------------------------


def cmd_keys(session: Session, api: AdminClient) -> int:
    args = session.args
    require_database(gateway_health(session, api))
    session.progress("reading keys")
    keys, teams = api.list_keys(), api.list_teams()
    team_alias = {t.get("team_id"): t.get("team_alias") or t.get("team_id") for t in teams}
    now = datetime.now(timezone.utc)
    flagged = []
    for key in keys:
        problems = reports.key_problems(key, now, expiring=args.expiring, over_soft_budget=args.over_soft_budget,
                                        blocked=args.blocked)
        if problems:
            flagged.append((key, problems))
    flagged.sort(key=lambda item: reports.key_alias(item[0]))
    if args.json:
        session.emit(json.dumps([{
            "alias": reports.key_alias(k), "team": team_alias.get(k.get("team_id")), "user": k.get("user_id"),
            "spend": k.get("spend"), "max_budget": k.get("max_budget"), "soft_budget": reports.soft_budget_of(k),
            "expires": k.get("expires"), "blocked": bool(k.get("blocked")), "problems": problems}
            for k, problems in flagged], indent=2) + "\n")
    elif flagged:
        session.emit(render.table(
            ("ALIAS", "TEAM", "USER", "SPEND", "MAX BUDGET", "EXPIRES", "NEEDS ATTENTION"),
            [(reports.key_alias(k), team_alias.get(k.get("team_id")) or "-", k.get("user_id") or "-",
              money(k.get("spend") or 0.0), money(k.get("max_budget")), day(k.get("expires")), "; ".join(p))
             for k, p in flagged], numeric=(3, 4)))
    else:
        session.emit(f"no key needs attention ({len(keys)} keys checked)\n")
    return EXIT_FINDINGS if flagged else 0


# --- diagnose ---------------------------------------------------------------------------------------


def cmd_diagnose(session: Session, api: AdminClient) -> int:
    checks = diagnose(session, api, session.args.alias, session.args.model)
    for check in checks:
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[check.ok]
        line = f"[{mark}] {check.name}" + (f": {check.detail}" if check.detail else "")
        session.emit(line + "\n" + (f"       fix: {check.fix}\n" if check.fix and check.ok is not True else ""))
    failed = [c for c in checks if c.ok is False]
    session.emit(f"{len(failed)} problem(s) found\n" if failed else "no problem found\n")
    return EXIT_FINDINGS if failed else 0


def diagnose(session: Session, api: AdminClient, alias: str, model: Optional[str]) -> list[Check]:
    """The seed's "virtual key not working" checklist, in order; each failure names its fix."""
    target = session.target
    config = target.config
    keys_config, teams_config, models_config = config.get("keys"), config.get("teams"), config.get("models")

    def key_path(attribute: str) -> str:
        return reports.config_path("keys", keys_config, alias, attribute)

    checks: list[Check] = []
    try:
        details = gateway_health(session, api)
    except LiteLLMAdminError as exc:
        error = api_error(exc, target.url)
        return [Check("the gateway answers", False, str(error),
                      "see README Troubleshooting (gateway pod, Route/Ingress); for a cluster without a route: "
                      "`oc port-forward svc/litellm 4000` and --url http://127.0.0.1:4000")]
    healthy = details.get("status") == "healthy" and details.get("db") == "connected"
    checks.append(Check("the gateway answers", healthy,
                        f"{details.get('status')}, LiteLLM {details.get('litellm_version')}, database {details.get('db')}",
                        "the database is not connected: check the postgres pod and DATABASE_URL"))
    if not healthy:
        return checks
    session.progress(f"looking up key {alias}")
    key = next(iter(api.list_keys(alias=alias)), None)
    declared = target.declared is not None and alias in target.declared.keys
    if key is None:
        archived = None
        raw = (target.key_details.get(alias) or {}).get("key")
        if raw:
            archived = api.key_info(raw).get("status") == "deleted"
        if archived:
            fix = "it was deleted on the gateway (archived): `pulumi refresh` then `pulumi up` recreates it (a new key value)"
        elif declared:
            fix = "the stack declares it: run `pulumi up`"
        else:
            fix = (f"declare it in the stack config (`litemaas:keys` with alias {alias}) and run `pulumi up`"
                   if target.stack else "check the alias (`litemaas keys`), or use --stack to compare with the stack")
        checks.append(Check("the key exists", False, f"no live key with alias {alias}", fix))
        return checks
    teams = api.list_teams() if key.get("team_id") else []
    team = next((t for t in teams if t.get("team_id") == key["team_id"]), None) if teams else None
    team_name = (team.get("team_alias") or team["team_id"]) if team else key.get("team_id") or "-"
    checks.append(Check("the key exists", True, f"{key.get('key_name')}, team {team_name}, "
                        f"user {key.get('user_id') or '-'}"))
    checks.append(Check("the key is not blocked", not key.get("blocked"), "blocked" if key.get("blocked") else "",
                        f"set `{key_path('blocked')}` to false (or remove it) and run `pulumi up`"))
    expires = reports.as_datetime(key.get("expires"))
    now = datetime.now(timezone.utc)
    checks.append(Check("the key has not expired", expires is None or expires > now,
                        f"expires {day(expires)}" if expires else "never expires",
                        f"set a new `{key_path('duration')}` (the lifetime restarts from the change) and run `pulumi up`"))
    spend, max_budget = float(key.get("spend") or 0.0), key.get("max_budget")
    resets = f", resets {day(key.get('budget_reset_at'))}" if key.get("budget_reset_at") else ""
    soft = reports.soft_budget_of(key)
    soft_note = f"; soft budget {money(soft)} crossed" if soft is not None and spend >= soft else ""
    checks.append(Check("the key is under its budget", max_budget is None or spend < max_budget,
                        (f"spent {money(spend)} of {money(max_budget)}{resets}" if max_budget is not None
                         else f"spent {money(spend)}, no budget") + soft_note,
                        f"raise `{key_path('maxBudget')}` or set `{key_path('budgetDuration')}` so it resets, "
                        "then `pulumi up`"))
    if key.get("team_id") and team is None:
        checks.append(Check("its team exists", False, f"no team {key['team_id']} on the gateway",
                            f"set `{key_path('team')}` to a declared team and run `pulumi up`"))
    if team is not None:
        team_spend, team_max = float(team.get("spend") or 0.0), team.get("max_budget")
        checks.append(Check(f"its team {team_name} is under budget and not blocked",
                            not team.get("blocked") and (team_max is None or team_spend < team_max),
                            ("team blocked; " if team.get("blocked") else "")
                            + (f"spent {money(team_spend)} of {money(team_max)}" if team_max is not None
                               else f"spent {money(team_spend)}, no budget"),
                            f"raise `{reports.config_path('teams', teams_config, team_name, 'maxBudget')}` "
                            "(or unblock the team) and run `pulumi up`"))
    live_models = {m.get("model_name") for m in api.list_models()}
    key_models = list(key.get("models") or [])
    wanted = [model] if model else key_models
    if not wanted:
        checks.append(Check("the model is in the key's list", None,
                            "the key allows every model; pass --model NAME to check one"))
    for name in wanted:
        allowed = not key_models or name in key_models
        team_models = list((team or {}).get("models") or [])
        team_allowed = not team_models or name in team_models or "all-proxy-models" in team_models
        detail = "" if allowed else f"the key allows {', '.join(key_models)}"
        if allowed and not team_allowed:
            detail = f"its team allows {', '.join(team_models)}"
        fix = (f"add {name} to `{key_path('models')}`" if not allowed else
               f"add {name} to `{reports.config_path('teams', teams_config, team.get('team_alias'), 'models')}`"
               if team else "")
        checks.append(Check(f"{name} is in the key's list", allowed and team_allowed, detail, fix + " and run `pulumi up`"))
        if name not in live_models:
            checks.append(Check(f"{name} is served by the gateway", False, "no such model on the gateway",
                                f"declare it in `litemaas:models` (name {name}) and run `pulumi up`"))
            continue
        session.progress(f"health-checking {name} (LiteLLM calls the model now)")
        health = api.model_health(name)
        bad = health.get("unhealthy_endpoints") or []
        reason = "; ".join(str(e.get("error") or e.get("model"))[:200] for e in bad)
        checks.append(Check(f"{name} is healthy", not bad and bool(health.get("healthy_endpoints")),
                            f"{health.get('healthy_count', 0)} healthy, {health.get('unhealthy_count', 0)} unhealthy"
                            + (f": {redact(reason)}" if reason else ""),
                            f"check `{reports.config_path('models', models_config, name, 'apiBase')}` and "
                            f"`{reports.config_path('models', models_config, name, 'apiKey')}` (the upstream "
                            "model server must answer)"))
    return checks


# --- handoff ----------------------------------------------------------------------------------------


def cmd_handoff(session: Session, api: AdminClient) -> int:
    target, alias = session.target, session.args.alias
    require_database(gateway_health(session, api))
    live = next(iter(api.list_keys(alias=alias)), None)
    stacked = target.key_details.get(alias)
    if live is None and stacked is None:
        raise CliError(f"no key with alias {alias} on the gateway"
                       + (f" nor in stack {target.stack}" if target.stack else ""), EXIT_FINDINGS)
    if live is None:
        session.progress(f"key {alias} is in the stack but not on the gateway: run `pulumi up` before handing it out")
    detail = dict(stacked or {})
    if live is not None:  # the gateway's view wins for what the user will see
        detail.update(models=live.get("models") or detail.get("models") or [], maxBudget=live.get("max_budget"),
                      budgetDuration=live.get("budget_duration"), expires=live.get("expires"))
    if not detail.get("key"):
        session.progress(f"the key value of {alias} is not in the stack's `keys` output; the message says it is "
                         "held by the user")
    session.emit(handoff_message(alias, target.url, detail,
                                 budget_reset_at=live.get("budget_reset_at") if live else None))
    return 0


# --- entry point ------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="litemaas", description="Day-2 admin command of a LiteMaaS gateway (read-only).",
        epilog="The gateway URL and master key come from the current Pulumi stack's outputs, or from --url and "
               "the LITELLM_MASTER_KEY environment variable.")
    top.add_argument("--stack", help="Pulumi stack to read (default: the selected stack)")
    top.add_argument("--cwd", default=".", help="Pulumi project directory (default: here or above)")
    top.add_argument("--url", help="gateway URL instead of the stack's gatewayUrl (master key from "
                                   "LITELLM_MASTER_KEY, or the stack's with --stack)")
    top.add_argument("--allow-insecure-http", action="store_true",
                     help="send the master key over plain http:// to a host that is not loopback or *.svc")
    top.add_argument("--timeout", type=float, default=30.0, help="seconds per admin API call (default 30)")
    top.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status = commands.add_parser("status", help="health, version, database, counts, declared vs live")
    status.add_argument("--json", action="store_true")
    status.add_argument("--all", action="store_true", help="also every tenant stack of this platform stack")
    status.set_defaults(run=cmd_status)

    spend = commands.add_parser("spend", help="spend against budget, sorted by spend, with totals")
    spend.add_argument("--by", choices=reports.SPEND_GROUPS, default="key")
    spend.add_argument("--period", default="30d", help="request logs of this long ago until now (default 30d)")
    spend.add_argument("--all", action="store_true", help="by stack: this platform stack and all its tenant stacks")
    formats = spend.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--csv", action="store_true")
    formats.add_argument("--html", metavar="FILE", help="write a one-page report with a bar chart")
    spend.set_defaults(run=cmd_spend)

    keys = commands.add_parser("keys", help="keys that need attention (all problems when no filter is given)")
    keys.add_argument("--expiring", type=duration, metavar="DURATION", help="expired or expiring within (e.g. 14d)")
    keys.add_argument("--over-soft-budget", action="store_true", help="past the soft budget or the budget")
    keys.add_argument("--blocked", action="store_true")
    keys.add_argument("--json", action="store_true")
    keys.set_defaults(run=cmd_keys)

    diag = commands.add_parser("diagnose", help="why a virtual key does not work, with the fix")
    diag.add_argument("alias")
    diag.add_argument("--model", help="the model the user asked for (default: every model of the key)")
    diag.set_defaults(run=cmd_diagnose)

    hand = commands.add_parser("handoff", help="the message for the key's user (prints the key)")
    hand.add_argument("alias")
    hand.set_defaults(run=cmd_handoff)
    return top


def main(argv: Optional[Sequence[str]] = None, *, out=None, err=None) -> int:
    args = parser().parse_args(argv)
    if args.command == "spend":
        try:
            args.period_delta = duration(args.period)
        except argparse.ArgumentTypeError as exc:
            parser().error(f"--period: {exc}")
    session = Session(args, out, err)
    try:
        target = session.resolve()
        with session.client() as api:
            try:
                return args.run(session, api)
            except LiteLLMAdminError as exc:
                raise api_error(exc, target.url) from None
    except CliError as exc:
        print(f"litemaas: error: {session._mask(str(exc))}", file=session.err)
        return exc.code
    except KeyboardInterrupt:
        return 130
