"""The admin client's transport (dynamic_providers/admin/transport.py): retries, timeouts, redirects, plain HTTP,
proxies and CA bundles, against the real LiteLLM proxy through the fault proxy (`litellm_api`): LiteLLM answers every call, and the
faults it cannot produce on demand (a starting gateway, a database outage, 429/5xx bursts, resets, slow
answers) are injected in front of it with the bodies the real proxy sends then (tests/support/litellm_answers.py)."""

from __future__ import annotations

import pytest
import requests
import urllib3.util.retry

from dynamic_providers import admin_client
from dynamic_providers.admin_client import LiteLLMAdminError
from tests.support.admin_clients import connect, team_exists, unique_team
from tests.support.http_proxy import ForwardProxy
from tests.support.tls import make_ca
from tests.support.providers import FAST_RETRIES as FAST
from tests.support.real_litellm import free_port

pytestmark = pytest.mark.usefixtures("fast_retries")


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


@pytest.mark.parametrize("status, retry_after, waited", [
    (429, 2, 2),  # honoured
    (503, 3600, FAST.retry_after_max),  # capped
])
def test_retry_after_is_honoured_up_to_a_cap(litellm_api, monkeypatch, status, retry_after, waited):
    slept: list[float] = []
    monkeypatch.setattr(urllib3.util.retry.time, "sleep", slept.append)
    litellm_api.fail("GET", "/key/list", status=status, times=1, retry_after=retry_after)
    with connect(litellm_api) as api:
        api.get("/key/list")
    assert slept == [waited]
    assert [c.status for c in litellm_api.calls_to("GET", "/key/list")] == [status, 200]


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
