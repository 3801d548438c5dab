"""A catalog that declares every kind the stack manages in LiteLLM, each with the references it can hold (from
test_catalog_e2e): a model with a credential, fallbacks, an access group, a budget, users, a team with members, a
tag, a guardrail, an MCP server, and keys using a team, a user, a budget, MCP servers and an access group."""

from __future__ import annotations

import copy
import re

# Secret settings, set with `pulumi config set --secret --path litemaas:<path>`.
EVERY_KIND_SECRETS = {"credentials[0].name": "compat-upstream",
                      "credentials[0].values.api_key": "sk-upstream-compat-0001",
                      "mcpServers[0].authValue": "mcp-token-compat-0002"}
EVERY_KIND = {
    "models": [
        {"name": "compat-chat", "model": "openai/compat-chat", "extraParams": {"mock_response": "ok"},
         "inputCostPerToken": 0.001, "fallbacks": ["compat-backup"]},
        {"name": "compat-backup", "model": "openai/compat-backup", "extraParams": {"mock_response": "ok"}},
        {"name": "compat-credentialed", "model": "openai/compat-credentialed", "apiBase": "http://127.0.0.1:9/v1",
         "credential": "compat-upstream"},
    ],
    "accessGroups": [{"name": "compat-small", "models": ["compat-backup"]}],
    "budgets": [{"name": "compat-tier", "maxBudget": 5, "softBudget": 4, "budgetDuration": "30d", "rpmLimit": 100}],
    "users": [{"id": "compat-alice", "email": "alice@compat.example.com", "maxBudget": 20},
              {"id": "compat-bob"}],
    "teams": [{"alias": "compat-team", "models": ["compat-chat", "compat-backup"], "maxBudget": 50,
               "members": [{"user": "compat-alice", "maxBudgetInTeam": 10}, {"user": "compat-bob"}]}],
    "tags": [{"name": "compat-tag", "description": "cost centre 42", "models": ["compat-chat"]}],
    "guardrails": [{"name": "compat-filter", "provider": "litellm_content_filter", "mode": "pre_call",
                    "params": {"blocked_words": [{"keyword": "forbidden-compat", "action": "BLOCK"}]}}],
    "mcpServers": [{"name": "compat_tools", "url": "http://127.0.0.1:9/mcp", "transport": "http",
                    "authType": "bearer_token", "teams": ["compat-team"]}],
    "keys": [
        {"alias": "compat-everything", "team": "compat-team", "user": "compat-alice", "budget": "compat-tier",
         "models": ["compat-chat"], "mcpServers": ["compat_tools"]},
        {"alias": "compat-grouped", "accessGroups": ["compat-small"], "maxBudget": 5, "budgetDuration": "30d"},
        {"alias": "compat-plain"},
    ],
}
EVERY_LITELLM_TYPE = {"Model", "Credential", "Fallback", "Budget", "User", "Team", "TeamMember", "Tag", "Guardrail",
                      "McpServer", "VirtualKey"}


def every_kind_config() -> dict:
    """EVERY_KIND with its secret settings in place, as the program reads the stack config."""
    config = copy.deepcopy(EVERY_KIND)
    for path, value in EVERY_KIND_SECRETS.items():
        parts = [int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)]
        node = config
        for part, after in zip(parts, parts[1:]):
            if isinstance(part, int):
                node.extend({} for _ in range(part + 1 - len(node)))
            else:
                node.setdefault(part, [] if isinstance(after, int) else {})
            node = node[part]
        node[parts[-1]] = value
    return config
