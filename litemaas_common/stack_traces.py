"""Keep the program's own frames in the stack trace the engine stores with every resource.

The Python SDK (3.272, pinned) sends the whole call stack of each resource's constructor: the language host,
runpy, asyncio and SDK frames included, 16 frames and 1.4 KB per resource. The engine writes it into the state and
rewrites the whole state after every step, so at thousands of virtual keys it is a quarter of the state and of
the time spent saving it. The useful frame is the project's line that declared the resource (the engine's
`sourcePosition`, named in its errors): only that innermost project frame is kept, not the LiteLLM resource classes'
own constructors nor the component chain above it (the same three frames on every key, 190 B each time). There is
no SDK setting for this, so the SDK's private `_get_stack_trace` is wrapped; if a later SDK drops it, nothing is
changed and the full traces are stored again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

_INSTALLED = "_litemaas_project_frames_only"


# The resource classes' own constructors: the same two frames on every resource of a kind, saying nothing.
_RESOURCE_CLASSES = "dynamic_providers/"


def _in_project(uri: str, root: str) -> bool:
    return uri.startswith(root) and "/site-packages/" not in uri and "/.venv/" not in uri and \
        not uri[len(root):].startswith(_RESOURCE_CLASSES)


def keep_project_frames(project_root: Any = None) -> bool:
    """Trim every later resource's stack trace to its innermost frame under `project_root` (default: the working
    directory, which the Pulumi CLI sets to the project). Returns whether the SDK offered the hook."""
    from pulumi.runtime import resource as runtime_resource

    original = getattr(runtime_resource, "_get_stack_trace", None)
    if original is None or getattr(original, _INSTALLED, False):
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

    setattr(project_frames_only, _INSTALLED, True)
    runtime_resource._get_stack_trace = project_frames_only
    return True
