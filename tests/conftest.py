"""Shared fixtures. Mocks are installed per test through `mocked`, never at import time."""

import pytest

from tests.support.pulumi_program import MockedPulumi


@pytest.fixture
def mocked():
    """Pulumi mocks for one test: `mocked.run(config, secret_keys, preview=..., program=...)`."""
    session = MockedPulumi()
    yield session
    session.close()
