"""Shared fixtures. Mocks are installed per test through `mocked`, never at import time."""

import pytest

from tests.support.pulumi_program import MockedPulumi


@pytest.fixture
def mocked():
    """Pulumi mocks for one test: `mocked.run(config, secret_keys, preview=..., program=...)`."""
    session = MockedPulumi()
    yield session
    session.close()


@pytest.fixture
def double():
    """A LiteLLM admin API double on 127.0.0.1 that accepts `tests.support.providers.MASTER`."""
    from tests.support.litellm_double import LiteLLMDouble
    from tests.support.providers import MASTER

    with LiteLLMDouble(master_key=MASTER) as api:
        yield api


@pytest.fixture
def fast_retries(monkeypatch):
    """Provider retries with millisecond backoff, and a fresh readiness cache around the test."""
    from dynamic_providers import admin_client
    from tests.support.providers import FAST_RETRIES

    monkeypatch.setattr(admin_client, "RETRY_POLICY", FAST_RETRIES)
    admin_client.reset_readiness_cache()
    yield
    admin_client.reset_readiness_cache()


@pytest.fixture(scope="session")
def real_litellm_server():
    """The real LiteLLM proxy and PostgreSQL, started once per test session (~35 s) and stopped at its end."""
    from tests.support.real_litellm import RealLiteLLM

    with RealLiteLLM() as server:
        yield server


@pytest.fixture
def real_litellm(real_litellm_server):
    """The real LiteLLM proxy with a clean database for this test."""
    real_litellm_server.reset()
    yield real_litellm_server


@pytest.fixture
def litellm_api(real_litellm):
    """A fault-injecting, call-recording proxy in front of the real LiteLLM proxy (`.url`, `.fail`, `.calls`)."""
    from tests.support.fault_proxy import FaultProxy

    with FaultProxy(real_litellm.url) as proxy:
        proxy.backend = real_litellm
        yield proxy


def pytest_collection_modifyitems(items):
    """Every test that uses the real proxy carries the `real_litellm` marker (`-m "not real_litellm"` skips them)."""
    for item in items:
        if "real_litellm" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.real_litellm)
