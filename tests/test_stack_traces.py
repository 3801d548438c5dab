"""The stack trace the engine stores with every resource keeps only the project line that declared it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime.proto import source_pb2

from litemaas_common.stack_traces import keep_project_frames

PROJECT = Path("/srv/stack")


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
    assert keep_project_frames(PROJECT)

    frames = runtime_resource._get_stack_trace().frames

    assert [(f.pc.uri, f.pc.line) for f in frames] == [(f"{PROJECT.as_uri()}/components/litellm_catalog.py", 3)]


def test_a_resource_declared_outside_the_project_keeps_no_frame(sdk_trace):
    sdk_trace.append(_trace("file:///usr/lib/python3.11/site-packages/pulumi/resource.py",
                            "file:///elsewhere/__main__.py"))
    keep_project_frames(PROJECT)

    assert list(runtime_resource._get_stack_trace().frames) == []


def test_installing_twice_wraps_once(sdk_trace):
    sdk_trace.append(_trace(f"{PROJECT.as_uri()}/__main__.py", f"{PROJECT.as_uri()}/__main__.py"))
    keep_project_frames(PROJECT)
    wrapped = runtime_resource._get_stack_trace

    assert keep_project_frames(PROJECT)
    assert runtime_resource._get_stack_trace is wrapped
    assert len(runtime_resource._get_stack_trace().frames) == 1


def test_an_sdk_without_the_hook_is_left_alone(monkeypatch):
    monkeypatch.delattr(runtime_resource, "_get_stack_trace")

    assert keep_project_frames(PROJECT) is False
    assert not hasattr(runtime_resource, "_get_stack_trace")
