"""litellm:VirtualKey against the real LiteLLM proxy (through the fault proxy): lost answers and other
faults, the raw key never in logs or errors, Enterprise-only tags and guardrails, MCP server grants."""

from __future__ import annotations

import logging
import uuid

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import (
    changed,
    create,
    deleted_tokens,
    instant,
    key_info,
    live_tokens,
    news_for,
    sha256,
)
from tests.support.providers import checked, created

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return VirtualKeyProvider()


# --- faults --------------------------------------------------------------------------------------


def assert_one_key(backend, outs, alias="alice"):
    assert live_tokens(backend, alias=alias) == [outs["token"]] and sha256(outs["key"]) == outs["token"]


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, fault):
    # The real proxy has committed the key; only the answer is lost (fault proxy, when="after").
    litellm_api.lose_answer("POST", "/key/generate", fault)
    _, _, outs = create(provider, litellm_api, request_timeout=1.0)
    assert_one_key(litellm_api.backend, outs)
    assert instant(outs["expires"]) == instant(key_info(litellm_api.backend, outs["token"])["expires"])
    assert len(litellm_api.calls_to("POST", "/key/generate")) == 1
    assert len(litellm_api.calls_to("GET", "/key/list")) == 1  # probed by alias, found by hash


def test_create_survives_a_503_burst_before_commit(provider, litellm_api):
    litellm_api.fail("POST", "/key/generate", status=503, times=2)
    _, _, outs = create(provider, litellm_api)
    assert_one_key(litellm_api.backend, outs)
    assert [c.status for c in litellm_api.calls_to("POST", "/key/generate")] == [503, 503, 200]


def test_create_with_a_taken_alias_fails_without_creating(provider, litellm_api):
    taken = litellm_api.backend.admin_json("POST", "/key/generate", json={"key_alias": "alice"})["token"]
    with pytest.raises(LiteLLMAdminError, match="already exists on the gateway .* choose another alias"):
        create(provider, litellm_api)
    assert live_tokens(litellm_api.backend) == [taken]
    assert [c.status for c in litellm_api.calls_to("POST", "/key/generate")] == [400]


def test_lost_answer_with_the_alias_taken_by_someone_else(provider, litellm_api):
    litellm_api.fail("POST", "/key/generate", status=503, times=1)
    # Appears in between (not ours: a different hash); the admin call bypasses the fault proxy.
    taken = litellm_api.backend.admin_json("POST", "/key/generate", json={"key_alias": "alice"})["token"]
    with pytest.raises(LiteLLMAdminError, match="alias 'alice' now belongs to another key"):
        create(provider, litellm_api)
    assert live_tokens(litellm_api.backend) == [taken]


def test_update_retries_503_and_resets(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    litellm_api.fail("POST", "/key/update", status=503, times=2)
    litellm_api.drop("POST", "/key/update", when="after")
    provider.update(token, outs, checked(provider, inputs, changed(inputs, rpm_limit=7)))
    assert key_info(litellm_api.backend, token)["rpm_limit"] == 7
    assert [c.status for c in litellm_api.calls_to("POST", "/key/update")] == [503, 503, None, 200]


def test_delete_after_a_reset_past_commit(provider, litellm_api):
    _, token, outs = create(provider, litellm_api)
    litellm_api.drop("POST", "/key/delete", when="after")
    provider.delete(token, outs)
    assert live_tokens(litellm_api.backend) == [] and deleted_tokens(litellm_api.backend) == [token]
    assert [c.status for c in litellm_api.calls_to("POST", "/key/delete")] == [None, 404]


def test_the_raw_key_never_reaches_logs_or_errors(provider, litellm_api, caplog):
    caplog.set_level(logging.DEBUG)
    litellm_api.drop("POST", "/key/generate", when="after")
    _, token, outs = create(provider, litellm_api)
    # A 400 that echoes the raw key: the real proxy does not, a proxy in front of it might.
    litellm_api.fail("POST", "/key/update", status=400, body={"error": {
        "message": f"cannot update {outs['key']}: bad", "type": "bad_request_error", "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        provider.update(token, outs, checked(provider, outs, changed(outs, max_budget=30.0)))
    master = litellm_api.backend.master_key
    assert outs["key"] not in str(raised.value) and outs["key"] not in caplog.text
    assert master not in caplog.text and master not in str(raised.value)



# --- tags and guardrails (Enterprise-only on keys in 1.108.7) ------------------------------------


@pytest.mark.parametrize("field", ["tags", "guardrails", "prompts"])
def test_enterprise_only_fields_are_refused_by_the_unlicensed_proxy(provider, litellm_api, field):
    # The stack config refuses them at preview unless litellmEnterprise; this is what happens past that guard.
    with pytest.raises(LiteLLMAdminError) as caught:
        create(provider, litellm_api, **{field: ["t-1"]})
    assert caught.value.status == 403 and caught.value.enterprise_only
    assert live_tokens(litellm_api.backend) == []


def test_declared_tags_and_guardrails_are_read_from_the_key_metadata(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    # What a licensed proxy stores for `tags`/`guardrails`; written here through metadata (free) to see the read side.
    litellm_api.backend.admin_json("POST", "/key/update", json={
        "key": token, "metadata": {"owner": "alice", "tags": ["b", "a"], "guardrails": ["g-2"], "prompts": ["p-2"]}})
    declared = {**outs, "tags": ["a", "b"], "guardrails": ["g-1"], "prompts": ["p-1"]}
    read = provider.read(token, declared)
    assert read.outs["tags"] == ["a", "b"]  # the same set in another order: no drift
    assert read.outs["guardrails"] == ["g-2"] and read.outs["metadata"] == {"owner": "alice"}
    assert read.outs["prompts"] == ["p-2"]
    assert provider.diff(token, read.outs, {**inputs, "tags": ["b", "a"], "guardrails": ["g-1"]}).changes is True


# --- MCP server grants (object_permission.mcp_servers) -------------------------------------------


def test_mcp_server_grants_on_create_update_and_refresh(provider, litellm_api):
    backend = litellm_api.backend
    suffix = uuid.uuid4().hex[:8]
    a, b = f"a_{suffix}", f"b_{suffix}"
    for server_id in (a, b):
        backend.admin_json("POST", "/v1/mcp/server", json={"server_id": server_id, "server_name": f"tools_{server_id}",
                                                           "url": "http://127.0.0.1:9/mcp"})
    granted = lambda token: key_info(backend, token)["object_permission"]["mcp_servers"]  # noqa: E731
    inputs, token, outs = create(provider, litellm_api, key_alias=f"mcp-{suffix}", mcp_servers=[a, b])
    assert sorted(granted(token)) == [a, b]
    (generate,) = litellm_api.calls_to("POST", "/key/generate")
    assert generate.body["object_permission"] == {"mcp_servers": [a, b]} and "mcp_servers" not in generate.body
    read = provider.read(token, outs)
    assert provider.diff(token, read.outs, inputs).changes is False

    news = checked(provider, inputs, changed(inputs, mcp_servers=[b]))
    assert provider.diff(token, outs, news).replaces == []
    litellm_api.reset_calls()
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"mcp_servers": [b]}} and granted(token) == [b]

    backend.admin_json("POST", "/key/update", json={"key": token, "object_permission": {"mcp_servers": [a]}})
    assert provider.read(token, outs).outs["mcp_servers"] == [a]
    provider.update(token, outs, checked(provider, news, changed(news, mcp_servers=None)))
    assert granted(token) == []


def test_refresh_stores_the_inputs_the_program_sends_again(provider, litellm_api):
    """Inputs from a refresh equal the next `check`'s for a key declaring only an alias, budget and models: any
    difference (an empty `metadata` map, say) makes the engine save the whole state after every key of the next
    `up` (measured: 10+ minutes at 2,000 keys instead of one minute)."""
    program = {k: v for k, v in news_for(litellm_api, key_alias=f"plain-{uuid.uuid4().hex[:8]}", metadata=None,
                                         soft_budget=None, duration=None, tpm_limit=None).items() if v is not None}
    inputs, token, outs = created(provider, program)
    read = provider.read(token, outs)
    assert checked(provider, read.inputs, program) == read.inputs
    assert not {"metadata", "retired", "expired"} & set(read.outs)
