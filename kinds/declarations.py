"""The LiteLLM kinds on the schema, each declared once: config key, type, bounds, choices, secrecy, what a change
does, references to other kinds and a one-line doc per field (see kinds/schema.py).

The provider modules (budget.py, tag.py, ...) add only what is particular to their API; the config parser, the
Resource inputs, the catalog's mapping and the README's field tables all come from these tables.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Optional

from kinds.schema import Field, Kind
from litemaas_common.litellm_vocabulary import (  # noqa: F401  (re-exported: the MCP server kind's rules)
    GUARDRAIL_MODES, MCP_AUTH_TYPES as AUTH_TYPES, MCP_NAME, MCP_TRANSPORTS as TRANSPORTS, mcp_name_problem, mcp_url_problem)

# The limits a budget row holds: a budget tier and a tag's budget share them.
MAX_BUDGET = Field("max_budget", "number", minimum=0, doc="the hard spend limit in USD")
SOFT_BUDGET = Field("soft_budget", "number", minimum=0, at_most="max_budget",
                    doc="the alert threshold below the hard limit")
BUDGET_DURATION = Field("budget_duration", "str", duration=True, doc="how often the spend resets (30d, 1mo, ...)")
TPM_LIMIT = Field("tpm_limit", "int", minimum=0, doc="tokens per minute")
RPM_LIMIT = Field("rpm_limit", "int", minimum=0, doc="requests per minute")
MAX_PARALLEL_REQUESTS = Field("max_parallel_requests", "int", minimum=1, doc="requests in flight at once")
# Per-model limits of a key or team: LiteLLM keeps them in the object's metadata (never the declared metadata's keys).
MODEL_RPM_LIMIT = Field("model_rpm_limit", "dict", references="models", value_kind="int", minimum=0,
                        doc="requests per minute per model (`granite: 10`)")
MODEL_TPM_LIMIT = Field("model_tpm_limit", "dict", references="models", value_kind="int", minimum=0,
                        doc="tokens per minute per model")
METADATA_LIMITS = (MODEL_RPM_LIMIT.name, MODEL_TPM_LIMIT.name)  # sent top-level, read back from the metadata

BUDGET = Kind(
    "budget", "budgets", "litellm:Budget", "budget_id",
    doc="reusable budget tiers that `keys[].budget` names",
    fields=(
        Field("budget_id", "str", required=True, unique=True, config_key="name", doc="the tier's name (`budget_id`)"),
        MAX_BUDGET, SOFT_BUDGET, BUDGET_DURATION, TPM_LIMIT, RPM_LIMIT, MAX_PARALLEL_REQUESTS,
    ))

TAG = Kind(
    "tag", "tags", "litellm:Tag", "name",
    doc="free in 1.108.7; only tags *on keys* need a licence",
    fields=(
        Field("name", "str", required=True, unique=True, doc="the tag (its id)"),
        Field("description", "str", doc="what the tag is for"),
        Field("models", "list", unordered=True, references="models", doc="models the tag routes to (it depends on them)"),
        MAX_BUDGET, SOFT_BUDGET, MAX_PARALLEL_REQUESTS, TPM_LIMIT, RPM_LIMIT, BUDGET_DURATION,
    ))
# The tag's fields LiteLLM keeps in the tag's own budget row (`litellm_budget_table`).
TAG_BUDGET_ROW = ("max_budget", "soft_budget", "max_parallel_requests", "tpm_limit", "rpm_limit", "budget_duration")

CREDENTIAL = Kind(
    "credential", "credentials", "litellm:Credential", "credential_name",
    doc="upstream API keys and bases that `models[].credential` names",
    fields=(
        Field("credential_name", "str", required=True, unique=True, config_key="name", doc="the credential (its id)"),
        Field("credential_info", "dict", config_key="", doc="`provider` and `info` of the config"),
        Field("credential_values", "dict", required=True, secret=True, write_only=True, config_key="values",
              doc="the secret values (`api_key`, `api_base`, ...); drift seen through LiteLLM's masked form"),
        Field("values_mask", "dict", secret=True, computed=True, doc="LiteLLM's masked values after our last write"),
    ))

# A key's day-2 inputs: they steer create and update (rotation, adoption, renewal), are never sent to LiteLLM as such,
# and a change of one alone is no diff (see dynamic_providers/virtual_key.py).
KEY_LIFECYCLE = ("rotation", "rotate_every", "rotation_grace_period", "renew", "adopt", "token_hash")
TOKEN_HASH = re.compile(r"^[0-9a-f]{64}$")  # a key's sha256 token, as /key/list shows it


def grace_period_problem(value: str) -> Optional[str]:
    """`rotationGracePeriod`: a LiteLLM duration, or 0 (revoke the old value at once)."""
    from litemaas_common.durations import parse_litellm_duration  # not at import, as kinds.schema's durations

    if value.strip() == "0":
        return None
    try:
        parse_litellm_duration(value)
    except ValueError:
        return "is not a grace period; use a LiteLLM duration such as 24h or 2d, or 0 to revoke the old value at once"
    return None


# A key's allowed route: a path (exact, or a prefix of the paths below it; `*` wildcards) or a LiteLLM route group.
ROUTE_GROUP = re.compile(r"^[a-z][a-z_]*_route(s|_names)$")


def route_problem(value: str) -> Optional[str]:
    if value.startswith("/") or ROUTE_GROUP.match(value):
        return None
    return ("is not a route; use a path such as /chat/completions (it also allows the paths below it) or a "
            "LiteLLM route group such as llm_api_routes")


VIRTUAL_KEY = Kind(
    "key", "keys", "litellm:VirtualKey", "token",
    doc="virtual keys handed to users (also read from the `keysFrom` file); the id is the first value's token hash",
    fields=(
        Field("key_alias", "str", required=True, config_key="alias", unique="key alias",
              doc="the key's name on the gateway; rename in place with `previousAlias`"),
        Field("models", "list", references="models", doc="models (and access groups) the key may call, within its "
              "team's"),
        Field("team_id", "str", config_key="team", references="teams", doc="the team whose key it is"),
        Field("user_id", "str", check=lambda v: None if v.strip() else "is empty; give the LiteLLM user id or remove it",
              doc="a LiteLLM user the stack does not manage (`user` names one of `users[]`)"),
        MAX_BUDGET, SOFT_BUDGET, BUDGET_DURATION,
        Field("duration", "str", duration=True, doc="the key's lifetime (unset: it never expires)"),
        TPM_LIMIT, RPM_LIMIT, MAX_PARALLEL_REQUESTS,
        Field("metadata", "dict", doc="free-form metadata"),
        Field("blocked", "bool", server_default=False, doc="refuse every request of the key"),
        Field("rotation", "str", doc="a counter or label (2, `2026-q3`): a new one issues a new value"),
        Field("rotate_every", "str", duration=True, doc="issue a new value this long after the last one"),
        Field("rotation_grace_period", "str", check=grace_period_problem, server_default="24h",
              doc="how long a rotated-out value still works (0: revoked at once)"),
        Field("renew", "bool", doc="extend an expired key by `duration`"),
        Field("adopt", "bool", doc="take over the gateway's key with this alias (the user keeps its value)"),
        Field("token_hash", "str", unique="key tokenHash",
              check=lambda v: None if TOKEN_HASH.match(v) else
              "is not a key token; use the 64 hex digits `token` of /key/list?return_full_object=true",
              doc="adopt the key with this token instead (implies `adopt`)"),
        Field("mcp_servers", "list", references="mcpServers", doc="`mcpServers[]` the key may use"),
        Field("vector_stores", "list", references="vectorStores", doc="`vectorStores[]` the key may use"),
        Field("mcp_toolsets", "list", unordered=True, references="mcpToolsets",
              doc="`mcpToolsets[]` whose tools the key may use (within its team's, when the team names some)"),
        # Search tools the key may call (`object_permission.search_tools`, free in 1.108.7): tool names.
        Field("search_tools", "list", unordered=True, references="searchTools",
              doc="`searchTools[]` the key may call (all of them when unset)"),
        # Unified access groups (free in 1.108.7): the key names them, LiteLLM mirrors it on the group. Group ids.
        Field("access_group_ids", "list", unordered=True, config_key="unifiedAccessGroups",
              references="unifiedAccessGroups", doc="`unifiedAccessGroups[]` the key is granted"),
        # A litellm:Budget whose limits apply (the key's own limits win where set).
        Field("budget_id", "str", config_key="budget", references="budgets",
              doc="a budget tier; conflicts with `softBudget`"),
        # Enterprise-only in 1.108.7 (403 without a licence; the stack config refuses them unless litellmEnterprise).
        # LiteLLM keeps them inside the key's metadata.
        Field("tags", "list", unordered=True, references="tags", doc="the key's tags (Enterprise-only)"),
        Field("guardrails", "list", unordered=True, references="guardrails",
              doc="guardrails the key runs (Enterprise-only)"),
        Field("prompts", "list", unordered=True, references="prompts", doc="`prompts[]` ids the key may use "
              "(Enterprise-only)"),
        Field("allowed_routes", "list", unordered=True, check=route_problem,
              doc="the only routes the key may call (others: 403); unset: all"),
        MODEL_RPM_LIMIT, MODEL_TPM_LIMIT,
        Field("key", "str", secret=True, computed=True, doc="the raw value; none for an imported or adopted key"),
        Field("token", "str", computed=True, doc="the current value's hash (the id stays the first one's)"),
        Field("key_name", "str", computed=True, doc="LiteLLM's abbreviated value"),
        Field("expires", "str", computed=True, doc="when the current value expires"),
        Field("expired", "bool", computed=True, doc="set by refresh once `expires` has passed"),
        Field("held_by_user", "bool", computed=True, doc="adopted or imported: only the user has the value"),
        Field("retired", "list", computed=True, doc="rotated-out values still in their grace period"),
    ))

TEAM = Kind(
    "team", "teams", "litellm:Team", "team_id",
    doc="LiteLLM teams, which `keys[].team` names; beside these keys: `members`, `accessGroups`, `previousAlias`",
    fields=(
        Field("team_alias", "str", required=True, unique=True, config_key="alias",
              doc="the team's name; rename in place with `previousAlias`"),
        Field("models", "list", unordered=True, references="models", doc="models (and access groups) of the team"),
        Field("max_budget", "number", minimum=0, doc="the hard spend limit of the team"),
        BUDGET_DURATION, TPM_LIMIT, RPM_LIMIT,
        Field("metadata", "dict", doc="free-form metadata"),
        Field("blocked", "bool", server_default=False, doc="refuse every request of the team's keys (401)"),
        Field("team_id", "str", config_key="id", unique=True,
              doc="a fixed team id (generated once otherwise); a new one moves the team's keys first"),
        # Enterprise-only in 1.108.7 (the stack config refuses them unless litellmEnterprise); kept in the metadata.
        Field("tags", "list", unordered=True, references="tags", doc="the team's tags (Enterprise-only)"),
        Field("guardrails", "list", unordered=True, references="guardrails",
              doc="guardrails the team runs (Enterprise-only)"),
        MODEL_RPM_LIMIT, MODEL_TPM_LIMIT,
        Field("prompts", "list", unordered=True, references="prompts", doc="`prompts[]` ids the team's keys may use "
              "(Enterprise-only)"),
        # MCP servers the team may use (`object_permission.mcp_servers`, free in 1.108.7): server ids.
        Field("mcp_servers", "list", unordered=True, config_key="",
              doc="granted by `mcpServers[].teams`"),
        # Vector stores the team's keys may use (`object_permission.vector_stores`, free in 1.108.7): store ids.
        Field("vector_stores", "list", unordered=True, references="vectorStores",
              doc="`vectorStores[]` the team's keys may use"),
        Field("mcp_toolsets", "list", unordered=True, references="mcpToolsets",
              doc="`mcpToolsets[]` whose tools the team's keys may use"),
        # Search tools the team's keys may call (`object_permission.search_tools`, free in 1.108.7): tool names.
        Field("search_tools", "list", unordered=True, references="searchTools",
              doc="`searchTools[]` the team's keys may call (all of them when unset)"),
        # Unified access groups (free in 1.108.7): the team names them, LiteLLM mirrors it on the group. Group ids.
        Field("access_group_ids", "list", unordered=True, config_key="unifiedAccessGroups",
              references="unifiedAccessGroups", doc="`unifiedAccessGroups[]` the team is granted"),
    ))

# The roles `/user/new` accepts from the master key without a licence (others: 422 literal_error).
USER_ROLES = ("internal_user", "internal_user_viewer", "proxy_admin", "proxy_admin_viewer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

USER = Kind(
    "user", "users", "litellm:User", "user_id",
    doc="LiteLLM internal users (spend per person); `keys[].user` names one",
    fields=(
        Field("user_id", "str", required=True, unique=True, config_key="id",
              doc="LiteLLM's `user_id` (a login, e.g. alice)"),
        Field("user_email", "str", config_key="email", doc="unique ignoring case; cannot be emptied once set",
              check=lambda v: None if _EMAIL.match(v) else "is not an email address; use e.g. alice@example.com"),
        Field("user_role", "str", config_key="role", choices=USER_ROLES, server_default="internal_user",
              choices_problem=f"is not a LiteLLM user role; use one of {', '.join(USER_ROLES)}", doc="the user's role"),
        Field("user_alias", "str", config_key="alias", doc="a display name; cannot be emptied once set"),
        Field("max_budget", "number", minimum=0, doc="the hard spend limit across all the user's keys"),
        BUDGET_DURATION,
        Field("models", "list", unordered=True, references="models", doc="models the user may call"),
        Field("metadata", "dict", doc="free-form metadata; cannot be emptied once set"),
        TPM_LIMIT, RPM_LIMIT,  # across all the user's keys
        # /v2/user/info does not return it (1.108.7): sent, never read back.
        replace(MAX_PARALLEL_REQUESTS, write_only=True, doc="requests in flight at once; cannot be emptied once set"),
    ))

MEMBER_ROLES = ("user", "admin")  # admin: LiteLLM Enterprise only
TEAM_MEMBER = Kind(
    "team member", "members", "litellm:TeamMember", "member_id",
    doc="users in a team, one resource per (team, user); a set: order means nothing", parent="teams[N].",
    fields=(
        Field("team_id", "str", required=True, replaces=True, config_key="", doc="the team's id"),
        Field("user_id", "str", required=True, replaces=True, config_key="user", unique="team member",
              doc="a `users[]` id, or the id of a user the stack does not manage"),
        Field("role", "str", choices=MEMBER_ROLES, server_default="user",
              choices_problem="is not a team member role; use user (or admin, with a LiteLLM Enterprise licence)",
              doc="`admin` needs a LiteLLM Enterprise licence"),
        Field("max_budget_in_team", "number", minimum=0, doc="the member's budget inside the team"),
        Field("member_id", "str", config_key="", doc="`<team_id>/<user_id>`, set by check"),
    ))

CUSTOMER = Kind(
    "customer", "customers", "litellm:Customer", "user_id",
    doc="end users of a key (the `user` of an OpenAI request), with budgets of their own",
    fields=(
        Field("user_id", "str", required=True, unique=True, config_key="id",
              doc="the `user` an OpenAI request sends (LiteLLM's end-user id)"),
        Field("alias", "str", doc="a human-friendly name"),
        Field("blocked", "bool", server_default=False,
              doc="marks the customer blocked; LiteLLM 1.108.7 refuses its requests only with an Enterprise licence "
                  "(its `blocked_user_check` callback), so without one this is a label"),
        Field("max_budget", "number", minimum=0, doc="the hard spend limit in USD (its own budget row)"),
        # /customer/update takes none of these three: a change makes the customer again (its spend restarts).
        Field("budget_duration", "str", duration=True, replaces=True, doc="how often the spend resets"),
        Field("tpm_limit", "int", minimum=0, replaces=True, doc="tokens per minute"),
        Field("rpm_limit", "int", minimum=0, replaces=True, doc="requests per minute"),
        Field("budget_id", "str", config_key="budget", references="budgets",
              doc="a budget tier instead of limits of its own"),
        Field("allowed_model_region", "str", choices=("eu", "us"),
              doc="only models of this region answer the customer's requests"),
        Field("default_model", "str", references="models",
              doc="the model for requests no model of the allowed region can serve"),
        Field("models", "list", unordered=True, references="models", doc="models the customer may call"),
    ))
# The fields of a customer LiteLLM keeps in its budget row.
CUSTOMER_BUDGET_ROW = ("max_budget", "budget_duration", "tpm_limit", "rpm_limit")

VECTOR_STORE = Kind(
    "vector store", "vectorStores", "litellm:VectorStore", "vector_store_id",
    doc="LiteLLM's managed vector stores (RAG over a provider's store); `credential` names one of `credentials[]`",
    fields=(
        Field("vector_store_id", "str", required=True, unique=True, config_key="id",
              doc="the provider's vector store id (LiteLLM's id)"),
        Field("custom_llm_provider", "str", required=True, config_key="provider",
              doc="LiteLLM's provider of the store (e.g. `openai`, `bedrock`, `vertex_ai`)"),
        Field("vector_store_name", "str", config_key="name", doc="a display name"),
        Field("vector_store_description", "str", config_key="description", doc="what the store holds"),
        Field("vector_store_metadata", "dict", config_key="metadata", doc="free-form metadata"),
        # /vector_store/update takes neither (it answers 200 and keeps the old values): a change makes the store again.
        Field("litellm_credential_name", "str", replaces=True, config_key="credential", references="credentials",
              doc="the credential LiteLLM calls the provider with"),
        Field("litellm_params", "dict", replaces=True, config_key="params",
              doc="the provider's other `litellm_params` (e.g. `api_base`); a key belongs in `credential`"),
    ))

MCP_TOOLSET = Kind(
    "MCP toolset", "mcpToolsets", "litellm:McpToolset", "toolset_id",
    doc="named sets of MCP tools, granted to keys and teams in one piece; LiteLLM's id is its own uuid",
    fields=(
        # The catalog names the resource after it: a new name is another toolset, and the grants move to it.
        Field("toolset_name", "str", required=True, unique=True, replaces=True, config_key="name",
              doc="the toolset's name (unique on the server; `/toolset/<name>/mcp` serves its tools)"),
        Field("description", "str", doc="what the toolset is for"),
        # Ordered as declared: LiteLLM keeps the list as sent. Each item: an MCP server's id and one of its tools.
        Field("tools", "list", item_keys=("server_id", "tool_name"),
              doc="`{server, tool}`: an `mcpServers[]` name (it depends on it) and the tool's own name, without the "
                  "server's prefix"),
        Field("toolset_id", "str", computed=True, doc="LiteLLM's uuid"),
    ))

SEARCH_TOOL = Kind(
    "search tool", "searchTools", "litellm:SearchTool", "search_tool_id",
    doc="web search backends behind `/v1/search/{name}`; LiteLLM's id is its own uuid, found by name after a lost "
        "answer",
    fields=(
        Field("search_tool_name", "str", required=True, unique=True, config_key="name",
              doc="the tool's name, which `/v1/search/{name}` calls (unique on the server)"),
        Field("provider", "str", required=True, api_name="search_provider",
              doc="LiteLLM's `search_provider` (e.g. `perplexity`, `tavily`, `exa_ai`, `brave`); not validated by "
                  "LiteLLM"),
        Field("api_key", "str", secret=True,
              doc="the search provider's key; drift seen through LiteLLM's masked form (first and last two characters)"),
        Field("api_base", "str", doc="the search provider's http(s) URL"),
        Field("timeout", "number", exclusive_minimum=0, doc="seconds before a search gives up"),
        Field("max_retries", "int", minimum=0, doc="retries of a failed search"),
        Field("input_cost_per_query", "number", minimum=0, doc="USD per search (spend tracking)"),
        Field("search_tool_info", "dict", config_key="info", doc="LiteLLM's `search_tool_info` (e.g. `description`)"),
        Field("search_tool_id", "str", computed=True, doc="LiteLLM's uuid"),
    ))
# The search tool's fields sent inside `litellm_params`; the rest of the body is its name and `search_tool_info`.
SEARCH_TOOL_PARAMS = ("provider", "api_key", "api_base", "timeout", "max_retries", "input_cost_per_query")

# Prompt integrations whose every setting a `prompts[]` entry declares (gitlab and bitbucket need a config map of
# their own: not offered). LiteLLM 1.108.7 registers no initializer for langfuse or custom (create answers 500).
PROMPT_INTEGRATIONS = ("dotprompt", "generic_prompt_management", "arize_phoenix")
PROMPT_DEFAULT_ENVIRONMENT = "development"  # LiteLLM's PromptInfo default
_PROMPT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def prompt_id_problem(value: str) -> Optional[str]:
    """LiteLLM cuts a prompt id at `.v` or `_v` (its version suffix: `greet.v2`), so `my_voice` would be `my`."""
    if not _PROMPT_NAME.match(value):
        return "is not a prompt id; use letters, digits, - and _ (it is a URL path segment)"
    if "_v" in value:
        return "holds `_v`, which LiteLLM reads as a version suffix (my_voice would be prompt my); use - instead"
    return None


_FRONT_MATTER = re.compile(r"^---\s*\n(.*?)\n---\s*\n", re.DOTALL)  # as LiteLLM's dotprompt parser reads it


def dotprompt_problem(value: str) -> Optional[str]:
    """The front matter must be a YAML map: LiteLLM parses it only after storing the prompt (a 500 and a broken row)."""
    import yaml  # not at import: keeps this module a leaf

    match = _FRONT_MATTER.match(value)
    if match is None:
        return None if not value.startswith("---") else "opens a front matter (---) it never closes with a --- line"
    try:
        front = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        return f"has front matter that is not YAML ({str(exc).splitlines()[0]})"
    return None if front is None or isinstance(front, dict) else "has front matter that is not a YAML map (key: value)"


PROMPT = Kind(
    "prompt", "prompts", "litellm:Prompt", "prompt_id",
    doc="managed prompt templates an OpenAI request names by `prompt_id`; one per (id, environment)",
    fields=(
        Field("prompt_id", "str", required=True, replaces=True, config_key="id", check=prompt_id_problem,
              doc="the `prompt_id` requests name (no `.v`/`_v`: LiteLLM's version suffix)"),
        Field("environment", "str", replaces=True, server_default=PROMPT_DEFAULT_ENVIRONMENT,
              check=lambda v: None if _PROMPT_NAME.match(v) else "is not an environment name; use letters, digits, "
              "- and _", doc="LiteLLM's prompt environment (e.g. production); other environments are kept"),
        Field("integration", "str", api_name="prompt_integration", choices=PROMPT_INTEGRATIONS,
              server_default="dotprompt", doc="where the template lives: here (`dotprompt`) or an external prompt "
              "manager"),
        Field("template", "str", api_name="dotprompt_content",
              doc="the dotprompt text: YAML front matter (`model`, `input.schema`, ...) then the template; "
                  "required for `dotprompt`"),
        Field("api_base", "str", doc="the external prompt manager's URL (required for its integrations)"),
        Field("api_key", "str", secret=True, write_only=True, doc="the external prompt manager's key"),
        Field("version", "int", computed=True, doc="LiteLLM's version of the prompt (history, never drift)"),
    ))
# The prompt's fields sent inside `litellm_params` (`environment` goes in `prompt_info`).
PROMPT_PARAMS = ("integration", "template", "api_base", "api_key")

MCP_SERVER = Kind(
    "MCP server", "mcpServers", "litellm:McpServer", "server_id",
    doc="MCP servers behind the gateway; their tools are offered as `<name>-<tool>`",
    fields=(
        Field("server_name", "str", required=True, config_key="name", check=mcp_name_problem,
              doc="the tool prefix; unique with the aliases, ignoring case"),
        Field("alias", "str", check=mcp_name_problem, doc="another tool prefix"),
        Field("url", "str", required=True, check=mcp_url_problem, doc="the server's URL (need not answer yet)"),
        Field("transport", "str", choices=TRANSPORTS, server_default="sse",
              choices_problem=f"is not supported; use one of {', '.join(TRANSPORTS)} (stdio runs a command on the "
              "gateway pod, which a stack cannot declare)", doc="how the gateway talks to the server"),
        Field("auth_type", "str", choices=AUTH_TYPES, choices_problem=f"is not supported; use one of "
              f"{', '.join(AUTH_TYPES)} (OAuth and AWS auth are not supported)", doc="how the gateway authenticates"),
        Field("auth_value", "str", secret=True, write_only=True, doc="the token or key of `authType`"),
        Field("description", "str", doc="what the server offers"),
        Field("server_id", "str", config_key="id", unique="MCP server id", doc="a fixed id (generated otherwise)"),
    ))

GUARDRAIL = Kind(
    "guardrail", "guardrails", "litellm:Guardrail", "guardrail_id",
    doc="LiteLLM guardrails; LiteLLM's id is its own uuid, found by name after a lost answer",
    fields=(
        Field("guardrail_name", "str", required=True, unique=True, config_key="name",
              doc="the guardrail name (unique on the server)"),
        Field("provider", "str", required=True, replaces=True, api_name="guardrail",
              doc="LiteLLM's `guardrail` (e.g. `litellm_content_filter`, `lakera_v2`, `presidio`); deleted first"),
        Field("mode", "str", required=True, choices=GUARDRAIL_MODES,
              choices_problem=f"is not a guardrail mode; use one of {', '.join(GUARDRAIL_MODES)}",
              doc="when the guardrail runs"),
        Field("default_on", "bool", server_default=False, doc="run on every request"),
        Field("api_base", "str", doc="the guardrail service's http(s) URL"),
        Field("api_key", "str", secret=True, write_only=True, doc="the guardrail service's key (LiteLLM masks it)"),
        # The provider's other litellm_params (e.g. blocked_words); a credential among them makes them secret.
        Field("params", "dict", doc="the provider's other `litellm_params` (e.g. `blocked_words`)"),
        Field("guardrail_id", "str", computed=True, doc="LiteLLM's uuid"),
    ))
# The guardrail's fields sent inside `litellm_params`: `params` (its other litellm_params) must not hold them.
GUARDRAIL_OWN_PARAMS = ("provider", "mode", "default_on", "api_base", "api_key")

MODEL = Kind(
    "model", "models", "litellm:Model", "model_id",
    doc="model deployments the gateway serves (`inferenceService`, `credential` and the fallback keys: see above); "
        "removing a key LiteLLM cannot null (any but the pricing) replaces the model",
    fields=(
        Field("model_name", "str", required=True, unique=True, config_key="name",
              doc="the name clients call (several deployments may share it in LiteLLM, not in one stack)"),
        Field("model", "str", required=True, doc="LiteLLM's `provider/model` (from the InferenceService when unset)"),
        Field("api_base", "str", doc="the model server's http(s) URL"),
        Field("api_key", "str", secret=True, write_only=True, doc="the model server's key"),
        Field("api_version", "str", doc="the API version (Azure)"),
        Field("rpm", "int", minimum=0, doc="requests per minute of this deployment"),
        Field("tpm", "int", minimum=0, doc="tokens per minute of this deployment"),
        Field("timeout", "number", exclusive_minimum=0, doc="seconds before a request to the model gives up"),
        Field("max_retries", "int", minimum=0, doc="retries of a failed request"),
        Field("input_cost_per_token", "number", minimum=0, doc="USD per prompt token (spend tracking)"),
        Field("output_cost_per_token", "number", minimum=0, doc="USD per completion token (spend tracking)"),
        Field("model_info", "dict", doc="LiteLLM's `model_info` (no pricing keys: LiteLLM drops them there)"),
        Field("extra_params", "dict", doc="more `litellm_params` (not those with a key of their own)"),
        Field("model_id", "str", config_key="id", unique=True,
              doc="a fixed model id (`model_info.id`; generated once otherwise)"),
    ))
# The model's fields sent inside `litellm_params` (with `model`); `extra_params` are spread there too, the rest of the
# body is `model_name` and `model_info` (which carries `model_id` as its `id`).
MODEL_PARAMS = ("api_base", "api_key", "api_version", "rpm", "tpm", "timeout", "max_retries",
                "input_cost_per_token", "output_cost_per_token")

UNIFIED_ACCESS_GROUP = Kind(
    "unified access group", "unifiedAccessGroups", "litellm:UnifiedAccessGroup", "access_group_id",
    doc="LiteLLM's unified access groups (`/v1/access_group`): models and MCP servers granted together to the teams "
        "and keys that name the group in their `unifiedAccessGroups`; LiteLLM's id is its own uuid",
    fields=(
        Field("access_group_name", "str", required=True, unique=True, config_key="name",
              doc="the group's name (unique on the server)"),
        Field("description", "str", doc="what the group is for"),
        # LiteLLM stores any name unchecked: the stack config checks them against models[].
        Field("access_model_names", "list", unordered=True, config_key="models", references="models",
              doc="`models[]` the group grants"),
        Field("access_mcp_server_ids", "list", unordered=True, config_key="mcpServers", references="mcpServers",
              doc="`mcpServers[]` the group grants (sent as their ids)"),
        Field("access_group_id", "str", computed=True, doc="LiteLLM's uuid"),
    ))

# The stack config's key on `models[]` -> LiteLLM's `fallback_type`: the one definition of the fallback types.
FALLBACK_CONFIG_KEYS = {"fallbacks": "general", "contextWindowFallbacks": "context_window",
                        "contentPolicyFallbacks": "content_policy"}
FALLBACK_TYPES = tuple(FALLBACK_CONFIG_KEYS.values())
# No section of its own: config/fallbacks.py reads the three lists of `models[]` (not in KINDS' README tables).
FALLBACK = Kind(
    "fallback", "models", "litellm:Fallback", "",  # the id is `<fallback_type>:<model>`, no field of its own
    doc="the models the gateway tries, in order, when a model fails; one rule per (model, fallback type)",
    fields=(
        Field("model", "str", required=True, replaces=True, config_key="", doc="the model that fails (`models[].name`)"),
        Field("fallback_type", "str", required=True, replaces=True, config_key="", choices=FALLBACK_TYPES,
              doc="when the rule applies: any error after retries, context window exceeded, content policy"),
        # ordered: LiteLLM tries them in this order
        Field("fallback_models", "list", required=True, config_key="", doc="the models to try, in order"),
    ))


# The A2A card keys LiteLLM 1.108.7 keeps as given (proxy/a2a/agent_card.py `_ALLOWED_TOP_LEVEL_KEYS`, less the three
# it always writes itself): any other key is dropped, so declaring one would be drift that never settles.
AGENT_CARD_KEYS = ("protocolVersion", "name", "description", "url", "version", "capabilities", "defaultInputModes",
                   "defaultOutputModes", "skills", "preferredTransport", "iconUrl", "provider", "documentationUrl",
                   "supportsAuthenticatedExtendedCard", "signatures")
AGENT_CARD_SERVER_KEYS = frozenset(("supportedInterfaces", "securitySchemes", "security"))
A2A_PROTOCOL_VERSIONS = ("0.3", "1.0")  # what LiteLLM stores; "0.3.0" would come back as "0.3"
# LiteLLM's SensitiveDataMasker: a key with one of these `_`/`-` segments (and no `cost` segment) reads back redacted.
_HIDDEN_SEGMENTS = frozenset(("password", "secret", "key", "token", "auth", "authorization", "cookie", "credential",
                              "credentials"))


def agent_param_hidden(name: str) -> bool:
    """An agent's litellm_params key LiteLLM reads back as `REDACTED_BY_LITELM` (and keeps when a write omits it)."""
    segments = set(name.lower().replace("-", "_").split("_"))
    return "cost" not in segments and bool(segments & _HIDDEN_SEGMENTS)


def agent_card_problems(card: dict) -> list[tuple[str, str]]:
    """(card key, problem) for what LiteLLM would not store as given: drift that would never settle."""
    problems = []
    for key, value in card.items():
        if key in AGENT_CARD_SERVER_KEYS:
            problems.append((key, "is written by LiteLLM itself (its own entry point and key auth); remove it"))
        elif key not in AGENT_CARD_KEYS:
            problems.append((key, f"is dropped by LiteLLM; a card keeps {', '.join(AGENT_CARD_KEYS)}"))
        elif key == "protocolVersion" and value not in A2A_PROTOCOL_VERSIONS:
            problems.append((key, f"{value!r} is rewritten by LiteLLM, which serves only "
                             f"{' and '.join(A2A_PROTOCOL_VERSIONS)}; use one of them"))
        elif key == "capabilities" and (not isinstance(value, dict) or any(
                k != "streaming" or v is not True for k, v in value.items())):
            problems.append((key, "LiteLLM keeps only `streaming: true` (it proxies no other capability); remove the rest"))
        elif key in ("skills", "defaultInputModes", "defaultOutputModes", "version", "name") and not value:
            problems.append((key, "is empty, and LiteLLM fills in its default; omit it or give a value"))
    return problems


AGENT = Kind(
    "agent", "agents", "litellm:Agent", "agent_id",
    doc="A2A agents in LiteLLM's agent registry (`/v1/agents`); LiteLLM's id is its own uuid, found by name after a "
        "lost answer",
    fields=(
        Field("agent_name", "str", required=True, unique=True, config_key="name",
              doc="the agent's name in the registry (unique on the server)"),
        Field("agent_card_params", "dict", config_key="card",
              doc="the A2A agent card (`name`, `description`, `url`, `skills`, ...); LiteLLM adds its own entry "
                  "point and auth, only the declared keys are compared"),
        Field("litellm_params", "dict", config_key="params",
              doc="LiteLLM's `litellm_params` (e.g. the `model` the agent runs on); a credential among them is "
                  "written only, and removing one replaces the agent"),
        Field("tpm_limit", "int", minimum=0, doc="tokens per minute across the agent's callers"),
        Field("rpm_limit", "int", minimum=0, doc="requests per minute across the agent's callers"),
        Field("session_tpm_limit", "int", minimum=0, doc="tokens per minute of one session"),
        Field("session_rpm_limit", "int", minimum=0, doc="requests per minute of one session"),
        Field("static_headers", "dict", secret=True,
              doc="headers the gateway sends the agent on every call (e.g. its `Authorization`); secret"),
        Field("extra_headers", "list", doc="names of the caller's headers the gateway passes on to the agent"),
        Field("agent_id", "str", computed=True, doc="LiteLLM's uuid"),
    ))

# Every kind declared here, in the order the README lists them.
KINDS = (MODEL, BUDGET, TAG, CREDENTIAL, USER, TEAM, TEAM_MEMBER, VIRTUAL_KEY, GUARDRAIL, MCP_SERVER, CUSTOMER,
         VECTOR_STORE, MCP_TOOLSET, SEARCH_TOOL, PROMPT, AGENT, UNIFIED_ACCESS_GROUP)
