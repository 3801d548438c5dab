"""Drive dynamic providers through the real provider host (`python -m pulumi.dynamic`) over gRPC.

This is what the Pulumi engine does: start the host, read its port from stdout, send Check / Diff /
Create / Read / Update / Delete with property Structs that carry `__provider` as the engine stores it
(`serialize_provider`, base64 dill). Secrets arrive unwrapped (the host answers acceptSecrets=False).
The host's stderr (where provider logging goes) is collected for leak checks.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Optional

import grpc
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = rpc.UNKNOWN  # the wire value of a property not known during preview


def struct_of(props: dict[str, Any]):
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(rpc.serialize_properties(props, {}))
    finally:
        loop.close()


def props_of(struct) -> dict[str, Any]:
    return rpc.deserialize_properties(struct, keep_unknowns=True)


class HostError(Exception):
    """A provider call failed in the host: the gRPC status and the details (the Python traceback)."""

    def __init__(self, code: grpc.StatusCode, details: str):
        super().__init__(f"{code.name}: {details}")
        self.code = code
        self.details = details


class ProviderHost:
    """One provider host process; `with ProviderHost() as host: host.create(urn, props)`."""

    def __init__(self, extra_env: Optional[dict[str, str]] = None, cwd: Path = ROOT):
        env = {**os.environ, "PULUMI_PROJECT": "litemaas", **(extra_env or {})}
        # The engine starts the host with the program directory as cwd (pulumi#5455); `python -m` puts
        # the cwd on sys.path, which is how the providers' modules are found.
        env.pop("PYTHONPATH", None)
        self.proc = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.dynamic"], cwd=str(cwd), env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self._stderr: list[str] = []
        self._drain = threading.Thread(target=self._collect_stderr, daemon=True)
        self._drain.start()
        port_line = self._read_port()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{int(port_line)}")
        grpc.channel_ready_future(self.channel).result(timeout=20)
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def _read_port(self) -> str:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self.proc.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(timeout=30)
        if not result or not result[0].strip().isdigit():
            self.close()
            raise RuntimeError(f"provider host did not print its port; stderr:\n{self.stderr}")
        return result[0].strip()

    def _collect_stderr(self) -> None:
        for line in iter(self.proc.stderr.readline, b""):
            self._stderr.append(line.decode(errors="replace"))

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def close(self) -> None:
        if getattr(self, "channel", None) is not None:
            self.channel.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._drain.join(timeout=5)

    def __enter__(self) -> "ProviderHost":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # calls ----------------------------------------------------------------------------------------
    def _call(self, method: str, request):
        try:
            return getattr(self.stub, method)(request, timeout=120)
        except grpc.RpcError as error:
            raise HostError(error.code(), error.details()) from None

    def check(self, urn: str, olds: dict, news: dict) -> tuple[dict, list[tuple[str, str]]]:
        response = self._call("Check", provider_pb2.CheckRequest(urn=urn, olds=struct_of(olds), news=struct_of(news)))
        return props_of(response.inputs), [(f.property, f.reason) for f in response.failures]

    def diff(self, id_: str, urn: str, olds: dict, news: dict):
        return self._call("Diff", provider_pb2.DiffRequest(id=id_, urn=urn, olds=struct_of(olds), news=struct_of(news)))

    def create(self, urn: str, props: dict) -> tuple[str, dict]:
        response = self._call("Create", provider_pb2.CreateRequest(urn=urn, properties=struct_of(props)))
        return response.id, props_of(response.properties)

    def read(self, id_: str, urn: str, properties: dict, inputs: Optional[dict] = None) -> tuple[str, dict, dict]:
        request = provider_pb2.ReadRequest(id=id_, urn=urn, properties=struct_of(properties),
                                           inputs=struct_of(inputs or {}))
        response = self._call("Read", request)
        return response.id, props_of(response.properties), props_of(response.inputs)

    def update(self, id_: str, urn: str, olds: dict, news: dict) -> dict:
        response = self._call("Update", provider_pb2.UpdateRequest(id=id_, urn=urn, olds=struct_of(olds),
                                                                   news=struct_of(news)))
        return props_of(response.properties)

    def delete(self, id_: str, urn: str, props: dict) -> None:
        self._call("Delete", provider_pb2.DeleteRequest(id=id_, urn=urn, properties=struct_of(props)))


def engine_provider(provider) -> str:
    """The `__provider` value exactly as the engine stores it in state."""
    return serialize_provider(provider)


def urn_for(type_token: str, name: str) -> str:
    return f"urn:pulumi:test::litemaas::pulumi-python:{type_token}::{name}"
