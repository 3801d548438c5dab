"""Shared pieces of the provider tests: the master key the double accepts, fast retries, check helper."""

from __future__ import annotations

from dynamic_providers.admin_client import RetryPolicy

MASTER = "sk-master-0123456789abcdef"
# Real backoff would make the fault tests slow; the shape of the policy (attempts, caps) stays the same.
FAST_RETRIES = RetryPolicy(attempts=4, backoff_factor=0.01, backoff_max=0.05, retry_after_max=2,
                           poll_initial=0.01, poll_max=0.05)


def checked(provider, olds, news):
    """Inputs after a successful `check`; fails the test with the check failures otherwise."""
    result = provider.check(olds, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs
