"""litellm:Guardrail provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, the api
key never read back or written from a read, drift, import, a lost create answer and enforcement on a chat."""

from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

import pytest
import requests

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.guardrail import GuardrailProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
BLOCKED = {"blocked_words": [{"keyword": "forbiddenword", "action": "BLOCK"}]}


@pytest.fixture
def provider():
    return GuardrailProvider()


@pytest.fixture
def name():
    return f"cf-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    # A create takes seconds on the test proxy (it loads the guardrail): a longer timeout than other kinds' tests.
    return connection(api, **{"guardrail_name": name, "provider": "litellm_content_filter", "mode": "pre_call",
                              "params": BLOCKED, "request_timeout": 30.0, **fields})


def generic(api, name, **fields):
    """A provider with an api key that is created without contacting anything."""
    return news_for(api, name, provider="generic_guardrail_api", params=None, api_base="http://127.0.0.1:9/guard",
                    api_key="sk-guard-0123456789abcd", **fields)


def guardrail(backend, guardrail_id):
    return backend.admin_json("GET", f"/guardrails/{guardrail_id}")


def test_check_rejects_bad_inputs(provider, name):
    (bad_mode,) = provider.check({}, news_for(OFFLINE, name, mode="bogus")).failures
    assert bad_mode.property == "mode" and "is not one of pre_call" in bad_mode.reason
    (own_param,) = provider.check({}, news_for(OFFLINE, name, params={"api_key": "x", **BLOCKED})).failures
    assert own_param.property == "params" and "must not hold api_key" in own_param.reason


def test_diff_new_provider_replaces_the_rest_in_place(provider, name):
    olds = {**checked(provider, {}, news_for(OFFLINE, name)), "guardrail_id": "g-1"}
    assert provider.diff("g-1", olds, checked(provider, olds, news_for(OFFLINE, name))).changes is False
    swap = provider.diff("g-1", olds, checked(provider, olds, generic(OFFLINE, name)))
    assert swap.replaces == ["provider"] and swap.delete_before_replace is True  # the name is unique
    for change in ({"guardrail_name": "other"}, {"mode": "post_call"}, {"default_on": True}, {"params": {}}):
        result = provider.diff("g-1", olds, checked(provider, olds, news_for(OFFLINE, name, **change)))
        assert (result.changes, result.replaces) == (True, []), change


@pytest.mark.every_litellm_version
def test_lifecycle_and_enforcement_on_a_chat(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, gid, outs = created(provider, news_for(litellm_api, name))
    assert outs["guardrail_id"] == gid and guardrail(backend, gid)["guardrail_name"] == name
    model = f"mock-{name}"
    backend.admin_json("POST", "/model/new", json={"model_name": model, "litellm_params": {
        "model": "openai/x", "api_key": "sk-unused", "mock_response": "hi"}})

    def chat(text):
        return requests.post(f"{backend.url}/v1/chat/completions", timeout=60,
                             headers={"Authorization": f"Bearer {backend.master_key}"},
                             json={"model": model, "guardrails": [name],
                                   "messages": [{"role": "user", "content": text}]})

    blocked = chat("say forbiddenword")
    assert blocked.status_code == 400 and "forbiddenword" in blocked.text
    read = provider.read(gid, outs)
    assert read.id == gid and provider.diff(gid, read.outs, inputs).changes is False  # server defaults: no drift

    news = checked(provider, inputs, news_for(litellm_api, name, params={
        "blocked_words": [{"keyword": "otherword", "action": "BLOCK"}]}))
    provider.update(gid, outs, news)
    assert [c.method for c in litellm_api.calls_to("PUT", f"/guardrails/{gid}")] == ["PUT"]
    words = guardrail(backend, gid)["litellm_params"]["blocked_words"]
    assert [w["keyword"] for w in words] == ["otherword"]  # PUT replaced the list

    provider.delete(gid, outs)
    provider.delete(gid, outs)  # already gone = success
    assert backend.admin("GET", f"/guardrails/{gid}").status_code == 404 and provider.read(gid, outs).id == ""


def test_the_api_key_is_secret_and_never_written_from_a_read(provider, litellm_api, name, caplog):
    backend = litellm_api.backend
    caplog.set_level(logging.DEBUG)
    assert "api_key" in GuardrailProvider.secret_outputs()
    inputs, gid, outs = created(provider, generic(litellm_api, name))
    assert "sk-guard-0123456789abcd" not in str({k: v for k, v in outs.items() if k != "api_key"})
    shown = guardrail(backend, gid)["litellm_params"]["api_key"]
    assert shown != "sk-guard-0123456789abcd" and "****" in shown  # masked on read
    read = provider.read(gid, outs)
    assert read.outs["api_key"] == "sk-guard-0123456789abcd"  # written only: the state keeps ours, never the mask
    news = checked(provider, inputs, generic(litellm_api, name, mode="post_call"))
    provider.update(gid, read.outs, news)
    (put,) = litellm_api.calls_to("PUT", f"/guardrails/{gid}")
    assert put.body["guardrail"]["litellm_params"]["api_key"] == "sk-guard-0123456789abcd"
    assert guardrail(backend, gid)["litellm_params"]["api_key"] == shown  # still the real key behind the mask
    assert "sk-guard-0123456789abcd" not in caplog.text


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, gid, outs = created(provider, news_for(litellm_api, name))
    backend.admin_json("PATCH", f"/guardrails/{gid}", json={"litellm_params": {"mode": "post_call"}})
    read = provider.read(gid, outs)
    assert read.outs["mode"] == "post_call" and provider.diff(gid, read.outs, inputs).changes is True


def test_a_name_taken_before_is_refused(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/guardrails", json={"guardrail": {
        "guardrail_name": name, "litellm_params": {"guardrail": "litellm_content_filter", "mode": "post_call"}}})
    with pytest.raises(LiteLLMAdminError) as caught:
        created(provider, news_for(litellm_api, name))
    assert caught.value.status == 400 and "exists already" in str(caught.value)


def test_lost_create_answer_ends_with_one_guardrail(provider, litellm_api, name):
    litellm_api.drop("POST", "/guardrails", when="after")
    _, gid, _ = created(provider, news_for(litellm_api, name))
    rows = litellm_api.backend.db.rows(f"""SELECT guardrail_id FROM "LiteLLM_GuardrailsTable"
                                           WHERE guardrail_name = '{name}'""")
    assert rows == [[gid]] and len(litellm_api.calls_to("POST", "/guardrails")) == 1


@pytest.mark.every_litellm_version
def test_import_by_id(provider, litellm_api, name):
    row = litellm_api.backend.admin_json("POST", "/guardrails", json={"guardrail": {
        "guardrail_name": name, "litellm_params": {"guardrail": "litellm_content_filter", "mode": "pre_call",
                                                   **BLOCKED}}})
    read = provider.read(row["guardrail_id"], connection(litellm_api))
    assert (read.inputs["guardrail_name"], read.inputs["provider"], read.inputs["mode"]) == \
        (name, "litellm_content_filter", "pre_call")
    assert read.inputs["params"]["blocked_words"][0]["keyword"] == "forbiddenword"
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(row["guardrail_id"], read.outs, again).changes is False
