"""`searchTools[]`: read from the kind's schema, with the key path and the fix in every error; the api key secret and
never shown; a platform kind, refused in a tenant stack."""

import pulumi
import pytest

from config import ConfigError, parse_stack_config

pytestmark = pytest.mark.usefixtures("mocked")

WEB = {"name": "web", "provider": "perplexity", "apiKey": "pplx-search-0123", "apiBase": "https://api.perplexity.ai",
       "timeout": 20, "maxRetries": 2, "inputCostPerQuery": 0.005, "info": {"description": "web search"}}


def error_of(values, secret_keys=("searchTools",)) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(values, set(secret_keys))
    return str(raised.value)


@pulumi.runtime.test
def test_search_tools_are_typed_and_the_api_key_is_secret():
    web, bare = parse_stack_config({"searchTools": [WEB, {"name": "docs", "provider": "tavily"}]},
                                   {"searchTools"}).search_tools
    assert (web.name, web.provider, web.api_base, web.timeout, web.max_retries, web.input_cost_per_query,
            dict(web.info)) == ("web", "perplexity", "https://api.perplexity.ai", 20, 2, 0.005,
                                {"description": "web search"})
    assert (bare.name, bare.provider, bare.api_key, bare.api_base, bare.timeout, dict(bare.info)) == \
        ("docs", "tavily", None, None, None, {})

    def check(args):
        value, secret = args
        assert value == "pplx-search-0123" and secret is True
    return pulumi.Output.all(web.api_key, pulumi.Output.is_secret(web.api_key)).apply(check)


def test_bad_search_tools_name_the_key_path_and_the_fix():
    message = error_of({"searchTools": [
        {**WEB, "apiBase": "api.perplexity.ai", "timeout": 0, "maxRetries": -1, "inputCostPerQuery": -1,
         "colour": "red"},
        {"name": "web", "info": "a string"},
        {"provider": "exa_ai", "apiKey": "has a space"},
    ]})
    for expected in (
        "litemaas:searchTools[0].apiBase: 'api.perplexity.ai' is not an http(s) URL",
        "litemaas:searchTools[0].timeout: must be greater than 0",
        "litemaas:searchTools[0].maxRetries: must be 0 or more",
        "litemaas:searchTools[0].inputCostPerQuery: must be 0 or more",
        "litemaas:searchTools[0].colour: unknown key",
        "litemaas:searchTools[1].name: duplicate search tool name 'web'",
        "litemaas:searchTools[1].provider: is required",
        "litemaas:searchTools[1].info: must be",
        "litemaas:searchTools[2].name: is required",
        "litemaas:searchTools[2].apiKey:",
    ):
        assert expected in message, (expected, message)
    assert "has a space" not in message and "pplx-search-0123" not in message


def test_a_plain_text_api_key_is_refused_without_showing_it():
    message = error_of({"searchTools": [WEB]}, secret_keys=())
    assert "litemaas:searchTools[0].apiKey: is stored in plain text; set it with `pulumi config set --secret --path " \
           "searchTools[0].apiKey" in message
    assert "pplx-search-0123" not in message


def test_a_tenant_stack_declares_no_search_tools():
    message = error_of({"platformStack": "organization/litemaas/platform", "searchTools": [WEB]})
    assert "litemaas:searchTools" in message and "pplx-search-0123" not in message


def test_keys_and_teams_are_granted_declared_search_tools_only():
    config = parse_stack_config({"searchTools": [WEB, {"name": "docs", "provider": "tavily"}],
                                 "teams": [{"alias": "ml", "searchTools": ["web"]}],
                                 "keys": [{"alias": "alice", "searchTools": ["web", "docs"]}]}, {"searchTools"})
    assert (config.teams[0].search_tools, config.keys[0].search_tools) == (("web",), ("web", "docs"))
    message = error_of({"searchTools": [WEB], "teams": [{"alias": "ml", "searchTools": ["news"]}],
                        "keys": [{"alias": "alice", "searchTools": ["web", "news"]}]})
    assert "litemaas:teams[0].searchTools: names search tool(s) the stack does not declare: news; declared search " \
           "tools: web" in message
    assert "litemaas:keys[0].searchTools: names search tool(s) the stack does not declare: news" in message
