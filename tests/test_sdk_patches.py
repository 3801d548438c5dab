"""The SDK patches and private names (litemaas_common/sdk_patches.py): pinned to the SDK source they were written
for, installed only on that SDK version, and each doing what it is there for."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import pytest
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import stack as runtime_stack
from pulumi.runtime.proto import source_pb2
from pulumi.runtime.settings import SETTINGS

from litemaas_common import sdk_patches

PROJECT = Path("/srv/stack")


def test_the_patched_sdk_functions_are_the_ones_the_patches_were_written_for():
    """An SDK upgrade that changes a patched or relied-on function fails here: review the patch in
    litemaas_common/sdk_patches.py against the new source, then update PATCHED_SDK and PINNED_SOURCES."""
    assert sdk_patches.sdk_is_the_patched_version(), \
        f"pulumi is not {sdk_patches.PATCHED_SDK}: review litemaas_common/sdk_patches.py for the new SDK"
    assert sdk_patches.changed_sources() == []


def test_a_changed_sdk_function_is_reported(monkeypatch):
    def wait_for_rpcs(await_all_outstanding_tasks=True):  # what an upgraded SDK might ship
        return None

    pinned = {"pulumi.runtime.stack.wait_for_rpcs": sdk_patches.PINNED_SOURCES["pulumi.runtime.stack.wait_for_rpcs"],
              "pulumi.runtime.settings._get_rpc_manager":
                  sdk_patches.PINNED_SOURCES["pulumi.runtime.settings._get_rpc_manager"],
              "pulumi.runtime.settings._gone": "0" * 64}
    monkeypatch.setattr(runtime_stack, "wait_for_rpcs", wait_for_rpcs)
    assert sdk_patches.changed_sources(pinned) == ["pulumi.runtime.stack.wait_for_rpcs",
                                                   "pulumi.runtime.settings._gone"]


def test_the_secret_envelope_is_the_wire_protocol_one():
    from pulumi.runtime import rpc

    # Compared with the SDK's own (private) constants here, where a change would show.
    assert (sdk_patches.SECRET_SIG_KEY, sdk_patches.SECRET_SIG) == (rpc._special_sig_key, rpc._special_secret_sig)
    assert sdk_patches.is_secret_envelope(sdk_patches.secret_envelope("s3cret"))
    assert not sdk_patches.is_secret_envelope({"value": "s3cret"})


def test_installed_only_on_the_sdk_it_was_written_for(monkeypatch, tmp_path):
    wait, trace = runtime_stack.wait_for_rpcs, runtime_resource._get_stack_trace
    originals = (getattr(wait, "sdk_original", wait), getattr(trace, "sdk_original", trace))
    # The program may have installed them in this process already; monkeypatch restores what was there.
    monkeypatch.setattr(runtime_stack, "wait_for_rpcs", originals[0])
    monkeypatch.setattr(runtime_resource, "_get_stack_trace", originals[1])
    monkeypatch.setattr(sdk_patches, "version", lambda _: "3.999.0")
    assert sdk_patches.install(tmp_path) is False
    assert (runtime_stack.wait_for_rpcs, runtime_resource._get_stack_trace) == originals

    monkeypatch.setattr(sdk_patches, "version", lambda _: sdk_patches.PATCHED_SDK)
    assert sdk_patches.install(tmp_path) is True
    assert runtime_stack.wait_for_rpcs is sdk_patches.wait_for_rpcs
    assert runtime_resource._get_stack_trace.sdk_original is originals[1]
    assert sdk_patches.install(tmp_path) is True  # twice is once
    assert runtime_resource._get_stack_trace.sdk_original is originals[1]
    assert sdk_patches.changed_sources() == []  # the pins are checked against the SDK's originals


def test_the_linear_wait_is_the_sdk_wait_but_for_its_drain_loop():
    """The patch copies the pinned SDK function; only the outputs' drain differs (as_completed instead of the
    FIRST_COMPLETED loop) and the debug logging is left out."""
    patched = inspect.getsource(sdk_patches.wait_for_rpcs)
    sdk = inspect.getsource(getattr(runtime_stack.wait_for_rpcs, "sdk_original", runtime_stack.wait_for_rpcs))
    assert "asyncio.as_completed(pending)" in patched and "FIRST_COMPLETED" not in patched
    for kept in ("rpc_manager.rpcs.pop()", "rpc_manager.unhandled_exception", "SETTINGS.outputs.clear()",
                 "if len(rpc_manager.rpcs) == 0:"):
        assert kept in patched and kept in sdk


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
    resolved = drain(sdk_patches.wait_for_rpcs, 400)

    assert resolved == list(range(400))
    assert CountingFuture.callbacks <= 2 * 400


def test_the_sdk_wait_it_replaces_grows_with_the_square():
    # The reason for the module: with the pinned SDK's own loop the same drain costs ~N²/2 callbacks.
    sdk_wait = getattr(runtime_stack.wait_for_rpcs, "sdk_original", runtime_stack.wait_for_rpcs)
    assert sdk_wait is not sdk_patches.wait_for_rpcs
    drain(sdk_wait, 400)

    assert CountingFuture.callbacks > 400 * 400 / 4


def test_the_first_failed_output_is_raised():
    with pytest.raises(RuntimeError, match="output 7 failed"):
        drain(sdk_patches.wait_for_rpcs, 50, fail_at=7)


def _trace(*uris: str) -> source_pb2.StackTrace:
    """Frames innermost first, as the SDK builds them."""
    return source_pb2.StackTrace(frames=[source_pb2.StackFrame(pc=source_pb2.SourcePosition(uri=uri, line=n + 1))
                                         for n, uri in enumerate(uris)])


@pytest.fixture
def sdk_trace(monkeypatch):
    """Stand in for the SDK's `_get_stack_trace` (restored after the test) and return what it should produce."""
    produced: list[source_pb2.StackTrace] = []
    monkeypatch.setattr(runtime_resource, "_get_stack_trace", lambda: produced[-1])
    return produced


def test_only_the_innermost_project_frame_is_kept(sdk_trace):
    sdk_trace.append(_trace(f"{PROJECT.as_uri()}/.venv/lib/python3.11/site-packages/pulumi/resource.py",
                            f"{PROJECT.as_uri()}/dynamic_providers/virtual_key.py",
                            f"{PROJECT.as_uri()}/components/litellm_catalog.py",
                            f"{PROJECT.as_uri()}/components/litemaas.py",
                            f"{PROJECT.as_uri()}/__main__.py",
                            "file:///usr/lib/python3.11/runpy.py"))
    assert sdk_patches.keep_project_frames(PROJECT)

    frames = runtime_resource._get_stack_trace().frames

    assert [(f.pc.uri, f.pc.line) for f in frames] == [(f"{PROJECT.as_uri()}/components/litellm_catalog.py", 3)]


def test_a_resource_declared_outside_the_project_keeps_no_frame(sdk_trace):
    sdk_trace.append(_trace("file:///usr/lib/python3.11/site-packages/pulumi/resource.py",
                            "file:///elsewhere/__main__.py"))
    sdk_patches.keep_project_frames(PROJECT)

    assert list(runtime_resource._get_stack_trace().frames) == []


def test_installing_twice_wraps_once(sdk_trace):
    sdk_trace.append(_trace(f"{PROJECT.as_uri()}/__main__.py", f"{PROJECT.as_uri()}/__main__.py"))
    sdk_patches.keep_project_frames(PROJECT)
    wrapped = runtime_resource._get_stack_trace

    assert sdk_patches.keep_project_frames(PROJECT)
    assert runtime_resource._get_stack_trace is wrapped
    assert len(runtime_resource._get_stack_trace().frames) == 1


def test_an_sdk_without_the_hook_is_left_alone(monkeypatch):
    monkeypatch.delattr(runtime_resource, "_get_stack_trace")

    assert sdk_patches.keep_project_frames(PROJECT) is False
    assert not hasattr(runtime_resource, "_get_stack_trace")
