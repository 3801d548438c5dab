"""litellm:Model provider: drift, router lag and import against the real LiteLLM proxy.

`litellm_api` is a fault proxy in front of the session's real proxy: what LiteLLM cannot be made to do on demand
(a reset after commit, a 5xx burst, a pod whose router lags) is injected there, and every other answer is real.
Fixed model ids are unique per test: the proxy's router outlives the per-test database reset."""

from __future__ import annotations

import logging
import time

import pytest

from dynamic_providers.model import ModelProvider
from tests.support.litellm_answers import (
    empty_router_page,
    model_not_on_this_pod,
)
from tests.support.models import news_for, program, create, unique, served, seed_model, edit_model, delete_model
from tests.support.providers import checked

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return ModelProvider()


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_changes_made_by_hand(provider, litellm_api):
    flag = {"merge_reasoning_content_in_choices": True}
    inputs, model_id, outs = create(provider, litellm_api, extra_params=flag)
    # As the admin UI does: a PATCH with only the changed param, which also resets the flag it does not send.
    edit_model(litellm_api, model_id, model_name="renamed", litellm_params={"rpm": 5})
    read = provider.read(model_id, outs)
    assert read.outs["rpm"] == 5 and read.outs["model_name"] == "renamed"
    assert read.inputs["rpm"] == 5 and read.outs["extra_params"] == {"merge_reasoning_content_in_choices": False}
    diff = provider.diff(model_id, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []  # the next `up` puts it back in place
    provider.update(model_id, read.outs, checked(provider, read.inputs, program(inputs)))
    live = served(litellm_api, model_id)
    assert (live["model_name"], live["litellm_params"]["rpm"]) == ("granite-8b-instruct", 60)
    assert live["litellm_params"]["merge_reasoning_content_in_choices"] is True
    assert provider.read(model_id, outs).outs == outs


@pytest.mark.every_litellm_version
def test_refresh_sees_a_model_deleted_by_hand(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    delete_model(litellm_api, model_id)
    seed_model(litellm_api, unique("other"), {"model": "openai/other"})  # router not empty: v2 consults the DB
    litellm_api.reset_calls()
    read = provider.read(model_id, outs)
    assert read.id == "" and read.outs == {}
    # v1 (router) misses, v2 (DB) misses, and a non-empty router makes that final.
    assert len(litellm_api.calls_to("GET", "/model/info")) == 1
    assert len(litellm_api.calls_to("GET", "/v2/model/info")) == 2


def test_refresh_tolerates_router_lag_masking_and_env_refs(provider, litellm_api):
    # HOME is set in the proxy's environment: LiteLLM resolves the reference when it loads the model.
    inputs = checked(provider, {}, news_for(litellm_api, api_base="os.environ/HOME", timeout=30.0,
                                            extra_params={"litellm_credential_name": "granite-cred",
                                                          "azure_ad_token": "os.environ/HOME"}))
    model_id = inputs["model_id"]
    outs = provider.create(inputs).outs
    live = served(litellm_api, model_id)["litellm_params"]
    assert live["api_base"] != "os.environ/HOME" and "****" in live["azure_ad_token"]  # resolved; masked
    # Another pod whose router has not loaded the model yet answers the first read: v2 falls back to the DB.
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod(model_id))
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs
    assert [c.status for c in litellm_api.calls_to("GET", "/model/info")] == [400]


def test_lookups_against_an_empty_router_share_one_wait_per_operation(provider, litellm_api, caplog):
    caplog.set_level(logging.WARNING, logger="litemaas.litellm_admin")
    budget = 1.0  # the wait is bounded by readiness_timeout (and 240 s); the test connection sets it
    # Every pod answers like one whose router has loaded no model (v1 misses, v2 answers an empty page).
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod("missing"), times=-1)
    litellm_api.fail("GET", "/v2/model/info", status=200, body=empty_router_page(), times=-1)
    props = news_for(litellm_api, readiness_timeout=budget)
    started = time.monotonic()
    reads = [provider.read(f"missing-{index}", props) for index in range(6)]
    elapsed = time.monotonic() - started
    assert [read.id for read in reads] == [""] * 6  # the router never loaded a model: all gone
    assert budget <= elapsed < 3 * budget  # one wait for the whole refresh, not one per model (6 x budget)
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert waits and "missing-0" in waits[0] and "no models loaded" in waits[0] and "shared" in waits[0]
    assert litellm_api.url in waits[0]


def test_refresh_waits_while_the_answering_pod_has_an_empty_router(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api, readiness_timeout=5.0)
    # A pod that has just started: its router holds no models, so v1 misses and v2 answers an empty page
    # without looking at the DB. That is no proof of absence: the provider polls until the pod loads models.
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod(model_id), times=2)
    litellm_api.fail("GET", "/v2/model/info", status=200, body=empty_router_page(), times=4)
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs
    # two rounds of v1 miss, v2 empty, router empty; then the real router answers.
    assert [c.status for c in litellm_api.calls_to("GET", "/model/info")] == [400, 400, 200]
    # Every empty page was seen (the router is probed before each lookup), then the real router answered.
    assert [c.fault for c in litellm_api.calls_to("GET", "/v2/model/info")].count("status") == 4


def test_refresh_tolerates_params_a_proxy_does_not_echo(provider, litellm_api):
    # 1.108.7 echoes `timeout`; some LiteLLM versions leave it (and tags, max_retries) out of /model/info
    # (ncecere/terraform-provider-litellm#120). The real answer minus `timeout` stands in for one.
    inputs, model_id, outs = create(provider, litellm_api, timeout=30.0)
    answer = litellm_api.backend.admin_json("GET", "/model/info", params={"litellm_model_id": model_id})
    del answer["data"][0]["litellm_params"]["timeout"]
    litellm_api.fail("GET", "/model/info", status=200, body=answer)
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs


@pytest.mark.every_litellm_version
def test_import_from_the_id_alone(provider, litellm_api):
    name = unique("deepseek-chat")
    model_id = seed_model(litellm_api, name, {"model": "deepseek/deepseek-chat", "api_key": "sk-deepseek-123456",
                                              "rpm": 30, "input_cost_per_token": 2.7e-7})
    connection = {k: v for k, v in news_for(litellm_api).items()
                  if k in ("admin_url", "master_key", "readiness_timeout")}
    read = provider.read(model_id, connection)
    assert read.id == model_id
    for source in (read.outs, read.inputs):
        assert source["model_name"] == name and source["model"] == "deepseek/deepseek-chat"
        assert source["rpm"] == 30 and source["input_cost_per_token"] == 2.7e-7
        assert source["model_id"] == model_id and source["model_id_fixed"] is True
        assert source.get("api_key") is None  # write-only on the server: never imported
        assert not source.get("extra_params")  # the default-false flags LiteLLM adds are not adopted
    # The imported inputs pass check unchanged and diff clean against themselves.
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(model_id, read.outs, again).changes is False


def test_import_of_a_missing_id_reports_gone(provider, litellm_api):
    seed_model(litellm_api, unique("other"), {"model": "openai/other"})
    read = provider.read(unique("no-such-model"), news_for(litellm_api))
    assert read.id == ""
