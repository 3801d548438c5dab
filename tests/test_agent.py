"""litellm:Agent provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, the card
LiteLLM augments, a credential read back redacted, a removed limit cleared, drift, import, a lost create answer."""

from __future__ import annotations

import logging
import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.agent import Agent, AgentProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM
CARD = {"name": "Helper", "description": "answers questions", "url": "http://127.0.0.1:9/helper",
        "protocolVersion": "1.0", "skills": [{"id": "qa", "name": "Q&A", "description": "answers", "tags": ["qa"]}]}
SECRET = "sk-agent-upstream-0123456789"
HEADERS = {"Authorization": "Bearer agent-token-0123"}


@pytest.fixture
def provider():
    return AgentProvider()


@pytest.fixture
def name():
    return f"agent-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    return connection(api, **{"agent_name": name, "agent_card_params": CARD, "litellm_params": {"model": "m1"},
                              "tpm_limit": 100, **fields})


def agent(backend, agent_id):
    answer = backend.admin("GET", f"/v1/agents/{agent_id}")
    return answer.json() if answer.ok else None


def rows_named(backend, name):
    return backend.db.rows(f"""SELECT agent_id FROM "LiteLLM_AgentsTable" WHERE agent_name = '{name}'""")


def test_check_refuses_a_card_litellm_would_rewrite(provider, name):
    failures = provider.check({}, news_for(OFFLINE, name, agent_card_params={**CARD, "security": [],
                                                                             "protocolVersion": "0.3.0"})).failures
    assert sorted(f.reason.split(" ")[0] for f in failures) == ["agent_card_params.protocolVersion",
                                                               "agent_card_params.security"]
    (negative,) = provider.check({}, news_for(OFFLINE, name, session_rpm_limit=-1)).failures
    assert negative.property == "session_rpm_limit" and "must be 0 or more" in negative.reason


def test_diff_everything_updates_in_place_but_removing_a_credential(provider, name):
    def news(**change):
        return news_for(OFFLINE, name, **{"litellm_params": {"model": "m1", "api_key": SECRET}, **change})

    olds = {**checked(provider, {}, news()), "agent_id": "a-1"}
    assert provider.diff("a-1", olds, checked(provider, olds, dict(olds))).changes is False
    for change in ({"agent_name": "renamed"}, {"agent_card_params": {**CARD, "description": "new"}},
                   {"agent_card_params": None}, {"tpm_limit": None}, {"rpm_limit": 5}, {"session_tpm_limit": 9},
                   {"litellm_params": {"model": "m2", "api_key": SECRET}},
                   {"litellm_params": {"model": "m1", "api_key": "sk-another-0123456789"}},
                   {"static_headers": HEADERS}, {"extra_headers": ["x-user"]}):
        result = provider.diff("a-1", olds, checked(provider, olds, news(**change)))
        assert (result.changes, result.replaces, result.delete_before_replace) == (True, [], False), change
    # LiteLLM keeps a credential an update leaves out: removing it makes the agent again (deleted first).
    gone = provider.diff("a-1", olds, checked(provider, olds, news(litellm_params={"model": "m1"})))
    assert gone.replaces == ["litellm_params"] and gone.delete_before_replace is True


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, aid, outs = created(provider, news_for(litellm_api, name, rpm_limit=5, session_tpm_limit=50,
                                                   static_headers=HEADERS, extra_headers=["x-user"]))
    assert outs["agent_id"] == aid
    found = agent(backend, aid)
    assert (found["agent_name"], found["tpm_limit"], found["rpm_limit"], found["session_tpm_limit"],
            found["static_headers"], found["extra_headers"]) == (name, 100, 5, 50, HEADERS, ["x-user"])
    # LiteLLM merged its own keys into the card; ours are there as declared.
    assert {"supportedInterfaces", "securitySchemes", "security"} <= set(found["agent_card_params"])
    assert {k: found["agent_card_params"][k] for k in CARD} == CARD
    read = provider.read(aid, outs)
    assert read.id == aid and provider.diff(aid, read.outs, inputs).changes is False  # the augmented card: no drift

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, name + "-2", rpm_limit=None, session_tpm_limit=50,
                                              agent_card_params={**CARD, "description": "renamed"}))
    outs = provider.update(aid, outs, news).outs
    (call,) = litellm_api.calls_to("PATCH", f"/v1/agents/{aid}")
    assert call.body["agent_name"] == name + "-2" and call.body["rpm_limit"] is None
    found = agent(backend, aid)
    assert (found["agent_id"], found["agent_name"], found["rpm_limit"], found["tpm_limit"]) == \
        (aid, name + "-2", None, 100)  # renamed in place; the removed limit cleared, the other kept
    assert not found["static_headers"] and not found["extra_headers"]  # removed: cleared
    assert found["agent_card_params"]["description"] == "renamed"
    assert provider.diff(aid, provider.read(aid, outs).outs, news).changes is False

    provider.delete(aid, outs)
    provider.delete(aid, outs)  # already gone (404) = success
    assert agent(backend, aid) is None and provider.read(aid, outs).id == ""


def test_a_removed_card_leaves_litellms_own(provider, litellm_api, name):
    inputs, aid, outs = created(provider, news_for(litellm_api, name))
    news = checked(provider, inputs, news_for(litellm_api, name, agent_card_params=None))
    outs = provider.update(aid, outs, news).outs
    card = agent(litellm_api.backend, aid)["agent_card_params"]
    assert "url" not in card and card["name"] == name  # our keys gone; LiteLLM's default card, named after the agent
    assert provider.diff(aid, provider.read(aid, outs).outs, news).changes is False


def test_a_credential_in_params_is_written_only(provider, litellm_api, name, caplog):
    backend = litellm_api.backend
    caplog.set_level(logging.DEBUG)
    params = {"model": "m1", "api_key": SECRET}
    inputs, aid, outs = created(provider, news_for(litellm_api, name, litellm_params=params))
    assert agent(backend, aid)["litellm_params"]["api_key"] == "REDACTED_BY_LITELM"
    read = provider.read(aid, outs)
    assert read.outs["litellm_params"] == params and provider.diff(aid, read.outs, inputs).changes is False
    news = checked(provider, inputs, news_for(litellm_api, name, litellm_params={"model": "m2", "api_key": SECRET}))
    provider.update(aid, read.outs, news)
    stored = backend.db.rows(f"""SELECT litellm_params::text FROM "LiteLLM_AgentsTable" WHERE agent_id = '{aid}'""")
    assert SECRET in stored[0][0] and "m2" in stored[0][0]  # the real key behind the redaction, the new model
    assert SECRET not in caplog.text


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api, name):
    inputs, aid, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin_json("PATCH", f"/v1/agents/{aid}", json={
        "tpm_limit": 7, "agent_card_params": {**CARD, "description": "edited"}})
    read = provider.read(aid, outs)
    assert (read.outs["tpm_limit"], read.outs["agent_card_params"]["description"]) == (7, "edited")
    assert provider.diff(aid, read.outs, inputs).changes is True


def test_a_name_taken_before_is_refused(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/v1/agents", json={"agent_name": name})
    with pytest.raises(LiteLLMAdminError) as caught:
        created(provider, news_for(litellm_api, name))
    assert caught.value.status == 400 and "exists already" in str(caught.value)


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_lost_create_answer_ends_with_one_agent(provider, litellm_api, name, fault):
    litellm_api.lose_answer("POST", "/v1/agents", fault)
    _, aid, outs = created(provider, news_for(litellm_api, name, request_timeout=1.0,
                                              litellm_params={"model": "m1", "api_key": SECRET}))
    assert rows_named(litellm_api.backend, name) == [[aid]] and outs["agent_id"] == aid
    assert len(litellm_api.calls_to("POST", "/v1/agents")) == 1
    assert litellm_api.calls_to("PATCH", "/v1/agents/*") == []  # the found agent matches as declared: nothing to send


def test_lost_create_answer_with_an_agent_the_answering_pod_lists_late(provider, litellm_api, name):
    # `GET /v1/agents` lists the pod's memory: an agent created through another pod, or while this pod's reload read
    # the table, is missing until the next reload (30 s). Taken as not created, it was created again, refused as a
    # taken name three times, and the `up` failed with the agent left outside the stack.
    litellm_api.lose_answer("POST", "/v1/agents", "drop")
    litellm_api.fail("GET", "/v1/agents", status=200, times=3, body=[])
    _, aid, outs = created(provider, news_for(litellm_api, name))
    assert rows_named(litellm_api.backend, name) == [[aid]] and outs["agent_id"] == aid
    assert len(litellm_api.calls_to("POST", "/v1/agents")) == 1


@pytest.mark.every_litellm_version
def test_import_by_id(provider, litellm_api, name):
    row = litellm_api.backend.admin_json("POST", "/v1/agents", json={
        "agent_name": name, "agent_card_params": CARD, "litellm_params": {"model": "m1"}, "rpm_limit": 3})
    read = provider.read(row["agent_id"], connection(litellm_api))
    assert (read.inputs["agent_name"], read.inputs["rpm_limit"], read.inputs["litellm_params"]) == \
        (name, 3, {"model": "m1"})
    assert not {"supportedInterfaces", "securitySchemes", "security"} & set(read.inputs["agent_card_params"])
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(row["agent_id"], read.outs, again).changes is False
    assert Agent.provider_class is AgentProvider and "agent_id" in Agent.output_attributes()
