"""LiteLLM's own vocabularies and name rules (1.108.7), for the stack config (checked at preview) and the providers
(checked again at `check`). A leaf module: both layers read the one definition.
"""

from __future__ import annotations

import re
from typing import Optional
from urllib.parse import urlsplit

# GuardrailEventHooks of 1.108.7 (types/guardrails.py); anything else is a 400 at create.
GUARDRAIL_MODES = ("pre_call", "post_call", "during_call", "logging_only", "pre_mcp_call", "during_mcp_call",
                   "post_mcp_call", "realtime_input_transcription")
# stdio needs a command on the gateway pod (and LITELLM_ENABLE_MCP_STDIO): not something a stack declares.
MCP_TRANSPORTS = ("sse", "http")
# The auth types that take one value (`credentials.auth_value`); the OAuth and AWS ones need more than a value.
MCP_AUTH_TYPES = ("none", "api_key", "bearer_token", "basic", "authorization", "token")
# LiteLLM's tool prefix: what it accepts in server_name and alias (no '-', the prefix separator; no spaces).
MCP_NAME = re.compile(r"^[A-Za-z0-9_.]+$")


def mcp_name_problem(value: str) -> Optional[str]:
    """Why LiteLLM would refuse `value` as an MCP server name or alias, with the fix (after the quoted value)."""
    if "-" in value:
        return ("contains '-', which LiteLLM uses to join the server name to its tool names; "
                f"use '_' instead (e.g. {value.replace('-', '_')!r})")
    if not MCP_NAME.match(value):
        return "is not an MCP tool prefix; use letters, digits, '_' and '.' only"
    return None


def mcp_url_problem(value: str) -> Optional[str]:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "is not an http(s) URL; use e.g. https://mcp.example.com/mcp"
    return None
