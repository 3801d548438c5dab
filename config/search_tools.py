"""`searchTools[]`: LiteLLM search tools, the web search backends of `/v1/search/{name}` (fields:
kinds/declarations.py; the api key a secret)."""

from __future__ import annotations

from typing import Any

from config.kind_reader import read_entries
from config.reader import Reader, check_url, secret_string
from kinds.declarations import SEARCH_TOOL

SEARCH_TOOL_KEYS = SEARCH_TOOL.config_keys
SearchToolConfig = SEARCH_TOOL.config_class(
    "SearchToolConfig", __name__, "A LiteLLM search tool (`searchTools[]`); `api_key` is a secret Output when set. "
    "Treat `info` as read-only.")


def parse_search_tools(top: Reader, stored_as_secret: bool) -> tuple[Any, ...]:
    tools = []
    for item, values in read_entries(top, SEARCH_TOOL, custom={"api_base", "api_key"}):
        values["api_base"] = item.string("apiBase", check=check_url)
        tools.append(SearchToolConfig(**values, api_key=secret_string(item, "apiKey", stored_as_secret)))
    return tuple(tools)
