"""`litemaas spend` and `litemaas keys`: spend against budget, and the keys that need attention."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dynamic_providers.admin_client import AdminClient, hash_key
from litemaas_cli import render, reports
from litemaas_cli.session import EXIT_FINDINGS, Session, gateway_health, require_database, tenant_stacks
from litemaas_common.handoff import day, money



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
        rows += [reports.SpendRow(name=name, id=name) for name in [session.target.stack, *tenant_stacks(session)]
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
