"""The providers driven through the real dynamic-provider host over gRPC, in a fresh process.

The `__provider` property is what the engine stores (`serialize_provider`), so unpickling by reference,
`configure`, secrets arriving unwrapped and the host's own `__provider` bookkeeping are all exercised.
"""

from __future__ import annotations

import hashlib
import re

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from dynamic_providers.model import ModelProvider
from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.litellm_double import LiteLLMDouble
from tests.support.provider_host import UNKNOWN, HostError, ProviderHost, engine_provider, urn_for

MASTER = "sk-master-host-0123456789"
UPSTREAM = "upstream-host-secret-0123"
MODEL_URN = urn_for("dynamic/litellm:Model", "granite")
TEAM_URN = urn_for("dynamic/litellm:Team", "ml")
KEY_URN = urn_for("dynamic/litellm:VirtualKey", "alice")


@pytest.fixture(scope="module")
def host():
    with ProviderHost() as running:
        yield running


@pytest.fixture
def double():
    with LiteLLMDouble(master_key=MASTER) as api:
        yield api


def connection(double, **extra):
    return {"admin_url": double.url, "master_key": MASTER, "request_timeout": 5, "readiness_timeout": 5, **extra}


def without_provider(props):
    return {k: v for k, v in props.items() if k != "__provider"}


def test_provider_pickles_are_references():
    for provider in (ModelProvider(), TeamProvider(), VirtualKeyProvider()):
        serialized = engine_provider(provider)
        assert len(serialized) < 200  # base64 of a module + class name, no bytecode, nothing captured


def test_model_lifecycle_through_the_host(host, double):
    provider = engine_provider(ModelProvider())
    news = {**connection(double), "__provider": provider, "model_name": "granite-8b-instruct",
            "model": "openai/granite-8b-instruct", "api_base": "https://granite.apps.example.com/v1",
            "api_key": UPSTREAM, "rpm": 60, "model_info": {"mode": "chat"}}
    inputs, failures = host.check(MODEL_URN, {}, news)
    assert failures == [] and inputs["__provider"] == provider and inputs["model_id_fixed"] is False

    model_id, outs = host.create(MODEL_URN, inputs)
    assert model_id == inputs["model_id"] and outs["__provider"] == provider and outs["api_key"] == UPSTREAM
    row = double.models[model_id]
    assert type(row["litellm_params"]["rpm"]) is int  # 60 crossed gRPC as 60.0 and went out as 60
    assert row["litellm_params"]["api_key"] == UPSTREAM

    read_id, read_outs, read_inputs = host.read(model_id, MODEL_URN, outs)
    assert read_id == model_id and without_provider(read_outs) == without_provider(outs)
    assert read_inputs["__provider"] == provider and "api_key" in read_inputs

    same = host.diff(model_id, MODEL_URN, outs, inputs)
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE

    new_inputs, _ = host.check(MODEL_URN, inputs, {**news, "rpm": 120})
    changed = host.diff(model_id, MODEL_URN, outs, new_inputs)
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME and list(changed.replaces) == []
    double.reset_calls()
    outs = host.update(model_id, MODEL_URN, outs, new_inputs)
    assert double.models[model_id]["litellm_params"]["rpm"] == 120 and outs["rpm"] == 120
    assert [c.method for c in double.calls if not c.path.startswith("/health")] == ["PATCH"]

    removed_inputs, _ = host.check(MODEL_URN, new_inputs, {k: v for k, v in news.items() if k != "api_base"})
    replacing = host.diff(model_id, MODEL_URN, outs, removed_inputs)
    assert list(replacing.replaces) == ["api_base", "model_id"] and not replacing.deleteBeforeReplace

    host.delete(model_id, MODEL_URN, outs)
    gone_id, _, _ = host.read(model_id, MODEL_URN, outs)
    assert gone_id == "" and double.models == {}
    host.delete(model_id, MODEL_URN, outs)  # already gone = success
    assert UPSTREAM not in host.stderr and MASTER not in host.stderr


def test_team_and_key_lifecycle_with_a_lost_answer(host, double):
    team_provider, key_provider = engine_provider(TeamProvider()), engine_provider(VirtualKeyProvider())
    team_inputs, failures = host.check(TEAM_URN, {}, {**connection(double), "__provider": team_provider,
                                                      "team_alias": "ml", "max_budget": 100})
    assert failures == []
    team_id, team_outs = host.create(TEAM_URN, team_inputs)
    assert double.teams[team_id]["team_alias"] == "ml"

    double.drop("POST", "/key/generate", when="after")  # the key is saved, the answer is lost
    key_news = {**connection(double), "__provider": key_provider, "key_alias": "alice", "team_id": team_id,
                "models": [], "max_budget": 10, "duration": "30d"}
    key_inputs, failures = host.check(KEY_URN, {}, key_news)
    assert failures == []
    token, key_outs = host.create(KEY_URN, key_inputs)
    assert list(double.keys) == [token] and token == hashlib.sha256(key_outs["key"].encode()).hexdigest()
    assert double.keys[token]["team_id"] == team_id and key_outs["expires"]

    double.reset_calls()
    new_inputs, _ = host.check(KEY_URN, key_inputs, {**key_news, "max_budget": 20})
    key_outs = host.update(token, KEY_URN, key_outs, new_inputs)
    writes = [c for c in double.calls if c.is_write]
    assert [(c.path, c.body) for c in writes] == [("/key/update", {"key": token, "max_budget": 20})]
    assert double.read_count == 0

    # Connection-only change: recorded, nothing sent.
    double.reset_calls()
    moved, _ = host.check(KEY_URN, new_inputs, {**key_news, "max_budget": 20, "request_timeout": 42})
    assert host.diff(token, KEY_URN, key_outs, moved).changes == provider_pb2.DiffResponse.DIFF_SOME
    key_outs = host.update(token, KEY_URN, key_outs, moved)
    assert double.calls == [] and key_outs["request_timeout"] == 42

    double.edit_key(token, max_budget=999.0)  # drift made in the admin UI
    _, refreshed, refreshed_inputs = host.read(token, KEY_URN, key_outs)
    assert refreshed["max_budget"] == 999 and refreshed_inputs["max_budget"] == 999
    assert host.diff(token, KEY_URN, refreshed, moved).changes == provider_pb2.DiffResponse.DIFF_SOME

    host.delete(token, KEY_URN, key_outs)
    host.delete(team_id, TEAM_URN, team_outs)
    assert double.keys == {} and double.teams == {}
    assert key_outs["key"] not in host.stderr and MASTER not in host.stderr


def test_import_reads_from_the_id_alone(host, double):
    raw, token = double.seed_key(key_alias="legacy", models=["m"], max_budget=3.0)
    provider = engine_provider(VirtualKeyProvider())
    # `get`/import style: no stored properties, only inputs (the host falls back to them).
    read_id, outs, inputs = host.read(token, KEY_URN, {}, inputs={**connection(double), "__provider": provider})
    assert read_id == token and outs["key_alias"] == "legacy" and outs["max_budget"] == 3
    assert outs.get("key") is None and raw not in str(outs) and inputs["key_alias"] == "legacy"


def test_preview_with_unknown_inputs_reports_changes(host, double):
    provider = engine_provider(ModelProvider())
    base = {**connection(double), "__provider": provider, "model_name": "m", "model": "openai/m"}
    inputs, _ = host.check(MODEL_URN, {}, base)
    model_id, outs = host.create(MODEL_URN, inputs)
    preview_news = {**base, "admin_url": UNKNOWN, "api_key": UNKNOWN}
    preview_inputs, failures = host.check(MODEL_URN, inputs, preview_news)
    assert failures == []
    diff = host.diff(model_id, MODEL_URN, outs, preview_inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    host.delete(model_id, MODEL_URN, outs)


def test_check_failures_and_errors_round_trip_without_secrets(host, double):
    provider = engine_provider(VirtualKeyProvider())
    news = {**connection(double), "__provider": provider, "key_alias": "", "max_budget": 5, "soft_budget": 9,
            "duration": "forever"}
    _, failures = host.check(KEY_URN, {}, news)
    assert ("key_alias", "key_alias must not be empty (omit it instead)") in failures
    assert any(p == "duration" and "is not a LiteLLM duration" in r for p, r in failures)

    double.seed_key(key_alias="taken")
    inputs, failures = host.check(KEY_URN, {}, {**news, "key_alias": "taken", "soft_budget": 1, "duration": "1d"})
    assert failures == []
    with pytest.raises(HostError) as raised:
        host.create(KEY_URN, inputs)
    assert raised.value.code == grpc.StatusCode.UNKNOWN
    assert "LiteLLMAdminError: LiteLLM admin API POST /key/generate failed (HTTP 400" in raised.value.details
    assert "already exists on the gateway" in raised.value.details
    assert MASTER not in raised.value.details
    assert re.search(r"sk-[A-Za-z0-9_-]{6,}", raised.value.details) is None  # no key value in the traceback
    assert len(double.keys) == 1
