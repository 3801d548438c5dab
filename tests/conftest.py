"""Shared fixtures. Mocks are installed per test through `mocked`, never at import time."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from tests.support.catalog_mocks import catalog_mocks  # noqa: F401 - the LiteLLMCatalog tests' fixture
from tests.support.mechanism_kinds import gadget_admin, widget_admin  # noqa: F401 - the mechanism tests' fixtures
from tests.support.pulumi_program import MockedPulumi


@pytest.fixture
def mocked():
    """Pulumi mocks for one test: `mocked.run(config, secret_keys, preview=..., program=...)`."""
    session = MockedPulumi()
    yield session
    session.close()


# What the admin client takes from the environment (requests' trust_env, plus SSL_CERT_FILE/DIR).
TRANSPORT_ENV = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
                 "SSL_CERT_FILE", "SSL_CERT_DIR")


@pytest.fixture
def clean_transport_env(monkeypatch):
    """No proxy or CA variables from the host: each test sets the ones it is about."""
    for name in TRANSPORT_ENV:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return monkeypatch


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory):
    """A throwaway CA and a server certificate it signed for localhost, 127.0.0.1 and a routed host name."""
    from tests.support.tls import make_ca

    return make_ca(tmp_path_factory.mktemp("tls"), names=("localhost", "127.0.0.1", "litellm.apps.example.test"))


@pytest.fixture
def tls_litellm(clean_transport_env, test_ca, real_litellm):
    """The real LiteLLM proxy behind a fault proxy serving HTTPS with `test_ca`'s certificate (https://localhost:<port>)."""
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(real_litellm.url, host="localhost", ssl_context=test_ca.server_context()) as proxy:
        proxy.backend = real_litellm
        yield proxy


@pytest.fixture
def fast_retries(monkeypatch):
    """Provider retries with millisecond backoff, and a fresh readiness cache around the test."""
    from dynamic_providers import admin_client
    from tests.support.providers import FAST_RETRIES

    monkeypatch.setattr(admin_client, "RETRY_POLICY", FAST_RETRIES)
    admin_client.reset_readiness_cache()
    yield
    admin_client.reset_readiness_cache()


class RealLiteLLMPool:
    """One real LiteLLM proxy per LiteLLM version, each started on first use (~35 s) and stopped at the end."""

    def __init__(self):
        self.servers = {}

    def get(self, version: str):
        from tests.support.real_litellm import RealLiteLLM

        if version not in self.servers:
            server = RealLiteLLM(version=version)
            server.__enter__()
            self.servers[version] = server
        return self.servers[version]

    def close(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def real_litellm_pool():
    pool = RealLiteLLMPool()
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def litellm_version(request):
    """The LiteLLM version this test runs against: the default image's, or each tested version for the tests
    marked `every_litellm_version` (the compatibility suite)."""
    from litemaas_common.litellm_versions import DEFAULT_VERSION

    return getattr(request, "param", DEFAULT_VERSION)


@pytest.fixture(scope="session")
def real_litellm_server(real_litellm_pool):
    """The real LiteLLM proxy (the default image's version) and PostgreSQL, started once per session."""
    from litemaas_common.litellm_versions import DEFAULT_VERSION

    return real_litellm_pool.get(DEFAULT_VERSION)


@pytest.fixture(scope="module")
def litellm_server(real_litellm_pool, litellm_version):
    """The session's real LiteLLM proxy of this test's `litellm_version` (no reset: module fixtures reset it)."""
    return real_litellm_pool.get(litellm_version)


@pytest.fixture
def real_litellm(litellm_server):
    """The real LiteLLM proxy with a clean database for this test."""
    litellm_server.reset()
    yield litellm_server


@pytest.fixture
def litellm_api(real_litellm):
    """A fault-injecting, call-recording proxy in front of the real LiteLLM proxy (`.url`, `.fail`, `.calls`)."""
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(real_litellm.url) as proxy:
        proxy.backend = real_litellm
        yield proxy


@pytest.fixture
def postgres_server(tmp_path_factory):
    """A PostgreSQL server (the real-proxy tooling's, LiteLLM's database migrated) for this test only."""

    from tests.support.real_litellm import Installation, Postgres

    # Like RealLiteLLM: a directory the `postgres` user can enter when the tests run as root.
    workdir = Path(tempfile.mkdtemp(prefix="litemaas-postgres-"))
    os.chmod(workdir, 0o755)
    server = Postgres(Installation.find(), workdir / "db")
    server.workdir.mkdir()
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def pytest_generate_tests(metafunc):
    """`@pytest.mark.every_litellm_version`: the test runs on every tested LiteLLM version (ids `litellm-<v>`)."""
    if metafunc.definition.get_closest_marker("every_litellm_version") is None:
        return
    if "litellm_version" not in metafunc.fixturenames:
        return  # a test of a marked module that needs no proxy
    from litemaas_common.litellm_versions import TESTED_VERSIONS

    metafunc.parametrize("litellm_version", TESTED_VERSIONS, indirect=True, scope="module",
                         ids=[f"litellm-{version}" for version in TESTED_VERSIONS])


def pytest_collection_modifyitems(items):
    """Every test that uses the real proxy carries the `real_litellm` marker (`-m "not real_litellm"` skips them);
    every test of a module that starts the local Kubernetes API server (`LocalCluster`) carries `kube`."""
    for item in items:
        if {"real_litellm", "real_litellm_server", "litellm_server", "litellm_api", "real_litellm_pool",
                "postgres_server"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_litellm)
        if hasattr(getattr(item, "module", None), "LocalCluster"):
            item.add_marker(pytest.mark.kube)


@pytest.fixture(scope="session")
def scraped_gateway():
    """The real LiteLLM proxy with the gateway's monitoring settings after real traffic, scraped by a real
    Prometheus that evaluates the PrometheusRule (tests/support/scraped_gateway.py; ~90 s)."""
    from tests.support.scraped_gateway import ScrapedGateway

    with ScrapedGateway() as world:
        yield world
