"""Run the LiteMaaS program under Pulumi mocks and record every resource it declares.

Mocks are installed per test (never at module level: the last `set_mocks` would win for every module),
with an inline executor because the mock monitor's thread pool is known to hang (pulumi#7663).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import runpy
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import pulumi
from litemaas_common.sdk_patches import SECRET_SIG, SECRET_SIG_KEY as SIG_KEY
PROJECT = "litemaas"
ROOT = Path(__file__).resolve().parents[2]


def plain(value: Any) -> Any:
    """Remove the secret envelopes mocks leave on values; whole-number floats become ints again."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return plain(value["value"])
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def has_secret_envelope(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


class RunInline(ThreadPoolExecutor):
    """asyncio wants a ThreadPoolExecutor; this one runs work immediately, avoiding mock-monitor hangs."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed back through the future
            future.set_exception(exc)
        return future


@dataclass
class Registration:
    typ: str
    name: str
    inputs: dict  # as sent, secret envelopes kept
    request: Any = field(repr=False)  # the RegisterResourceRequest: .protect, .dependencies, .retainOnDelete, ...

    @property
    def dependencies(self) -> list[str]:
        return list(self.request.dependencies)

    @property
    def alias_types(self) -> set[str]:
        """Other types the engine takes for this resource (same name and parent): a switch between them is no delete."""
        return {a.spec.type for a in self.request.aliases if a.spec.type}

    @property
    def manifest(self) -> dict:
        return plain(self.inputs)


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Records registrations; fakes the computed outputs the program depends on."""

    preview: bool = False
    registrations: list[Registration] = field(default_factory=list)
    # The monitor's RegisterResource requests by (type, name): options such as protect and dependencies.
    requests: dict[str, Any] = field(default_factory=dict)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.registrations.append(Registration(args.typ, args.name, copy.deepcopy(args.inputs),
                                               self.requests.get((args.typ, args.name))))
        state = dict(args.inputs)
        if args.typ == "random:index/randomPassword:RandomPassword" and not self.preview:
            # Distinctive per resource, with URL-reserved characters to exercise percent-encoding.
            state["result"] = {SIG_KEY: SECRET_SIG, "value": f"{args.name}-Gen3rated:/@#%"}
        if args.typ.startswith("kubernetes:") and not args.typ.startswith("kubernetes:index") and not self.preview:
            # Like the API server's: a new value whenever the object's content changes.
            digest = hashlib.sha256(json.dumps(plain(args.inputs), sort_keys=True, default=str).encode()).hexdigest()
            state["metadata"] = {**plain(state.get("metadata") or {}), "resourceVersion": digest[:12]}
        if args.typ == "pulumi-python:dynamic/litellm:UnifiedAccessGroup":
            state["access_group_id"] = f"uuid-of-{args.name}"  # LiteLLM chooses it: one per group resource
        if args.typ == "kubernetes:route.openshift.io/v1:Route" and not self.preview:
            spec = dict(plain(state.get("spec") or {}))
            meta = plain(state.get("metadata") or {})
            # The router's default: <route name>-<namespace>.<apps domain>.
            spec.setdefault("host", f"{meta.get('name')}-{meta.get('namespace')}.apps.cluster.example.com")
            state["spec"] = spec
        if args.typ == "pulumi-python:dynamic/litellm:McpToolset":
            state["toolset_id"] = f"{args.name}-uuid"  # LiteLLM assigns it: one per resource, stable across runs
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.typ == typ]

    def one(self, typ: str, name: Optional[str] = None) -> Registration:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, found {[r.name for r in found]}"
        return found[0]

    def kubernetes(self) -> list[Registration]:
        return [r for r in self.registrations if r.typ.startswith("kubernetes:") and
                not r.typ.startswith("kubernetes:index") and r.typ != "pulumi:providers:kubernetes"]


@dataclass
class ProgramRun:
    recorder: Recorder
    exports: dict[str, Any]  # resolved values
    secret_exports: set[str]  # names of exports whose Output is secret


class MockedPulumi:
    """Installs mocks and config for one test; `run` executes a program function or `__main__.py`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.set_default_executor(RunInline())

    def close(self) -> None:
        pulumi.runtime.set_all_config({}, [])
        # Outputs built outside a program run (e.g. secret config values) still have tasks to finish.
        pending = asyncio.all_tasks(self.loop)
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        asyncio.set_event_loop(None)
        self.loop.close()

    def run(self, config: dict[str, Any], secret_keys: tuple[str, ...] = (), *, preview: bool = False,
            program: Optional[Callable[[], Any]] = None) -> ProgramRun:
        """Run `program` (default: the real `__main__.py`) with `litemaas:` config values (JSON-able)."""
        recorder = Recorder(preview=preview)
        pulumi.runtime.set_mocks(recorder, project=PROJECT, stack="test", preview=preview)
        monitor = pulumi.runtime.settings.get_monitor()
        register_resource = monitor.RegisterResource

        def record_request(request):
            recorder.requests[(request.type, request.name)] = request
            return register_resource(request)

        monitor.RegisterResource = record_request
        pulumi.runtime.set_all_config(
            {f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
            [f"{PROJECT}:{k}" for k in secret_keys])
        exported: dict[str, Any] = {}
        resolved: dict[str, Any] = {}
        secret: set[str] = set()

        def export(name: str, value: Any) -> None:
            exported[name] = value

        original_export = pulumi.export
        pulumi.export = export
        try:
            @pulumi.runtime.test
            def execute():
                if program is not None:
                    program()
                else:
                    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

                async def collect():
                    for name, value in exported.items():
                        output = pulumi.Output.from_input(value)
                        if await output.is_secret():
                            secret.add(name)
                        resolved[name] = await output.future() if await output.is_known() else None
                return pulumi.Output.from_input(asyncio.ensure_future(collect()))

            execute()
        finally:
            pulumi.export = original_export
        return ProgramRun(recorder, resolved, secret)
