"""The admin client's readiness gate (dynamic_providers/admin/readiness.py), against the real LiteLLM proxy through the fault proxy (`litellm_api`): LiteLLM answers every call, and the
faults it cannot produce on demand (a starting gateway, a database outage, 429/5xx bursts, resets, slow
answers) are injected in front of it with the bodies the real proxy sends then (tests/support/litellm_answers.py)."""

from __future__ import annotations

import pytest

from dynamic_providers.admin_client import AdminClient, Connection, LiteLLMAdminError
from tests.support.admin_clients import connect
from tests.support.litellm_answers import STORE_MODEL_IN_DB_OFF, readiness
from tests.support.providers import MASTER
from tests.support.real_litellm import free_port

pytestmark = pytest.mark.usefixtures("fast_retries")


def test_waits_for_readiness_then_checks_the_key_once_per_process(litellm_api):
    litellm_api.fail("GET", "/health/readiness", status=503, times=2, body=readiness("disconnected"))
    with connect(litellm_api) as api:
        api.get("/key/list")
    with connect(litellm_api) as api:  # a second call scope in the same process
        api.get("/key/list")
    assert [c.status for c in litellm_api.calls_to("GET", "/health/readiness")] == [503, 503, 200]
    assert [c.status for c in litellm_api.calls_to("GET", "/health/readiness/details")] == [200]
    assert [c.status for c in litellm_api.calls_to("GET", "/key/list")] == [200, 200]


def test_concurrent_calls_share_one_readiness_probe(litellm_api):
    from concurrent.futures import ThreadPoolExecutor

    litellm_api.fail("GET", "/health/readiness", status=503, times=1, body=readiness("disconnected"))

    def one_call(_):
        with connect(litellm_api) as api:
            return api.get("/key/list")["total_count"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(one_call, range(8))) == [0] * 8
    assert len(litellm_api.calls_to("GET", "/health/readiness")) == 2  # one 503, then ready: one prober
    assert len(litellm_api.calls_to("GET", "/health/readiness/details")) == 1


def test_no_database_configured_fails_with_that_reason(litellm_api):
    # A proxy started without DATABASE_URL answers 200 with db "Not connected".
    litellm_api.fail("GET", "/health/readiness", status=200, times=-1, body=readiness("Not connected"))
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api, readiness_timeout=0.2) as api:
            api.get("/key/list")
    message = str(raised.value)
    assert "no database configured" in message and "DATABASE_URL" in message
    assert raised.value.endpoint == "/health/readiness"
    assert litellm_api.calls_to("GET", "/key/list") == []


def test_database_down_is_reported_after_the_readiness_timeout(litellm_api):
    litellm_api.fail("GET", "/health/readiness", status=503, times=-1, body=readiness("stalled"))
    with pytest.raises(LiteLLMAdminError, match=r"not ready within 0.2s: database stalled \(HTTP 503\)"):
        with connect(litellm_api, readiness_timeout=0.2) as api:
            api.get("/key/list")


def test_unreachable_gateway_says_so():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(LiteLLMAdminError) as raised:
        with AdminClient(Connection(admin_url=url, master_key=MASTER, readiness_timeout=0.1)) as api:
            api.get("/key/list")
    assert "unreachable" in str(raised.value) and raised.value.status is None


def test_tls_problem_fails_fast_with_a_hint(litellm_api):
    # An https client against the plain-http proxy: the TLS handshake fails, no point in waiting.
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api, url=litellm_api.url.replace("http://", "https://"), readiness_timeout=30) as api:
            api.get("/key/list")
    assert "TLS error" in str(raised.value) and "verifyTls" in str(raised.value)
    assert len(litellm_api.calls) == 0  # nothing usable reached the server


def test_wrong_master_key_is_a_401_without_the_key_in_the_message(litellm_api):
    wrong = "sk-wrong-key-9876543210"
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api, key=wrong) as api:
            api.get("/key/list")
    assert raised.value.status == 401 and raised.value.endpoint == "/health/readiness/details"
    assert "master key was rejected" in str(raised.value)
    # The real proxy's words (docs/real-litellm.md lists where they differ from the reference).
    assert raised.value.error_type == "token_not_found_in_db" and "Invalid API key provided" in raised.value.message
    assert wrong not in str(raised.value) and litellm_api.backend.master_key not in str(raised.value)
    assert litellm_api.calls_to("GET", "/key/list") == []


def test_store_model_in_db_off_is_named(litellm_api):
    # The session proxy stores models in the DB; a second proxy without it would cost ~35 s to start.
    litellm_api.fail("POST", "/model/new", status=500, body=STORE_MODEL_IN_DB_OFF)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/model/new", {"model_name": "m", "litellm_params": {"model": "openai/m"}}, idempotent=False)
    assert raised.value.status == 500 and "STORE_MODEL_IN_DB=True" in str(raised.value)
