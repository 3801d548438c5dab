"""The LiteMaaS policies as plain functions over resources, so they are testable without the engine.

`__main__.py` wraps each `Rule` in a pulumi-policy Resource/StackValidationPolicy. A resource rule sees one
resource's inputs (after the provider's check, write-only inputs included); a stack rule sees every resource's
outputs (at preview: the planned values) and the dependencies between them, which is how a key finds its team.

Messages name the stack config key (`litemaas:keys[3].maxBudget`) and the fix, like the program's own errors.
`StackPaths` maps a resource back to that key through the stack config the engine hands every policy pack
(PULUMI_CONFIG). Secret values never appear in a message.

What rules see is in `model`; the rules, by subject, in `keys`, `endpoints` and `production`; this module is
the pack's table of rules with their enforcement levels and settings.
"""

from __future__ import annotations

from typing import Any

from .endpoints import PAID_PROVIDERS, model_costs, plain_credentials, plain_http
from .keys import EXEMPT_SETTING, key_expiry, key_model_scope, key_rotation_age, key_spending_limit, limit_ceilings
from .model import (  # noqa: F401 - the names rules, the pack and its tests share
    ADVISORY, AUTOSCALER, BUDGET, CREDENTIAL, CRON_JOB, DEPLOYMENT, DURATION, GUARDRAIL, MANDATORY, MCP_SERVER, MODEL,
    PROJECT, SERVICE_MONITOR, STATEFUL_SET, TEAM, UNKNOWN, USER, VIRTUAL_KEY, Resource, Rule, StackPaths, Violation,
)
from .production import database_backups, gateway_replicas_need_redis, monitoring_enabled


def _number_setting(default: float, description: str) -> dict[str, Any]:
    return {"type": "number", "default": default, "description": description}


CEILING_SETTINGS = {
    "maxKeyBudget": _number_setting(1000, "Highest maxBudget (USD) of a key or a budget tier."),
    "maxUserBudget": _number_setting(1000, "Highest maxBudget (USD) of a user."),
    "maxTeamBudget": _number_setting(10000, "Highest maxBudget (USD) of a team."),
    "maxRpmLimit": _number_setting(10000, "Highest rpmLimit of a key, budget tier or team."),
    "maxTpmLimit": _number_setting(10000000, "Highest tpmLimit of a key, budget tier or team."),
}

RULES: tuple[Rule, ...] = (
    Rule("litemaas-key-spending-limit", "Every key has a spending limit: its own maxBudget, a budget tier's or its "
         "team's.", MANDATORY, key_spending_limit, stack=True, settings=EXEMPT_SETTING),
    Rule("litemaas-key-expiry", "Every key expires (duration).", MANDATORY, key_expiry, settings=EXEMPT_SETTING),
    Rule("litemaas-key-model-scope", "No key may call every model.", MANDATORY, key_model_scope, stack=True),
    Rule("litemaas-limit-ceilings", "Budgets, rpm and tpm limits of keys, budget tiers, users and teams stay under the "
         "organisation's ceilings.", MANDATORY, limit_ceilings, settings=CEILING_SETTINGS),
    Rule("litemaas-model-costs", "Every model of a paid provider declares its token costs.", MANDATORY, model_costs,
         settings={"paidProviders": {"type": "array", "items": {"type": "string"}, "default": PAID_PROVIDERS,
                                     "description": "LiteLLM provider prefixes (deepseek/…) that bill per token."}}),
    Rule("litemaas-no-plain-http", "No model, credential, guardrail or MCP server endpoint over plain HTTP outside "
         "the cluster.", MANDATORY, plain_http,
         settings={"internalHostSuffixes": {"type": "array", "items": {"type": "string"},
                                            "default": [".svc", ".svc.cluster.local", ".cluster.local"],
                                            "description": "Host names ending so are in-cluster addresses."}}),
    Rule("litemaas-no-plain-credentials", "No guardrail or MCP server credential in plain inputs.", MANDATORY,
         plain_credentials),
    Rule("litemaas-key-rotation-age", "Keys whose value is older than maxAge are due for rotation.", ADVISORY,
         key_rotation_age, settings={"maxAge": {"type": "string", "default": "90d", "pattern": DURATION.pattern,
                                                "description": "Oldest acceptable key value (s, m, h, d, w, mo)."}}),
    Rule("litemaas-gateway-replicas-need-redis", "More than one gateway pod only with Redis.", ADVISORY,
         gateway_replicas_need_redis, stack=True),
    Rule("litemaas-database-backups", "The bundled PostgreSQL has scheduled backups.", ADVISORY, database_backups,
         stack=True),
    Rule("litemaas-monitoring", "The gateway's metrics are scraped (monitoring.enabled).", ADVISORY,
         monitoring_enabled, stack=True),
)
