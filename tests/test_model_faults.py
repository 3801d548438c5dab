"""litellm:Model provider: lost answers, 5xx bursts and other faults of create, update and delete
against the real LiteLLM proxy.

`litellm_api` is a fault proxy in front of the session's real proxy: what LiteLLM cannot be made to do on demand
(a reset after commit, a 5xx burst, a pod whose router lags) is injected there, and every other answer is real.
Fixed model ids are unique per test: the proxy's router outlives the per-test database reset."""

from __future__ import annotations

import logging
import time

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.model import ModelProvider
from tests.support.litellm_answers import (
    STORE_MODEL_IN_DB_OFF,
    model_saved_not_live,
)
from tests.support.models import (
    UPSTREAM_KEY,
    create,
    delete_model,
    news_for,
    program,
    seed_model,
    served,
    stored_ids,
    unique,
)
from tests.support.providers import checked

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return ModelProvider()


# --- faults --------------------------------------------------------------------------------------


def assert_one_model(api, model_id, name="granite-8b-instruct"):
    assert stored_ids(api) == [model_id]
    row = api.backend.stored_model(model_id)
    assert row["model_name"] == name and row["litellm_params"]["api_key"] == UPSTREAM_KEY
    assert served(api, model_id)["litellm_params"]["rpm"] == 60


def test_create_after_connection_reset_past_commit(provider, litellm_api):
    litellm_api.drop("POST", "/model/new", when="after")
    _, model_id, _ = create(provider, litellm_api)
    assert_one_model(litellm_api, model_id)
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [None]
    assert len(litellm_api.calls_to("PATCH", "/model/*/update")) == 1  # re-applies the inputs once


def test_create_survives_a_503_burst_before_commit(provider, litellm_api):
    other = seed_model(litellm_api, unique("other"), {"model": "openai/other"})  # router with models: misses final
    litellm_api.fail("POST", "/model/new", status=503, times=2)
    _, model_id, _ = create(provider, litellm_api)
    assert stored_ids(litellm_api) == sorted([other, model_id])
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [503, 503, 200]


def test_create_with_500_after_save_is_success_without_retry(provider, litellm_api, caplog):
    inputs = checked(provider, {}, news_for(litellm_api))
    litellm_api.fail("POST", "/model/new", status=500, when="after", body=model_saved_not_live(inputs["model_id"]))
    caplog.set_level(logging.WARNING)
    model_id = provider.create(inputs).id
    assert_one_model(litellm_api, model_id)
    assert len(litellm_api.calls_to("POST", "/model/new")) == 1
    assert "not loaded it yet" in caplog.text and UPSTREAM_KEY not in caplog.text


def test_create_after_a_timeout_past_commit(provider, litellm_api):
    litellm_api.delay("POST", "/model/new", seconds=1.5, when="before")  # commits after the client gave up
    _, model_id, _ = create(provider, litellm_api, request_timeout=0.5, readiness_timeout=5.0)
    time.sleep(1.5)  # the delayed create reaches LiteLLM whatever the provider did meanwhile
    assert_one_model(litellm_api, model_id)


def test_create_after_a_non_json_500_before_commit(provider, litellm_api):
    other = seed_model(litellm_api, unique("other"), {"model": "openai/other"})
    litellm_api.non_json_500("POST", "/model/new")
    _, model_id, _ = create(provider, litellm_api)
    assert stored_ids(litellm_api) == sorted([other, model_id])
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [500, 200]


def test_create_with_an_id_taken_by_another_model_fails_clearly(provider, litellm_api):
    model_id = seed_model(litellm_api, "something-else", {"model": "openai/x"}, model_id=unique("granite"))
    with pytest.raises(LiteLLMAdminError, match=f"model id {model_id} already exists as 'something-else'"):
        create(provider, litellm_api, model_id=model_id)
    assert litellm_api.backend.stored_model(model_id)["model_name"] == "something-else"
    assert stored_ids(litellm_api) == [model_id]


def test_create_adopts_a_matching_model_with_the_same_fixed_id(provider, litellm_api):
    model_id = seed_model(litellm_api, "granite-8b-instruct", {"model": "openai/old"}, model_id=unique("granite"))
    assert create(provider, litellm_api, model_id=model_id)[1] == model_id
    assert served(litellm_api, model_id)["litellm_params"]["model"] == "openai/granite-8b-instruct"
    assert_one_model(litellm_api, model_id)


def test_create_with_store_model_in_db_off_fails_once_with_the_fix(provider, litellm_api):
    # The session proxy stores models in the DB; a second proxy without it would cost ~35 s to start.
    litellm_api.fail("POST", "/model/new", status=500, times=-1, body=STORE_MODEL_IN_DB_OFF)
    with pytest.raises(LiteLLMAdminError, match="STORE_MODEL_IN_DB=True"):
        create(provider, litellm_api)
    assert len(litellm_api.calls_to("POST", "/model/new")) == 1 and stored_ids(litellm_api) == []


def test_update_faults(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api)
    litellm_api.fail("PATCH", "/model/*/update", status=503, times=2)
    litellm_api.fail("PATCH", "/model/*/update", status=500, when="after",
                     body=model_saved_not_live(model_id, "update"))
    news = checked(provider, inputs, program(inputs, tpm=1000))
    provider.update(model_id, outs, news)
    assert served(litellm_api, model_id)["litellm_params"]["tpm"] == 1000
    assert [c.status for c in litellm_api.calls_to("PATCH", "/model/*/update")] == [503, 503, 500]

    delete_model(litellm_api, model_id)
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(model_id, outs, checked(provider, inputs, program(inputs, tpm=5)))


def test_delete_after_connection_reset_past_commit(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    litellm_api.drop("POST", "/model/delete", when="after")
    provider.delete(model_id, outs)
    assert stored_ids(litellm_api) == [] and served(litellm_api, model_id) is None
    assert [c.status for c in litellm_api.calls_to("POST", "/model/delete")] == [None, 400]


def test_delete_of_a_model_deleted_by_hand_succeeds(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    delete_model(litellm_api, model_id)
    provider.delete(model_id, outs)
    assert [c.status for c in litellm_api.calls_to("POST", "/model/delete")] == [400]


def test_errors_never_carry_the_upstream_key(provider, litellm_api):
    litellm_api.fail("POST", "/model/new", status=400, body={"error": {
        "message": f"litellm_params={{'api_key': '{UPSTREAM_KEY}', 'model': 'x'}} rejected", "type": "bad_request_error",
        "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        create(provider, litellm_api)
    master = litellm_api.backend.master_key
    assert UPSTREAM_KEY not in str(raised.value) and master not in str(raised.value)
    assert raised.value.status == 400 and stored_ids(litellm_api) == []
