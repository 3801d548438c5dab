"""Every use of the Pulumi Python SDK's internals, in one place, behind one version check.

The SDK (3.272.0, pinned in requirements.txt) offers no setting for two costs of a large stack, so the program
swaps two of its private functions (`install`):

- `pulumi.runtime.stack.wait_for_rpcs` ends every program by draining the pending Outputs with
  `asyncio.wait(pending, return_when=FIRST_COMPLETED)` in a loop; every pass adds and removes a callback on every
  pending Output, so with N keys of ~18 Outputs each the work grows with N² (219,000 callbacks for a no-op
  `preview` of 500 keys). `wait_for_rpcs` below is the same function draining through `asyncio.as_completed`.
- `pulumi.runtime.resource._get_stack_trace` sends each resource's whole call stack (16 frames, 1.4 KB), which the
  engine writes into the state after every step: at thousands of keys a quarter of the state. Only the innermost
  project frame (the engine's `sourcePosition`, named in its errors) is kept.

Besides the patches, the project reads a few private names no public API offers: the secret envelope's signature
(`is_secret_envelope`), the SDK's way to block on a future inside the program (`wait_for`), and the whole stack
config with its secret keys (`stack_config`). Nothing else in the project names the SDK's private parts (the layers
test checks), and `PINNED_SOURCES` holds the hash of the source of each SDK function patched or relied on, as it was
when this module was written: tests/test_sdk_patches.py fails when an SDK upgrade changes one, so the patch is
reviewed instead of silently dropped or misapplied. With another SDK version nothing is patched.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import os
from importlib.metadata import version
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, TypeVar

PATCHED_SDK = "3.272.0"
# sha256 of `inspect.getsource` of each SDK function this module replaces, wraps or depends on, under PATCHED_SDK.
PINNED_SOURCES = {
    "pulumi.runtime.stack.wait_for_rpcs": "c0f9027f85ad09255ded0a1908033b490f76d303a3e40b50d3cf47a69265469d",
    "pulumi.runtime.resource._get_stack_trace": "3943b2273016925109e1c3a7bc603db06a44ea09ff3494c29544e44bccf8dd1f",
    "pulumi.runtime.settings._get_rpc_manager": "08e4320a3932bb2162007c3f0962e267a5308e4743b39dd39e95f98b54d88f62",
    "pulumi.runtime.sync_await._sync_await": "77b69aaf7da77f1c3d4237099099b200a3e917b6da1f554743c00bfb17fa010b",
    "pulumi.runtime.config.get_config": "9f0784132ac21101145df3d44acfaa199e784849d160a1a6612ef118363acd5d",
    "pulumi.runtime.config.is_config_secret": "1a7ff655a3bf7b4be551ab7d6c7599bf180e0effb721e06b5c925f99356974d6",
}
# The wire protocol's secret envelope: {SECRET_SIG_KEY: SECRET_SIG, "value": ...}.
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# The resource classes' own constructors: the same frames on every resource of a kind, saying nothing.
_RESOURCE_CLASSES = "dynamic_providers/"

T = TypeVar("T")


def sdk_function(name: str) -> Callable[..., Any]:
    """The SDK function at dotted `name` (module path, then attribute)."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def source_hash(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def changed_sources(pinned: Mapping[str, str] = PINNED_SOURCES) -> list[str]:
    """The pinned SDK functions whose source differs from what this module was written against (or are gone)."""
    changed = []
    for name, expected in pinned.items():
        try:
            function = getattr(sdk_function(name), "sdk_original", sdk_function(name))
            current = source_hash(function)
        except (AttributeError, ImportError, OSError, TypeError):
            current = None
        if current != expected:
            changed.append(name)
    return changed


def sdk_is_the_patched_version() -> bool:
    """The one version check: the patches are installed only on the SDK they were written for."""
    return version("pulumi") == PATCHED_SDK


def install(project_root: Any = None) -> bool:
    """Install both patches when the SDK is PATCHED_SDK (`project_root`: default the working directory, which the
    Pulumi CLI sets to the project). Returns whether they are installed."""
    if not sdk_is_the_patched_version():
        return False
    keep_project_frames(project_root)
    wait_linearly()
    return True


async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
    """`pulumi.runtime.stack.wait_for_rpcs` of SDK 3.272.0, the outputs drained in linear time."""
    from pulumi.runtime.settings import SETTINGS, _get_rpc_manager

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
    """Swap in the linear `wait_for_rpcs` (once). Returns whether it is installed."""
    from pulumi.runtime import stack as runtime_stack

    current = getattr(runtime_stack, "wait_for_rpcs", None)
    if current is wait_for_rpcs:
        return True
    if current is None:
        return False
    wait_for_rpcs.sdk_original = current  # type: ignore[attr-defined]  # kept for the tests
    runtime_stack.wait_for_rpcs = wait_for_rpcs
    return True


def _in_project(uri: str, root: str) -> bool:
    return uri.startswith(root) and "/site-packages/" not in uri and "/.venv/" not in uri and \
        not uri[len(root):].startswith(_RESOURCE_CLASSES)


def keep_project_frames(project_root: Any = None) -> bool:
    """Trim every later resource's stack trace to its innermost frame under `project_root` (once). Returns whether
    the SDK offered the hook."""
    from pulumi.runtime import resource as runtime_resource

    original = getattr(runtime_resource, "_get_stack_trace", None)
    if original is None or getattr(original, "sdk_original", None) is not None:
        return original is not None
    root = Path(project_root or os.getcwd()).resolve().as_uri().rstrip("/") + "/"

    def project_frames_only():
        trace = original()
        kept = next((frame for frame in trace.frames if frame.HasField("pc") and _in_project(frame.pc.uri, root)),
                    None)
        del trace.frames[:]
        if kept is not None:
            trace.frames.append(kept)
        return trace

    project_frames_only.sdk_original = original  # type: ignore[attr-defined]
    runtime_resource._get_stack_trace = project_frames_only
    return True


def is_secret_envelope(value: Any) -> bool:
    """A secret as the engine sends it when the value is not unwrapped: {SECRET_SIG_KEY: SECRET_SIG, "value": …}."""
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


def secret_envelope(value: Any) -> dict[str, Any]:
    return {SECRET_SIG_KEY: SECRET_SIG, "value": value}


def wait_for(awaitable: Awaitable[T]) -> T:
    """Block on `awaitable` inside the program: the SDK's own way (what synchronous invokes use)."""
    from pulumi.runtime.sync_await import _sync_await

    return _sync_await(awaitable)


def stack_config() -> tuple[dict[str, Any], Callable[[str], bool]]:
    """Every `project:key` config value of the running stack (as strings), and whether a full key is secret."""
    from pulumi.runtime import config as runtime_config

    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_env = runtime_config.get_config_secret_keys_env()
    return merged, lambda full_key: runtime_config.is_config_secret(full_key) or full_key in secret_env
