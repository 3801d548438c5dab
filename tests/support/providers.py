"""Shared pieces of the provider tests: a master key for servers that check none, fast retries, check helper."""

from __future__ import annotations

from dynamic_providers.admin_client import RetryPolicy

MASTER = "sk-master-0123456789abcdef"
# Real backoff would make the fault tests slow; the shape of the policy (attempts, caps) stays the same.
FAST_RETRIES = RetryPolicy(attempts=4, backoff_factor=0.01, backoff_max=0.05, retry_after_max=2,
                           poll_initial=0.01, poll_max=0.05, propagation_wait=1.0)


def checked(provider, olds, news):
    """Inputs after a successful `check`; fails the test with the check failures otherwise."""
    result = provider.check(olds, news)
    assert result.failures == [], [(f.property, f.reason) for f in result.failures]
    return result.inputs


TEST_STACK = "organization/litemaas/test"


def connection(api, **fields):
    """Connection inputs for a provider talking to `api` (the fault proxy in front of the real LiteLLM, whose
    `backend` holds the master key; MASTER for a server that checks none), plus the resource's own fields (None
    dropped)."""
    master_key = getattr(getattr(api, "backend", None), "master_key", MASTER)
    # As the program sends them: every resource names its stack (kinds that stamp metadata use it).
    props = {"admin_url": api.url, "master_key": master_key, "request_timeout": 2.0, "readiness_timeout": 1.0,
             "owner_stack": TEST_STACK, **fields}
    return {k: v for k, v in props.items() if v is not None}


def created(provider, news):
    """Check then create; returns (checked inputs, id, outputs)."""
    inputs = checked(provider, {}, news)
    result = provider.create(inputs)
    return inputs, result.id, result.outs


def next_program_inputs(inputs, id_field, **changes):
    """What the program sends next time: inputs minus the provider's generated id bookkeeping, plus changes."""
    fixed = f"{id_field}_fixed"
    news = {k: v for k, v in inputs.items() if k != fixed and (k != id_field or inputs[fixed])}
    news.update(changes)
    return {k: v for k, v in news.items() if v is not None}
