"""Wait for the program's pending Outputs once each, not once per Output that resolves.

The Python SDK (3.272, pinned) ends every program in `pulumi.runtime.stack.wait_for_rpcs`. It drains the Outputs
still pending with `asyncio.wait(pending, return_when=FIRST_COMPLETED)` in a loop, and every pass adds and removes
a callback on every pending Output to return after the first one resolves. With N keys of ~18 Outputs each the
work grows with N²: 219,000 callbacks for a no-op `preview` of 500 keys, seconds of the program's only thread.

`wait_linearly()` swaps in the same function with that one loop draining through `asyncio.as_completed` (one
callback per Output; the first failure is still raised as soon as it happens). Only the SDK version it was written
against is patched: with any other, nothing changes.
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version

from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

PATCHED_SDK = "3.272.0"


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """`pulumi.runtime.stack.wait_for_rpcs` of SDK 3.272.0, the outputs drained in linear time."""
    rpc_manager = _get_rpc_manager()
    while True:
        while len(rpc_manager.rpcs) > 0:
            await asyncio.sleep(0)
            try:
                await rpc_manager.rpcs.pop()
            except Exception as exn:
                if rpc_manager.unhandled_exception is not None:
                    raise exn from rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                raise
        if rpc_manager.unhandled_exception is not None:
            raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)

        if await_all_outstanding_tasks:
            while True:
                with SETTINGS.lock:
                    if len(SETTINGS.outputs) == 0:
                        break
                    pending = list(SETTINGS.outputs)
                    SETTINGS.outputs.clear()
                for resolved in asyncio.as_completed(pending):
                    await resolved  # re-raises the first Output that failed, as soon as it fails

        if len(rpc_manager.rpcs) == 0:
            break


def wait_linearly() -> bool:
    """Install the linear wait when the SDK is the one it was written against. Returns whether it is installed."""
    current = getattr(runtime_stack, "wait_for_rpcs", None)
    if current is wait_for_rpcs:
        return True
    if current is None or version("pulumi") != PATCHED_SDK:
        return False
    wait_for_rpcs.sdk_original = current  # type: ignore[attr-defined]  # kept for the tests
    runtime_stack.wait_for_rpcs = wait_for_rpcs
    return True
