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
