"""Redis for several gateway pods: the bundled Redis component under mocks, and the wiring proven for real with
two LiteLLM 1.108.7 proxies (two "pods") on one PostgreSQL and one real Redis, configured with exactly the file
the gateway component mounts."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest
import requests

from components.redis import Redis, RedisArgs, maxmemory_bytes, redis_conf
from config import AlertingConfig, MonitoringConfig, RedisConfig
from tests.support.manifests import restricted_v2_violations, validate
from tests.support.pulumi_program import has_secret_envelope

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
SECRET = "kubernetes:core/v1:Secret"


def deploy(mocked, openshift=True, **config):
    def program():
        import pulumi
        redis = Redis("redis", RedisArgs(namespace="ai", config=RedisConfig(enabled=True, **config),
                                         openshift=openshift))
        pulumi.export("url", redis.url)
    return mocked.run({}, program=program)


@pytest.mark.parametrize("openshift", [True, False])
def test_manifests_are_valid_restricted_and_probed(mocked, openshift):
    recorder = deploy(mocked, openshift=openshift).recorder
    assert sorted(r.manifest["kind"] for r in recorder.kubernetes()) == [
        "Deployment", "NetworkPolicy", "Secret", "Service"]
    for registration in recorder.kubernetes():
        validate(registration.manifest)
    pod = recorder.one(DEPLOYMENT).manifest["spec"]["template"]["spec"]
    assert restricted_v2_violations(pod, openshift=openshift) == []
    if not openshift:
        assert pod["securityContext"]["runAsUser"] == 999  # `redis` in the Alpine image
    (container,) = pod["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert "redis-cli" in container[probe]["exec"]["command"][-1] and container[probe]["timeoutSeconds"] >= 5
    assert container["resources"]["limits"]["memory"] == "256Mi"
    assert recorder.one(DEPLOYMENT).manifest["spec"]["strategy"] == {"type": "Recreate"}


def test_only_the_gateway_reaches_redis(mocked):
    policy = deploy(mocked).recorder.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").manifest["spec"]
    assert policy["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "redis"
    (rule,) = policy["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"litemaas.io/redis-client": "true"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 6379}]


def test_the_password_is_generated_once_and_lives_only_in_the_secret(mocked):
    import json
    run = deploy(mocked)
    password = run.recorder.one("random:index/randomPassword:RandomPassword")
    assert "keepers" not in password.inputs and password.inputs["special"] is False
    secret = run.recorder.one(SECRET)
    assert has_secret_envelope(secret.inputs["stringData"])
    value = secret.manifest["stringData"]["REDISCLI_AUTH"]
    assert f"requirepass {value}\n" in secret.manifest["stringData"]["redis.conf"]
    pod = json.dumps(run.recorder.one(DEPLOYMENT).manifest)
    assert value not in pod  # config file and REDISCLI_AUTH come from the Secret; nothing on a command line
    assert run.exports["url"] == f"redis://:{quote(value, safe='')}@redis.ai.svc:6379/0"


# What an admin may choose: everything a URL or redis.conf gives a meaning to (no whitespace: config refuses it).
CHOSEN_PASSWORD = "p#ss/w?rd@:%41\"quoted'\\x-ünïcode"


def chosen_password_run(mocked):
    import pulumi
    return deploy(mocked, password=pulumi.Output.secret(CHOSEN_PASSWORD))


def test_a_chosen_password_is_encoded_in_the_url(mocked):
    from urllib.parse import unquote, urlsplit
    url = chosen_password_run(mocked).exports["url"]
    parts = urlsplit(url)
    # What redis-py (LiteLLM's client) does with REDIS_URL.
    assert (parts.hostname, parts.port, parts.path) == ("redis.ai.svc", 6379, "/0")
    assert unquote(parts.password) == CHOSEN_PASSWORD


def test_a_chosen_password_gets_a_keyed_digest_on_the_pod(mocked):
    import hashlib
    run = chosen_password_run(mocked)
    annotation = run.recorder.one(DEPLOYMENT).manifest["spec"]["template"]["metadata"]["annotations"][
        "litemaas.io/credentials-digest"]
    assert annotation != hashlib.sha256(CHOSEN_PASSWORD.encode()).hexdigest()[:16]
    (key,) = [r for r in run.recorder.of_type("random:index/randomPassword:RandomPassword")]
    assert key.name == "redis-digest-key"
    # The same password under another key gives another digest: the annotation depends on the secret key.
    from components.redis import credentials_digest
    assert credentials_digest(CHOSEN_PASSWORD, "k" * 32) != credentials_digest(CHOSEN_PASSWORD, "j" * 32)


def test_a_generated_password_keeps_its_digest(mocked):
    """Existing stacks: the annotation of a generated (high-entropy) password is unchanged, so no roll."""
    import hashlib
    run = deploy(mocked)
    value = run.recorder.one(SECRET).manifest["stringData"]["REDISCLI_AUTH"]
    annotation = run.recorder.one(DEPLOYMENT).manifest["spec"]["template"]["metadata"]["annotations"][
        "litemaas.io/credentials-digest"]
    assert annotation == hashlib.sha256(value.encode()).hexdigest()[:16]


@pytest.mark.real_litellm  # a real redis-server, as the two-pod tests below (installed with apt-get when missing)
def test_a_chosen_password_is_what_the_real_redis_requires(mocked):
    """The bundled Redis's own config line, read by a real redis-server; the client's password from REDIS_URL."""
    from urllib.parse import unquote, urlsplit
    from tests.support.redis_server import RedisServer

    run = chosen_password_run(mocked)
    conf = run.recorder.one(SECRET).manifest["stringData"]["redis.conf"]
    (line,) = [line for line in conf.splitlines() if line.startswith("requirepass ")]
    client_password = unquote(urlsplit(run.exports["url"]).password)
    with RedisServer(password=client_password, requirepass=line.removeprefix("requirepass ")) as redis:
        assert redis.command("PING") == "+PONG"
        assert redis.command("PING", password=CHOSEN_PASSWORD[:-1]) == "-NOAUTH Authentication required."


def test_memory_is_capped_below_the_limit():
    assert maxmemory_bytes("256Mi") == 192 * 1024**2
    assert maxmemory_bytes("1Gi") == 768 * 1024**2 and maxmemory_bytes("lots") is None
    assert "maxmemory-policy volatile-lru" in redis_conf("pw", maxmemory_bytes("256Mi"))
    assert "maxmemory" not in redis_conf("pw", None)


# --- the real thing: two proxies, one Redis ------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_pods():
    """Proxy A and proxy B on one database and one real Redis, with the gateway component's own config file."""
    from components.litellm_gateway import proxy_config
    from tests.support.real_litellm import RealLiteLLM
    from tests.support.redis_server import RedisServer

    settings = proxy_config(redis=True, monitoring=MonitoringConfig(enabled=True), alerting=AlertingConfig())
    options = {"extra_env": {}, "general_settings": settings["general_settings"],
               "litellm_settings": settings["litellm_settings"]}
    with RedisServer() as redis:
        options["extra_env"]["REDIS_URL"] = redis.url
        with RealLiteLLM(**options) as a, RealLiteLLM(**options, share_database_with=a) as b:
            yield a, b, redis


def chat(pod, key, model):
    return requests.post(f"{pod.url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, timeout=60,
                         json={"model": model, "messages": [{"role": "user", "content": "hi"}]})


def served_by_both(a, b, model):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(model in pod.admin("GET", "/v1/models").text for pod in (a, b)):
            return
        time.sleep(0.5)
    raise AssertionError(f"{model} not served by both proxies")


@pytest.fixture(scope="module")
def model(two_pods):
    a, b, _ = two_pods
    name = "shared-mock"
    a.admin_json("POST", "/model/new", json={"model_name": name, "litellm_params": {
        "model": "openai/gpt-4o", "api_key": "sk-unused", "mock_response": "hello"}})
    served_by_both(a, b, name)
    return name


@pytest.mark.real_litellm
def test_a_key_blocked_on_one_pod_is_refused_by_the_other_at_once(two_pods, model):
    a, b, _ = two_pods
    key = a.admin_json("POST", "/key/generate", json={"key_alias": "revoked-across-pods", "models": [model]})["key"]
    assert chat(b, key, model).status_code == 200  # B has the key in its auth cache now
    assert a.admin("POST", "/key/block", json={"key": key}).status_code == 200
    time.sleep(0.5)  # the invalidation travels over Redis pub/sub; without it B serves from its cache for minutes
    refused = chat(b, key, model)
    assert refused.status_code == 401 and "blocked" in refused.text


@pytest.mark.real_litellm
def test_a_key_deleted_on_one_pod_is_refused_by_the_other_within_the_auth_cache_ttl(two_pods, model):
    """1.108.7 does not broadcast deletes (only blocks): the gateway bounds the other pods' cache instead."""
    from components.litellm_gateway import AUTH_CACHE_TTL_SECONDS

    a, b, _ = two_pods
    key = a.admin_json("POST", "/key/generate", json={"key_alias": "deleted-across-pods", "models": [model]})["key"]
    assert chat(b, key, model).status_code == 200
    assert a.admin("POST", "/key/delete", json={"keys": [key]}).status_code == 200
    assert chat(a, key, model).status_code in (401, 403)  # the deleting pod at once
    deleted = time.monotonic()
    while chat(b, key, model).status_code == 200:
        assert time.monotonic() - deleted < AUTH_CACHE_TTL_SECONDS + 3, "B still serves the deleted key"
        time.sleep(0.5)


@pytest.mark.real_litellm
def test_an_rpm_limit_holds_across_both_pods(two_pods, model):
    a, b, _ = two_pods
    key = a.admin_json("POST", "/key/generate", json={"key_alias": "rpm-across-pods", "models": [model],
                                                      "rpm_limit": 2})["key"]
    answers = [chat(pod, key, model).status_code for pod in (a, b, a, b)]
    assert answers[:2] == [200, 200] and answers[2:] == [429, 429]  # per-pod counters would allow all four


@pytest.mark.real_litellm
def test_metrics_need_a_key_and_the_scrape_key_reaches_nothing_else(two_pods, model):
    a, b, _ = two_pods
    assert requests.get(f"{b.url}/metrics/", timeout=30).status_code == 401
    scrape = a.admin_json("POST", "/key/generate", json={"key_alias": "scrape", "allowed_routes": ["/metrics"]})["key"]
    plain = a.admin_json("POST", "/key/generate", json={"key_alias": "plain-user"})["key"]
    metrics = requests.get(f"{b.url}/metrics/", headers={"Authorization": f"Bearer {scrape}"}, timeout=30)
    assert metrics.status_code == 200
    for name in ("litellm_spend_metric_total", "litellm_proxy_total_requests_metric_total",
                 "litellm_proxy_failed_requests_metric_total", "litellm_remaining_api_key_budget_metric",
                 "litellm_request_total_latency_metric"):
        assert f"# TYPE {name}" in metrics.text, name
    assert requests.get(f"{b.url}/metrics/", headers={"Authorization": f"Bearer {plain}"}, timeout=30).status_code == 401
    assert chat(b, scrape, model).status_code in (401, 403)
