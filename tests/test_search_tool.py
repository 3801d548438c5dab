"""litellm:SearchTool provider: check and diff offline; the api key LiteLLM echoes in clear kept out of every answer,
output, log line and error (a stand-in server that echoes it); and against the real LiteLLM proxy (through the fault
proxy): CRUD, the full PUT with the program's key, drift of the key through its mask, import, a lost create answer
that makes no second tool, and a name taken before."""

from __future__ import annotations

import json
import logging
import uuid
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.search_tool import SearchToolProvider, key_as_declared, litellm_mask
from tests.support.json_http import send_json, serving
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
KEY = "pplx-search-0123456789abcd"
OTHER_KEY = "tvly-search-9876543210wxyz"


@pytest.fixture
def provider():
    return SearchToolProvider()


@pytest.fixture
def name():
    return f"web-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    return connection(api, **{"search_tool_name": name, "provider": "perplexity", "api_key": KEY,
                              "api_base": "http://127.0.0.1:9/search", "timeout": 20.0, "max_retries": 2,
                              "search_tool_info": {"description": "web search"}, **fields})


def program(inputs, **changes):
    """What the program sends next time: the declared inputs (no computed id), plus changes (None: removed)."""
    news = {k: v for k, v in inputs.items() if k != "search_tool_id"}
    news.update(changes)
    return {k: v for k, v in news.items() if v is not None}


def search_tool(backend, tool_id):
    return backend.admin_json("GET", f"/search_tools/{tool_id}")


def tool_rows(backend, name):
    return backend.db.rows(f"""SELECT search_tool_id FROM "LiteLLM_SearchToolsTable" WHERE search_tool_name = '{name}'""")


# --- offline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("search_tool_name", "", "search_tool_name must not be empty"),
    ("provider", None, "provider is required"),
    ("api_key", 42, "api_key must be a string"),
    ("timeout", 0, "timeout must be greater than 0"),
    ("max_retries", 1.5, "max_retries must be a whole number"),
    ("input_cost_per_query", -1, "input_cost_per_query must be 0 or more"),
    ("search_tool_info", "web", "search_tool_info must be an object"),
])
def test_check_rejects_bad_inputs(provider, name, field, value, reason):
    news = {k: v for k, v in news_for(OFFLINE, name, **{field: value}).items() if v is not None}
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]
    assert "42" not in str([f.reason for f in failures])  # a secret's value is never echoed


def test_every_change_updates_in_place(provider, name):
    olds = {**checked(provider, {}, news_for(OFFLINE, name)), "search_tool_id": "t-1"}
    assert provider.diff("t-1", olds, checked(provider, olds, news_for(OFFLINE, name))).changes is False
    for change in ({"search_tool_name": "renamed"}, {"provider": "tavily"}, {"api_key": OTHER_KEY},
                   {"api_base": "https://api.tavily.com"}, {"timeout": 5.0}, {"max_retries": 0},
                   {"input_cost_per_query": 0.01}, {"search_tool_info": {"description": "other"}}):
        result = provider.diff("t-1", olds, checked(provider, olds, news_for(OFFLINE, name, **change)))
        assert (result.changes, result.replaces) == (True, []), change


def test_the_read_key_is_the_declared_one_only_when_it_shows_its_mask():
    def shown(key):
        return {"search_tool_id": "t-1", "litellm_params": {"search_provider": "perplexity", "api_key": key}}

    assert litellm_mask(KEY) == "pp****cd" and litellm_mask("abcd") == "*****"
    assert key_as_declared(shown("pp****cd"), KEY)["litellm_params"]["api_key"] == KEY
    assert key_as_declared(shown("tv****yz"), KEY)["litellm_params"]["api_key"] == "tv****yz"  # changed by hand
    assert "api_key" not in key_as_declared(shown(None), KEY)["litellm_params"]  # removed by hand
    assert "api_key" not in key_as_declared(shown("pp****cd"), None)["litellm_params"]  # import: never the mask
    assert key_as_declared(None, KEY) is None


class _Echoing(BaseHTTPRequestHandler):
    """A stand-in LiteLLM whose search tool writes answer the api key in clear, as 1.108.7 does; a PUT fails with a
    500 that quotes the request."""

    def log_message(self, *args):  # quiet test output
        pass

    def do_GET(self):  # noqa: N802 - http.server API
        send_json(self, 200, {"status": "healthy", "db": "connected", "litellm_version": "1.108.7"})

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        send_json(self, 200, {**body["search_tool"], "search_tool_id": "3f0c-uuid"})

    def do_PUT(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        send_json(self, 500, {"detail": f"Error updating search tool in DB: {body}"})


def test_the_key_echoed_in_clear_reaches_no_answer_output_log_or_error(provider, name, caplog):
    caplog.set_level(logging.DEBUG)
    with serving(_Echoing) as url:
        api = provider.client(connection(SimpleNamespace(url=url)))
        with api:
            answer = api.search_tool_new({"search_tool_name": name, "litellm_params": {"api_key": KEY}})
        assert answer == {"search_tool_name": name, "litellm_params": {}, "search_tool_id": "3f0c-uuid"}
        inputs, tool_id, outs = created(provider, news_for(SimpleNamespace(url=url), name))
        assert tool_id == "3f0c-uuid" and outs["search_tool_id"] == tool_id
        assert KEY not in str({k: v for k, v in outs.items() if k != "api_key"})
        assert "api_key" in SearchToolProvider.secret_outputs()
        with pytest.raises(LiteLLMAdminError) as failed:
            provider.update(tool_id, outs, checked(provider, inputs, program(outs, api_key=OTHER_KEY)))
    assert "search_tool_name" in str(failed.value) and KEY not in str(failed.value)
    assert OTHER_KEY not in str(failed.value) and KEY not in caplog.text and OTHER_KEY not in caplog.text


# --- the real LiteLLM proxy ------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, tool_id, outs = created(provider, news_for(litellm_api, name, input_cost_per_query=0.005))
    found = search_tool(backend, tool_id)
    assert (found["search_tool_name"], found["search_tool_info"]) == (name, {"description": "web search"})
    assert {k: found["litellm_params"].get(k) for k in ("search_provider", "api_key", "timeout", "max_retries",
                                                        "input_cost_per_query")} == {
        "search_provider": "perplexity", "api_key": litellm_mask(KEY), "timeout": 20.0, "max_retries": 2,
        "input_cost_per_query": 0.005}
    read = provider.read(tool_id, outs)
    assert read.id == tool_id and provider.diff(tool_id, read.outs, inputs).changes is False

    # A rename and a new provider are in place; the PUT is the whole tool, the key from the program.
    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, search_tool_name=f"{name}-2", provider="tavily", timeout=None,
                                             search_tool_info={"description": "renamed"}))
    outs = provider.update(tool_id, read.outs, news).outs
    (put,) = litellm_api.calls_to("PUT", f"/search_tools/{tool_id}")
    assert put.body["search_tool"]["search_tool_name"] == f"{name}-2"
    assert put.body["search_tool"]["litellm_params"]["api_key"] == KEY and "timeout" not in \
        put.body["search_tool"]["litellm_params"]
    found = search_tool(backend, tool_id)
    assert (found["search_tool_name"], found["litellm_params"]["search_provider"], found["litellm_params"]["api_key"],
            found["litellm_params"].get("timeout")) == (f"{name}-2", "tavily", litellm_mask(KEY), None)
    assert provider.diff(tool_id, provider.read(tool_id, outs).outs, news).changes is False

    provider.delete(tool_id, outs)
    provider.delete(tool_id, outs)  # already gone (404) = success
    assert backend.admin("GET", f"/search_tools/{tool_id}").status_code == 404
    assert provider.read(tool_id, outs).id == ""


def test_the_key_is_never_in_clear_in_the_outputs_or_logs(provider, litellm_api, name, caplog):
    caplog.set_level(logging.DEBUG)
    inputs, tool_id, outs = created(provider, news_for(litellm_api, name))
    read = provider.read(tool_id, outs)
    outs = provider.update(tool_id, read.outs, checked(provider, inputs, program(inputs, max_retries=5))).outs
    for state in (outs, read.outs, read.inputs):
        assert KEY not in json.dumps({k: v for k, v in state.items() if k != "api_key"})
    assert KEY not in caplog.text
    # The create answer held it in clear; the client dropped it there.
    (create,) = litellm_api.calls_to("POST", "/search_tools")
    assert create.body["search_tool"]["litellm_params"]["api_key"] == KEY


@pytest.mark.every_litellm_version
def test_refresh_sees_a_key_changed_or_removed_by_hand_and_up_sends_ours_again(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, tool_id, outs = created(provider, news_for(litellm_api, name))
    for hand_params in ({"search_provider": "perplexity", "api_key": OTHER_KEY}, {"search_provider": "perplexity"}):
        backend.admin_json("PUT", f"/search_tools/{tool_id}", json={"search_tool": {
            "search_tool_name": name, "litellm_params": {**hand_params, "timeout": 20.0, "max_retries": 2},
            "search_tool_info": {"description": "web search"}}})
        read = provider.read(tool_id, outs)
        assert read.outs.get("api_key") in (litellm_mask(OTHER_KEY), None) and read.outs.get("api_key") != KEY
        assert provider.diff(tool_id, read.outs, inputs).changes is True
        outs = provider.update(tool_id, read.outs, inputs).outs
        assert search_tool(backend, tool_id)["litellm_params"]["api_key"] == litellm_mask(KEY)
        assert provider.diff(tool_id, provider.read(tool_id, outs).outs, inputs).changes is False


def test_refresh_sees_hand_edits(provider, litellm_api, name):
    inputs, tool_id, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin_json("PUT", f"/search_tools/{tool_id}", json={"search_tool": {
        "search_tool_name": name, "litellm_params": {"search_provider": "exa_ai", "api_key": KEY, "timeout": 3.0},
        "search_tool_info": {"description": "edited"}}})
    read = provider.read(tool_id, outs)
    assert (read.outs["provider"], read.outs["timeout"], read.outs["search_tool_info"], read.outs["api_key"]) == \
        ("exa_ai", 3.0, {"description": "edited"}, KEY)  # the same key behind the mask: no drift of the key
    assert provider.diff(tool_id, read.outs, inputs).changes is True


@pytest.mark.every_litellm_version
def test_import_by_id(provider, litellm_api, name):
    row = litellm_api.backend.admin_json("POST", "/search_tools", json={"search_tool": {
        "search_tool_name": name, "litellm_params": {"search_provider": "tavily", "api_key": KEY, "max_retries": 1},
        "search_tool_info": {"description": "made by hand"}}})
    read = provider.read(row["search_tool_id"], connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert (source["search_tool_name"], source["provider"], source["max_retries"], source["search_tool_info"]) \
            == (name, "tavily", 1, {"description": "made by hand"})
        assert "api_key" not in source  # the mask is never taken for the key
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(row["search_tool_id"], read.outs, again).changes is False


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_a_lost_create_answer_makes_no_second_tool(provider, litellm_api, name, fault):
    litellm_api.lose_answer("POST", "/search_tools", fault)
    _, tool_id, outs = created(provider, news_for(litellm_api, name, request_timeout=1.0))
    assert tool_rows(litellm_api.backend, name) == [[tool_id]] and outs["search_tool_id"] == tool_id
    assert len(litellm_api.calls_to("POST", "/search_tools")) == 1
    assert litellm_api.calls_to("PUT", f"/search_tools/{tool_id}") == []  # found as declared, the key's mask too


def test_a_name_taken_before_is_refused(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/search_tools", json={"search_tool": {
        "search_tool_name": name, "litellm_params": {"search_provider": "tavily"}}})
    with pytest.raises(LiteLLMAdminError) as caught:
        created(provider, news_for(litellm_api, name))
    assert caught.value.status == 400 and "exists already" in str(caught.value) and KEY not in str(caught.value)
    assert len(tool_rows(litellm_api.backend, name)) == 1
