"""`litemaas diagnose` and `litemaas handoff`: why a virtual key does not work, with the fix; the message for its
user."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from dynamic_providers.admin_client import AdminClient, LiteLLMAdminError, redact
from litemaas_cli import reports
from litemaas_cli.reports import Check
from litemaas_cli.session import EXIT_FINDINGS, CliError, Session, api_error, gateway_health, require_database
from litemaas_common.handoff import day, handoff_message, money



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
