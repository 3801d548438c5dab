"""litellm:Prompt provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD in place (one
version), drift, import of another environment's prompt, a lost create answer that makes no second version, a delete
that keeps the other environments, and an OpenAI request naming the prompt."""

from __future__ import annotations

import json
import time
import uuid
from http.server import BaseHTTPRequestHandler
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.model import ModelProvider
from dynamic_providers.prompt import PromptProvider
from tests.support.json_http import send_json, serving
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
GREET = "---\nmodel: granite\ninput:\n  schema:\n    name: string\n---\nSay hello to {{name}}."


@pytest.fixture
def provider():
    return PromptProvider()


@pytest.fixture
def prompt_id():
    return f"greet-{uuid.uuid4().hex[:8]}"  # the proxy's memory keeps prompts across tests: never reuse an id


def news_for(api, name, **fields):
    # A create is never sent twice, so a timeout there fails the test: allow for this loaded machine's slow answers.
    return connection(api, **{"prompt_id": name, "template": GREET, "request_timeout": 15.0, **fields})


def rows(backend, prompt_id):
    """(version, environment) of every stored version of the prompt."""
    return sorted((int(v), e) for v, e in backend.db.rows(
        f"""SELECT version, environment FROM "LiteLLM_PromptTable" WHERE prompt_id = '{prompt_id}'"""))


def info(backend, prompt_id, environment="development"):
    answer = backend.admin("GET", f"/prompts/{prompt_id}/info", params={"environment": environment})
    return answer.json()["prompt_spec"] if answer.ok else None


@pytest.mark.parametrize("field, value, reason", [
    ("prompt_id", "", "prompt_id must not be empty"),
    ("integration", "langfuse", "integration 'langfuse' is not one of dotprompt, generic_prompt_management"),
    ("environment", 3, "environment must be a string"),
])
def test_check_rejects_bad_inputs(provider, prompt_id, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, prompt_id, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_diff_what_updates_in_place_and_what_replaces(provider, prompt_id):
    olds = checked(provider, {}, news_for(OFFLINE, prompt_id))
    assert provider.diff(f"development/{prompt_id}", olds, dict(olds)).changes is False
    for change in ({"template": "Hi {{name}}"}, {"integration": "dotprompt"}):
        result = provider.diff(prompt_id, olds, checked(provider, olds, news_for(OFFLINE, prompt_id, **change)))
        assert (result.changes, result.replaces) == (True, []), change
    for change, replaced in (({"prompt_id": prompt_id + "x"}, "prompt_id"), ({"environment": "production"},
                                                                              "environment")):
        result = provider.diff(prompt_id, olds, checked(provider, olds, news_for(OFFLINE, prompt_id, **change)))
        assert result.replaces == [replaced] and result.delete_before_replace is False, change
    # Unset is LiteLLM's development: naming it changes nothing on the server, so it never replaces.
    result = provider.diff(prompt_id, olds, checked(provider, olds, news_for(OFFLINE, prompt_id,
                                                                               environment="development")))
    assert result.replaces == []


@pytest.mark.every_litellm_version
def test_lifecycle_updates_in_place_without_new_versions(provider, litellm_api, prompt_id):
    backend = litellm_api.backend
    inputs, pid, outs = created(provider, news_for(litellm_api, prompt_id))
    assert pid == f"development/{prompt_id}" and outs["version"] == 1
    found = info(backend, prompt_id)
    assert (found["litellm_params"]["dotprompt_content"], found["litellm_params"]["prompt_integration"],
            found["litellm_params"]["prompt_id"], found["prompt_info"]["prompt_type"]) == (GREET, "dotprompt",
                                                                                           prompt_id, "db")
    read = provider.read(pid, outs)
    assert read.id == pid and provider.diff(pid, read.outs, inputs).changes is False

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, prompt_id, template="Hi {{name}}"))
    outs = provider.update(pid, outs, news).outs
    (call,) = litellm_api.calls_to("PATCH", f"/prompts/{prompt_id}")
    assert call.query == {"environment": "development"}
    assert info(backend, prompt_id)["litellm_params"]["dotprompt_content"] == "Hi {{name}}"
    assert rows(backend, prompt_id) == [(1, "development")] and outs["version"] == 1  # in place: no new version
    assert provider.diff(pid, provider.read(pid, outs).outs, news).changes is False

    provider.delete(pid, outs)
    provider.delete(pid, outs)  # already gone = success
    assert rows(backend, prompt_id) == [] and info(backend, prompt_id) is None
    assert provider.read(pid, outs).id == ""
    assert all(c.query == {"environment": "development"} for c in litellm_api.calls_to("DELETE", "/prompts/*"))


def test_delete_keeps_the_prompt_of_other_environments(provider, litellm_api, prompt_id):
    backend = litellm_api.backend
    _, pid, outs = created(provider, news_for(litellm_api, prompt_id))
    _, prod_id, _ = created(provider, news_for(litellm_api, prompt_id, environment="production", template="Prod"))
    assert prod_id == f"production/{prompt_id}"
    provider.delete(pid, outs)
    assert rows(backend, prompt_id) == [(1, "production")]
    assert info(backend, prompt_id, "production")["litellm_params"]["dotprompt_content"] == "Prod"


def test_refresh_sees_hand_edits_and_a_new_version_alone_is_no_drift(provider, litellm_api, prompt_id):
    backend = litellm_api.backend
    inputs, pid, outs = created(provider, news_for(litellm_api, prompt_id))
    # Someone saves the same prompt again in the admin UI: a version 2, the same content.
    backend.admin_json("PUT", f"/prompts/{prompt_id}", json={
        "prompt_id": prompt_id, "litellm_params": {"prompt_integration": "dotprompt", "dotprompt_content": GREET},
        "prompt_info": {"prompt_type": "db", "environment": "development"}})
    read = provider.read(pid, outs)
    assert read.outs["version"] == 2 and provider.diff(pid, read.outs, inputs).changes is False
    backend.admin_json("PATCH", f"/prompts/{prompt_id}", params={"environment": "development"}, json={
        "litellm_params": {"prompt_integration": "dotprompt", "dotprompt_content": "edited"}})
    read = provider.read(pid, read.outs)
    assert read.outs["template"] == "edited" and provider.diff(pid, read.outs, inputs).changes is True
    provider.update(pid, read.outs, checked(provider, read.inputs, inputs))
    assert info(backend, prompt_id)["litellm_params"]["dotprompt_content"] == GREET


def test_import_another_environments_prompt_by_id(provider, litellm_api, prompt_id):
    litellm_api.backend.admin_json("POST", "/prompts", json={
        "prompt_id": prompt_id, "litellm_params": {"prompt_integration": "dotprompt", "dotprompt_content": "Legacy"},
        "prompt_info": {"prompt_type": "db", "environment": "staging"}})
    read = provider.read(f"staging/{prompt_id}", connection(litellm_api))
    assert {k: read.inputs.get(k) for k in ("prompt_id", "environment", "integration", "template")} == {
        "prompt_id": prompt_id, "environment": "staging", "integration": "dotprompt", "template": "Legacy"}
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(read.id, read.outs, again).changes is False
    assert provider.read(f"development/{prompt_id}", connection(litellm_api)).id == ""  # absent there (a 400)


@pytest.mark.parametrize("fault", ["drop", "non_json"])
def test_lost_create_answer_makes_no_second_version(provider, litellm_api, prompt_id, fault):
    litellm_api.lose_answer("POST", "/prompts", fault)
    _, _, outs = created(provider, news_for(litellm_api, prompt_id))
    assert rows(litellm_api.backend, prompt_id) == [(1, "development")]
    assert len(litellm_api.calls_to("POST", "/prompts")) == 1  # read back, never sent again
    assert litellm_api.calls_to("PATCH", "/prompts/*") == []  # the found prompt already matches
    assert outs.get("version") in (None, 1)


def test_a_create_whose_request_never_landed_fails_and_the_next_up_creates_once(provider, litellm_api, prompt_id):
    litellm_api.drop("POST", "/prompts", when="before")
    with pytest.raises(LiteLLMAdminError, match="run `pulumi up` again: it takes the prompt over if it did"):
        created(provider, news_for(litellm_api, prompt_id))
    assert len(litellm_api.calls_to("POST", "/prompts")) == 1 and rows(litellm_api.backend, prompt_id) == []
    litellm_api.clear_faults()
    created(provider, news_for(litellm_api, prompt_id))
    assert rows(litellm_api.backend, prompt_id) == [(1, "development")]


def test_a_prompt_already_there_is_taken_over_in_place(provider, litellm_api, prompt_id):
    backend = litellm_api.backend
    backend.admin_json("POST", "/prompts", json={
        "prompt_id": prompt_id, "litellm_params": {"prompt_integration": "dotprompt", "dotprompt_content": "Old"},
        "prompt_info": {"prompt_type": "db", "environment": "development"}})
    litellm_api.reset_calls()
    _, _, outs = created(provider, news_for(litellm_api, prompt_id))
    assert litellm_api.calls_to("POST", "/prompts") == [] and len(litellm_api.calls_to("PATCH", "/prompts/*")) == 1
    assert rows(backend, prompt_id) == [(1, "development")] and outs["version"] == 1
    assert info(backend, prompt_id)["litellm_params"]["dotprompt_content"] == GREET


class _EchoUpstream(BaseHTTPRequestHandler):
    """An OpenAI-style model server that keeps the messages it was sent."""

    received: list[list[dict]] = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        _EchoUpstream.received.append(body.get("messages") or [])
        send_json(self, 200, {"id": "c1", "object": "chat.completion", "created": int(time.time()), "model": "m",
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": "hello Ada"}}],
                              "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    def log_message(self, *args):
        pass


def test_an_openai_request_naming_the_prompt_gets_its_rendered_template(provider, litellm_api, prompt_id):
    backend = litellm_api.backend
    model = f"m-{prompt_id}"
    with serving(_EchoUpstream) as upstream:
        created(ModelProvider(), connection(litellm_api, model_name=model, model="openai/fake", api_key="x",
                                            api_base=f"{upstream}/v1"))
        created(provider, news_for(litellm_api, prompt_id, template=f"---\nmodel: {model}\n---\n"
                                   "Say hello to {{name}}."))
        answer = backend.admin("POST", "/chat/completions", json={
            "model": model, "prompt_id": prompt_id, "prompt_variables": {"name": "Ada"},
            "messages": [{"role": "user", "content": "Please."}]})
        assert answer.status_code == 200, answer.text[:500]
    # The rendered template comes first, as a user message, then the request's own messages.
    assert _EchoUpstream.received[-1] == [{"role": "user", "content": "Say hello to Ada."},
                                          {"role": "user", "content": "Please."}]
