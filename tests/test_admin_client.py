"""The shared LiteLLM admin client: readiness, retries, timeouts, error envelopes, redaction.

Against the real LiteLLM proxy through the fault proxy (`litellm_api`): LiteLLM answers every call, and the
faults it cannot produce on demand (a starting gateway, a database outage, 429/5xx bursts, resets, slow
answers) are injected in front of it with the bodies the real proxy sends then (tests/support/litellm_answers.py)."""

from __future__ import annotations

import json
import logging
import socket
import uuid

import pytest
import requests
import urllib3.util.retry

from dynamic_providers import admin_client
from dynamic_providers.admin_client import (
    AdminClient,
    Connection,
    LiteLLMAdminError,
    parse_error_body,
    redact,
)
from tests.support.http_proxy import ForwardProxy
from tests.support.tls import make_ca
from tests.support.litellm_answers import STORE_MODEL_IN_DB_OFF, readiness
from tests.support.providers import FAST_RETRIES as FAST, MASTER

pytestmark = pytest.mark.usefixtures("fast_retries")


def connect(api, *, url: str | None = None, key: str | None = None, request_timeout: float = 5.0,
            readiness_timeout: float = 5.0, verify_tls: bool = True, **transport) -> AdminClient:
    """A client for `api` (a fault proxy in front of the real proxy) with its master key unless `key`; `url`
    addresses it another way (a routed host name, an https:// URL)."""
    return AdminClient(Connection(admin_url=url or api.url, master_key=key or api.backend.master_key,
                                  request_timeout=request_timeout, readiness_timeout=readiness_timeout,
                                  verify_tls=verify_tls, **transport))


def team_exists(api, team_id: str) -> bool:
    return api.backend.db.rows(f"""SELECT count(*) FROM "LiteLLM_TeamTable" WHERE team_id = '{team_id}'""") == [["1"]]


def unique_team() -> str:
    return f"team-{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- readiness -----------------------------------------------------------------------------------


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


# --- retries -------------------------------------------------------------------------------------


def test_idempotent_calls_retry_503_bursts(litellm_api):
    litellm_api.fail("GET", "/key/list", status=503, times=3)
    with connect(litellm_api) as api:
        assert api.get("/key/list")["keys"] == []
    assert [c.status for c in litellm_api.calls_to("GET", "/key/list")] == [503, 503, 503, 200]


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_are_retried(litellm_api, status):
    litellm_api.fail("GET", "/key/list", status=status, times=1)
    with connect(litellm_api) as api:
        api.get("/key/list")
    assert [c.status for c in litellm_api.calls_to("GET", "/key/list")] == [status, 200]


def test_429_honours_retry_after(litellm_api, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    litellm_api.fail("GET", "/key/list", status=429, times=1, retry_after=2)
    with connect(litellm_api) as api:
        api.get("/key/list")
    assert slept == [2]
    assert [c.status for c in litellm_api.calls_to("GET", "/key/list")] == [429, 200]


def test_retry_after_is_capped(litellm_api, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    litellm_api.fail("GET", "/key/list", status=503, times=1, retry_after=3600)
    with connect(litellm_api) as api:
        api.get("/key/list")
    assert slept == [FAST.retry_after_max]


def test_retries_are_bounded_and_then_surface_the_server_message(litellm_api):
    litellm_api.fail("GET", "/key/list", status=503, times=-1)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.get("/key/list")
    assert raised.value.status == 503 and "Injected fault: HTTP 503" in raised.value.message
    assert len(litellm_api.calls_to("GET", "/key/list")) == FAST.attempts + 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_never_retried(litellm_api, status):
    litellm_api.fail("GET", "/key/list", status=status, times=1)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.get("/key/list")
    assert raised.value.status == status
    assert len(litellm_api.calls_to("GET", "/key/list")) == 1


def test_500_is_not_retried(litellm_api):
    litellm_api.fail("GET", "/key/list", status=500, times=1)
    with pytest.raises(LiteLLMAdminError):
        with connect(litellm_api) as api:
            api.get("/key/list")
    assert len(litellm_api.calls_to("GET", "/key/list")) == 1


def test_non_idempotent_posts_are_not_retried_after_reaching_the_server(litellm_api):
    team_id = unique_team()
    litellm_api.fail("POST", "/team/new", status=503, times=1)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/team/new", {"team_id": team_id}, idempotent=False)
    assert raised.value.status == 503 and raised.value.outcome_unknown
    assert len(litellm_api.calls_to("POST", "/team/new")) == 1 and not team_exists(litellm_api, team_id)


def test_connection_reset_after_commit_is_reported_as_no_response(litellm_api):
    team_id = unique_team()
    litellm_api.drop("POST", "/team/new", when="after")
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/team/new", {"team_id": team_id}, idempotent=False)
    assert raised.value.no_response and raised.value.outcome_unknown
    assert len(litellm_api.calls_to("POST", "/team/new")) == 1
    assert team_exists(litellm_api, team_id)  # committed: only the caller can decide what to do next


def test_connection_reset_on_an_idempotent_call_is_retried(litellm_api):
    team_id = unique_team()
    litellm_api.backend.admin_json("POST", "/team/new", json={"team_id": team_id})
    litellm_api.drop("POST", "/team/delete", when="before")
    with connect(litellm_api) as api:
        api.post("/team/delete", {"team_ids": [team_id]}, idempotent=True)
    assert [c.status for c in litellm_api.calls_to("POST", "/team/delete")] == [None, 200]
    assert not team_exists(litellm_api, team_id)


def test_every_call_has_a_timeout(litellm_api):
    team_id = unique_team()
    litellm_api.delay("POST", "/team/new", seconds=1.5, times=1)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api, request_timeout=0.3) as api:
            api.post("/team/new", {"team_id": team_id}, idempotent=False)
    assert raised.value.no_response and "timed out after 0.3s" in str(raised.value)
    assert len(litellm_api.calls_to("POST", "/team/new")) == 1


def test_a_slow_idempotent_read_is_retried_after_its_timeout(litellm_api):
    litellm_api.delay("GET", "/key/list", seconds=1.0, times=1)
    with connect(litellm_api, request_timeout=0.3) as api:
        assert api.get("/key/list")["keys"] == []
    assert len(litellm_api.calls_to("GET", "/key/list")) == 2


def test_redirects_are_not_followed(litellm_api):
    class Redirecting(requests.adapters.HTTPAdapter):
        def send(self, request, **kwargs):
            response = requests.Response()
            response.status_code = 308
            response.headers["Location"] = "https://gateway.example.com/key/list"
            response.request = request
            response._content = b""
            return response

    with connect(litellm_api) as api:
        api.ensure_ready()
        api._retrying = Redirecting()
        with pytest.raises(LiteLLMAdminError, match="redirected to https://gateway.example.com/key/list"):
            api.get("/key/list")


# --- error envelopes -----------------------------------------------------------------------------


def fake_response(status: int, body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    response.reason = "Reason"
    return response


@pytest.mark.parametrize("body, message, error_type", [
    (b'{"error": {"message": "{\'error\': \'Model with id=X not found in db\'}", "type": "auth_error", '
     b'"param": null, "code": "400"}}', "Model with id=X not found in db", "auth_error"),
    (b'{"detail": {"error": "Model id = X not found on litellm proxy"}}', "Model id = X not found on litellm proxy",
     None),
    (b'{"detail": "Not Found"}', "Not Found", None),
    (b'{"detail": [{"type": "float_parsing", "loc": ["body", "max_budget"], "msg": "Input should be a valid '
     b'number"}]}', "max_budget: Input should be a valid number", "validation_error"),
    (b"Internal Server Error", "Internal Server Error", None),
    (b"", "Reason", None),
])
def test_parses_the_three_envelopes_and_non_json(body, message, error_type):
    assert parse_error_body(fake_response(400, body)) == (message, error_type)


def test_errors_from_the_proxy_carry_method_endpoint_status_and_message(litellm_api):
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.get("/model/info", {"litellm_model_id": "nope"})
    error = raised.value
    assert (error.method, error.endpoint, error.status) == ("GET", "/model/info", 400)
    assert error.message == "Model id = nope not found on litellm proxy"
    assert str(error).startswith("LiteLLM admin API GET /model/info failed (HTTP 400)")


def test_non_json_500_survives(litellm_api):
    litellm_api.non_json_500("POST", "/key/generate")
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/key/generate", {}, idempotent=False)
    assert raised.value.status == 500 and raised.value.message == "Internal Server Error"
    assert litellm_api.backend.db.rows('SELECT count(*) FROM "LiteLLM_VerificationToken"') == [["0"]]


def test_422_validation_list_is_readable(litellm_api):
    # The real proxy's own validation answer, no fault.
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/key/update", {"key": "sk-anything-0123", "max_budget": "abc"}, idempotent=True)
    assert raised.value.status == 422 and raised.value.error_type == "validation_error"
    assert "max_budget: Input should be a valid number" in raised.value.message


# --- redaction -----------------------------------------------------------------------------------


def test_redact_removes_known_secrets_virtual_keys_and_api_key_fields():
    text = ("master sk-master-0123456789abcdef, key sk-AbCd1234efgh, {'api_key': 'upstream-secret'} "
            '"api_key": "other", Authorization: Bearer abc.def, plain upstream-secret')
    cleaned = redact(text, [MASTER, "upstream-secret"])
    for secret in (MASTER, "sk-AbCd1234efgh", "upstream-secret", "other", "abc.def"):
        assert secret not in cleaned
    assert "sk-***" in cleaned and "'api_key': '***'" in cleaned


def test_server_messages_echoing_secrets_are_redacted(litellm_api, caplog):
    master = litellm_api.backend.master_key
    echoed = f"bad request for key sk-virtual-abcdef123456 with master {master} and api_key='upstream-xyz'"
    litellm_api.fail("POST", "/key/update", status=400, body={"error": {
        "message": echoed, "type": "bad_request_error", "code": "400"}})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.add_secret("upstream-xyz")
            api.post("/key/update", {"key": "x"}, idempotent=True)
    text = str(raised.value) + repr(raised.value.args) + caplog.text
    for secret in ("sk-virtual-abcdef123456", master, "upstream-xyz"):
        assert secret not in text


@pytest.mark.parametrize("master", ["sk-master-0123456789abcdef\n", "sk-master-0123456789abcdef\r",
                                    "my master key\r", "sk-tab\tinside-0123456789"])
def test_a_master_key_that_is_no_header_value_is_one_redacted_error(master):
    """requests refuses it while preparing the request (InvalidHeader), before anything is sent: the error must
    be ours, redacted, and say what to fix (config refuses such keys at preview; a provider can still be handed
    one from an older state)."""
    with pytest.raises(LiteLLMAdminError) as raised:
        with AdminClient(Connection(admin_url="http://127.0.0.1:9", master_key=master), wait_ready=False) as api:
            api.get("/key/list")
    text = str(raised.value) + repr(raised.value.args)
    for fragment in (master, master.strip(), repr(master)[1:-1], "master-0123456789", "tab\\tinside", "my master"):
        assert fragment not in text, text
    assert "whitespace or a control character" in text and "masterKey" in text


def test_redact_removes_secrets_also_in_their_escaped_form():
    secret = "pass word\r\n\"quoted\""
    for shown in (secret, repr(secret), json.dumps(secret)):
        assert "word" not in redact(f"header value: {shown}", [secret])


def test_connection_repr_hides_the_master_key():
    conn = Connection(admin_url="http://x", master_key=MASTER)
    assert MASTER not in repr(conn) and MASTER not in str(conn)


def test_error_survives_pickling_with_its_fields():
    import pickle

    error = LiteLLMAdminError("POST", "/key/generate", 400, "Key with alias 'a' already exists",
                              error_type="bad_request_error")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.method, clone.endpoint, clone.status, clone.error_type) == (
        "POST", "/key/generate", 400, "bad_request_error")
    assert str(clone) == str(error)


def test_every_provider_log_line_is_redacted(caplog):
    caplog.set_level(logging.INFO, logger="litemaas.litellm_admin")
    admin_client.log.warning("created %s with %s", "sk-leaked-0123456789", {"api_key": "upstream-value"})
    assert "sk-leaked-0123456789" not in caplog.text and "upstream-value" not in caplog.text
    assert "sk-***" in caplog.text


# --- transport: plain HTTP, proxies, CA bundles ----------------------------------------------------

ROUTED_HOST = "litellm.apps.example.test"  # in the test certificate; resolves nowhere: only a proxy reaches it


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:4000", "http://127.8.9.10", "http://[::1]:4000", "http://localhost:4000", "http://LOCALHOST",
    "http://litellm.litemaas.svc:4000", "http://litellm.litemaas.svc.cluster.local:4000",
    "https://litellm.apps.example.com",
])
def test_credentials_may_go_to_https_loopback_or_in_cluster_addresses(url):
    assert admin_client.insecure_transport_problem(url) is None


@pytest.mark.parametrize("url", [
    "http://litellm.apps.example.com", "http://10.1.2.3:4000", "http://litellm.svc.example.com",
    "http://localhost.example.com", "http://127.0.0.1.nip.io", "http://svc", "http://[::2]:4000",
])
def test_plain_http_elsewhere_is_refused_unless_allowed(url):
    problem = admin_client.insecure_transport_problem(url)
    assert problem is not None and "plain HTTP" in problem
    assert "adminApi.allowInsecureHttp" in problem and "https://" in problem
    assert admin_client.insecure_transport_problem(url, allow_insecure_http=True) is None


def test_the_master_key_is_not_sent_over_plain_http_to_a_remote_host(litellm_api, clean_transport_env):
    with ForwardProxy(litellm_api.port) as proxy:
        clean_transport_env.setenv("HTTP_PROXY", proxy.url)  # would deliver it to LiteLLM
        with pytest.raises(LiteLLMAdminError) as raised:
            with connect(litellm_api, url=f"http://{ROUTED_HOST}", readiness_timeout=0.5) as api:
                api.get("/key/list")
        assert "plain HTTP" in str(raised.value) and "allowInsecureHttp" in str(raised.value)
        assert proxy.requests == [] and litellm_api.calls == []  # refused before anything left
        with connect(litellm_api, url=f"http://{ROUTED_HOST}", allow_insecure_http=True) as api:  # the explicit opt-in
            assert api.get("/key/list")["total_count"] == 0
    assert f"GET http://{ROUTED_HOST}/key/list" in proxy.requests


def test_http_proxy_and_no_proxy_from_the_environment_are_honoured(litellm_api, clean_transport_env):
    with ForwardProxy(litellm_api.port) as proxy:
        clean_transport_env.setenv("HTTP_PROXY", proxy.url)
        with connect(litellm_api, url="http://litellm.litemaas.svc:4000", readiness_timeout=0.5) as api:
            assert api.get("/key/list")["total_count"] == 0
        assert "GET http://litellm.litemaas.svc:4000/key/list" in proxy.requests
    # NO_PROXY wins over a proxy that is not even there.
    clean_transport_env.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")
    clean_transport_env.setenv("NO_PROXY", "127.0.0.1,localhost")
    with connect(litellm_api, readiness_timeout=0.5) as api:
        assert api.get("/key/list")["total_count"] == 0


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_ca_bundle_from_the_environment_is_trusted(tls_litellm, test_ca, clean_transport_env, variable):
    with pytest.raises(LiteLLMAdminError, match="TLS error"):  # the test CA is nobody's default
        with connect(tls_litellm, readiness_timeout=5) as api:
            api.get("/key/list")
    clean_transport_env.setenv(variable, str(test_ca.ca_file))
    with connect(tls_litellm) as api:
        assert api.get("/key/list")["total_count"] == 0


def test_https_proxy_tunnels_to_the_gateway_and_the_certificate_is_still_checked(tls_litellm, test_ca,
                                                                              clean_transport_env):
    url = f"https://{ROUTED_HOST}:{tls_litellm.port}"
    with ForwardProxy(tls_litellm.port) as proxy:
        clean_transport_env.setenv("HTTPS_PROXY", proxy.url)
        with connect(tls_litellm, url=url, readiness_timeout=0.5, ca_bundle=str(test_ca.ca_file)) as api:
            assert api.get("/key/list")["total_count"] == 0
        assert f"CONNECT {ROUTED_HOST}:{tls_litellm.port}" in proxy.requests
        assert tls_litellm.calls_to("GET", "/key/list")  # TLS end to end through the tunnel
        with pytest.raises(LiteLLMAdminError, match="TLS error"):  # a tunnel is no excuse to trust anything
            with connect(tls_litellm, url=url, readiness_timeout=5) as api:
                api.get("/key/list")


@pytest.mark.parametrize("form", ["path", "pem"])
def test_the_ca_bundle_setting_takes_a_path_or_inline_pem(tls_litellm, test_ca, form):
    bundle = str(test_ca.ca_file) if form == "path" else test_ca.ca_pem
    with connect(tls_litellm, ca_bundle=bundle) as api:
        assert api.get("/key/list")["total_count"] == 0
    assert len(tls_litellm.calls_to("GET", "/key/list")) == 1


def test_the_ca_bundle_setting_wins_over_the_environment(tls_litellm, test_ca, clean_transport_env, tmp_path):
    other = make_ca(tmp_path / "other")
    clean_transport_env.setenv("REQUESTS_CA_BUNDLE", str(other.ca_file))
    with connect(tls_litellm, ca_bundle=test_ca.ca_pem) as api:
        assert api.get("/key/list")["total_count"] == 0


def test_a_missing_ca_bundle_file_fails_fast_and_names_the_setting(tls_litellm):
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(tls_litellm, readiness_timeout=30, ca_bundle="/nonexistent/router-ca.pem") as api:
            api.get("/key/list")
    assert "/nonexistent/router-ca.pem" in str(raised.value) and "adminApi.caBundle" in str(raised.value)
    assert tls_litellm.calls == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # what verifyTls false means
def test_verify_tls_false_needs_no_ca(tls_litellm):
    with connect(tls_litellm, verify_tls=False) as api:
        assert api.get("/key/list")["total_count"] == 0


def test_typed_list_reads_follow_every_page(monkeypatch):
    """`list_keys` / `list_users` / `spend_logs` (the litemaas command) read until `total_pages`, reporting progress."""
    from dynamic_providers.admin_client import AdminClient, Connection

    asked = []

    def get(self, path, params=None, **kw):
        asked.append((path, dict(params)))
        return {"keys": [{"token": f"t{params['page']}"}], "total_pages": 3}

    monkeypatch.setattr(AdminClient, "get", get)
    api = AdminClient(Connection(admin_url="http://127.0.0.1:1", master_key="sk-test-master"))
    seen = []
    assert [k["token"] for k in api._pages("/key/list", {"x": 1}, "keys", size_param="size", size=100,
                                           progress=seen.append)] == ["t1", "t2", "t3"]
    assert [p["page"] for _, p in asked] == [1, 2, 3] and all(p["size"] == 100 and p["x"] == 1 for _, p in asked)
    assert seen == ["/key/list: page 1 of 3", "/key/list: page 2 of 3", "/key/list: page 3 of 3"]
    asked.clear()
    api.list_keys(alias="alice")
    assert asked[0][1] == {"return_full_object": "true", "key_alias": "alice", "page": 1, "size": 100}
