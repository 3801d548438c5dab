"""The end-of-program wait of the SDK, made linear (litemaas_common/output_waits.py)."""

from __future__ import annotations

import asyncio

import pytest
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.settings import SETTINGS

from litemaas_common import output_waits


class CountingFuture(asyncio.Future):
    """A pending Output's future that counts the callbacks waiting on it."""

    callbacks = 0

    def add_done_callback(self, fn, *, context=None):
        CountingFuture.callbacks += 1
        super().add_done_callback(fn, context=context)


def drain(wait, outputs: int, fail_at: int | None = None):
    """Track `outputs` pending futures that resolve one at a time, run `wait` and return what it raised."""

    async def scenario():
        futures = [CountingFuture() for _ in range(outputs)]
        with SETTINGS.lock:
            SETTINGS.outputs.clear()
            SETTINGS.outputs.update(futures)

        async def resolve_one_by_one():
            for index, future in enumerate(futures):
                await asyncio.sleep(0)
                if index == fail_at:
                    future.set_exception(RuntimeError(f"output {index} failed"))
                    return
                future.set_result(index)
                with SETTINGS.lock:
                    SETTINGS.outputs.discard(future)

        producer = asyncio.ensure_future(resolve_one_by_one())
        try:
            await wait()
        finally:
            await producer
            with SETTINGS.lock:
                SETTINGS.outputs.clear()
        return [f.result() for f in futures]

    CountingFuture.callbacks = 0
    return asyncio.run(scenario())


def test_pending_outputs_are_waited_on_once_each():
    resolved = drain(output_waits.wait_for_rpcs, 400)

    assert resolved == list(range(400))
    assert CountingFuture.callbacks <= 2 * 400


def test_the_sdk_wait_it_replaces_grows_with_the_square():
    # The reason for the module: with the pinned SDK's own loop the same drain costs ~N²/2 callbacks.
    sdk_wait = getattr(runtime_stack.wait_for_rpcs, "sdk_original", runtime_stack.wait_for_rpcs)
    assert sdk_wait is not output_waits.wait_for_rpcs
    drain(sdk_wait, 400)

    assert CountingFuture.callbacks > 400 * 400 / 4


def test_the_first_failed_output_is_raised():
    with pytest.raises(RuntimeError, match="output 7 failed"):
        drain(output_waits.wait_for_rpcs, 50, fail_at=7)


def test_installed_only_on_the_sdk_it_was_written_for(monkeypatch):
    original = getattr(runtime_stack.wait_for_rpcs, "sdk_original", runtime_stack.wait_for_rpcs)  # the program may
    monkeypatch.setattr(runtime_stack, "wait_for_rpcs", original)  # have installed it in this process already
    monkeypatch.setattr(output_waits, "version", lambda _: "3.999.0")
    assert output_waits.wait_linearly() is False
    assert runtime_stack.wait_for_rpcs is original

    monkeypatch.setattr(output_waits, "version", lambda _: output_waits.PATCHED_SDK)
    assert output_waits.wait_linearly() is True
    assert runtime_stack.wait_for_rpcs is output_waits.wait_for_rpcs
    assert output_waits.wait_linearly() is True  # twice is once
