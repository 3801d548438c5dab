"""The LiteLLMCatalog under Pulumi mocks: the recorder of registered resources and a catalog built from lists."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pulumi
import pytest
from pulumi.runtime import mocks as runtime_mocks

from config import KeyConfig, ModelConfig, TeamConfig
from tests.support.pulumi_program import SECRET_SIG, SIG_KEY, RunInline

MODEL_T = "pulumi-python:dynamic/litellm:Model"
TEAM_T = "pulumi-python:dynamic/litellm:Team"
KEY_T = "pulumi-python:dynamic/litellm:VirtualKey"
LOOKUP_T = "pulumi-python:dynamic/litellm:Lookup"
MASTER = "sk-master-in-a-secret-0123"
UPSTREAM = "deepseek-upstream-key-0123"


@dataclass
class Seen:
    typ: str
    inputs: dict
    resource_id: str = ""  # set for reads (`get`)


class CatalogMocks(pulumi.runtime.Mocks):
    """Echoes inputs and fakes what the providers would compute (ids, the raw key)."""

    def __init__(self) -> None:
        self.seen: dict[str, Seen] = {}
        self.wire: dict[str, tuple[str, list[str]]] = {}  # name -> (parent urn, dependency urns)
        self.requests: dict[str, object] = {}  # name -> the RegisterResourceRequest (resource options)

    def new_resource(self, args):
        self.seen[args.name] = Seen(args.typ, args.inputs, args.resource_id or "")
        state = dict(args.inputs)
        if args.typ == TEAM_T:
            state["team_id"] = args.inputs.get("team_id") or f"generated-{args.name}"
        elif args.typ == "pulumi-python:dynamic/litellm:McpServer":
            state["server_id"] = args.inputs.get("server_id") or f"generated-{args.name}"
        elif args.typ == "pulumi-python:dynamic/litellm:McpToolset":
            state["toolset_id"] = f"uuid-{args.name}"  # LiteLLM assigns it
        elif args.typ == "pulumi-python:dynamic/litellm:UnifiedAccessGroup":
            state["access_group_id"] = f"generated-{args.name}"  # LiteLLM's uuid
        elif args.typ == MODEL_T:
            state["model_id"] = args.inputs.get("model_id") or f"generated-{args.name}"
        elif args.typ == LOOKUP_T:
            state["object_id"] = f"found-{args.inputs['value']}"  # the provider's check resolves it
        elif args.typ == KEY_T:
            state.update(key={SIG_KEY: SECRET_SIG, "value": f"sk-raw-{args.name}"}, token=f"hash-{args.name}",
                         expires="2027-01-01T00:00:00+00:00")
        return f"{args.name}-id", state

    def call(self, args):
        return {}


@pytest.fixture
def catalog_mocks(monkeypatch):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    loop.set_default_executor(RunInline())
    recorder = CatalogMocks()
    original = runtime_mocks.MockMonitor.RegisterResource

    def register(self, request):
        recorder.wire[request.name] = (request.parent, list(request.dependencies))
        recorder.requests[request.name] = request
        return original(self, request)

    # The mock's MockResourceArgs carries no parent or dependencies; the wire request does.
    monkeypatch.setattr(runtime_mocks.MockMonitor, "RegisterResource", register)
    pulumi.runtime.set_mocks(recorder, project="litemaas", stack="test", preview=False)
    yield recorder
    asyncio.set_event_loop(None)
    loop.close()


def stack_lists():
    models = (
        ModelConfig(name="granite-8b-instruct", model="openai/granite-8b-instruct",
                    api_base="https://granite.apps.example.com/v1", rpm=60, model_info={"mode": "chat"}),
        ModelConfig(name="deepseek-chat", model="deepseek/deepseek-chat", api_key=pulumi.Output.secret(UPSTREAM),
                    input_cost_per_token=2.7e-7, id="deepseek-1"),
    )
    teams = (TeamConfig(alias="ml", models=("granite-8b-instruct",), max_budget=100.0),
             TeamConfig(alias="ops", id="ops-team"))
    keys = (KeyConfig(alias="alice", models=("granite-8b-instruct",), team="ml", max_budget=10.0,
                      budget_duration="30d", duration="90d"),
            KeyConfig(alias="bob", models=("deepseek-chat",), metadata={"owner": "bob"}))
    return models, teams, keys


def build(recorder, **overrides):
    from components.litellm_catalog import LiteLLMCatalog, LiteLLMCatalogArgs

    gateway = pulumi.CustomResource("test:index:Gateway", "gateway", {})
    models, teams, keys = stack_lists()
    args = LiteLLMCatalogArgs(admin_url="https://litellm.apps.example.com", master_key=pulumi.Output.secret(MASTER),
                              models=models, teams=teams, keys=keys)
    for name, value in overrides.items():
        setattr(args, name, value)
    catalog = LiteLLMCatalog("catalog", args, opts=pulumi.ResourceOptions(depends_on=[gateway]))
    return gateway, catalog


def wait_for(catalog, *extra):
    children = [*catalog.models.values(), *catalog.teams.values(), *catalog.keys.values()]
    return pulumi.Output.all(*[c.urn for c in children], *extra)


