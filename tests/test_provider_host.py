"""The providers driven through the real dynamic-provider host over gRPC, in a fresh process.

The `__provider` property is what the engine stores (`serialize_provider`), so unpickling by reference,
`configure`, secrets arriving unwrapped and the host's own `__provider` bookkeeping are all exercised.
The providers talk to the real LiteLLM proxy through the fault proxy (`litellm_api`).
"""

from __future__ import annotations

import hashlib
import re
import uuid

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2

from dynamic_providers.model import ModelProvider
from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.provider_host import UNKNOWN, HostError, ProviderHost, engine_provider, urn_for
from tests.support.providers import TEST_STACK

UPSTREAM = "upstream-host-secret-0123"
MODEL_URN = urn_for("dynamic/litellm:Model", "granite")
TEAM_URN = urn_for("dynamic/litellm:Team", "ml")
KEY_URN = urn_for("dynamic/litellm:VirtualKey", "alice")


@pytest.fixture(scope="module")
def host():
    with ProviderHost() as running:
        yield running


def connection(api, **extra):
    return {"admin_url": api.url, "master_key": api.backend.master_key, "request_timeout": 5, "readiness_timeout": 5,
            "owner_stack": TEST_STACK, **extra}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def model_ids(api):
    return [row[0] for row in api.backend.db.rows('SELECT model_id FROM "LiteLLM_ProxyModelTable"')]


def key_info(api, token):
    return api.backend.admin_json("GET", "/key/info", params={"key": token})["info"]


def live_tokens(api):
    return [row[0] for row in api.backend.db.rows('SELECT token FROM "LiteLLM_VerificationToken"')]


def seed_key(api, **fields):
    """A key made by hand through the admin API: (raw key, token)."""
    made = api.backend.admin_json("POST", "/key/generate", json=fields)
    return made["key"], made["token"]


def without_provider(props):
    return {k: v for k, v in props.items() if k != "__provider"}


def test_provider_pickles_are_references():
    from dynamic_providers.guardrail import GuardrailProvider
    from dynamic_providers.tag import TagProvider

    for provider in (ModelProvider(), TeamProvider(), VirtualKeyProvider(), TagProvider(), GuardrailProvider()):
        serialized = engine_provider(provider)
        assert len(serialized) < 200  # base64 of a module + class name, no bytecode, nothing captured


def test_model_lifecycle_through_the_host(host, litellm_api):
    provider = engine_provider(ModelProvider())
    master = litellm_api.backend.master_key
    news = {**connection(litellm_api), "__provider": provider, "model_name": "granite-8b-instruct",
            "model": "openai/granite-8b-instruct", "api_base": "https://granite.apps.example.com/v1",
            "api_key": UPSTREAM, "rpm": 60, "model_info": {"mode": "chat"}}
    inputs, failures = host.check(MODEL_URN, {}, news)
    assert failures == [] and inputs["__provider"] == provider and inputs["model_id_fixed"] is False

    model_id, outs = host.create(MODEL_URN, inputs)
    assert model_id == inputs["model_id"] and outs["__provider"] == provider and outs["api_key"] == UPSTREAM
    row = litellm_api.backend.stored_model(model_id)
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
    litellm_api.reset_calls()
    outs = host.update(model_id, MODEL_URN, outs, new_inputs)
    assert litellm_api.backend.stored_model(model_id)["litellm_params"]["rpm"] == 120 and outs["rpm"] == 120
    assert [c.method for c in litellm_api.calls if not c.path.startswith("/health")] == ["PATCH"]

    removed_inputs, _ = host.check(MODEL_URN, new_inputs, {k: v for k, v in news.items() if k != "api_base"})
    replacing = host.diff(model_id, MODEL_URN, outs, removed_inputs)
    assert list(replacing.replaces) == ["api_base", "model_id"] and not replacing.deleteBeforeReplace

    host.delete(model_id, MODEL_URN, outs)
    assert model_ids(litellm_api) == []
    # An empty router makes "not found" provisional: the read waits for readiness_timeout, so keep it short.
    gone_id, _, _ = host.read(model_id, MODEL_URN, {**outs, "readiness_timeout": 0.5})
    assert gone_id == ""
    host.delete(model_id, MODEL_URN, outs)  # already gone = success
    assert UPSTREAM not in host.stderr and master not in host.stderr


def test_team_and_key_lifecycle_with_a_lost_answer(host, litellm_api):
    team_provider, key_provider = engine_provider(TeamProvider()), engine_provider(VirtualKeyProvider())
    master = litellm_api.backend.master_key
    team_alias, key_alias = unique("ml"), unique("alice")
    team_inputs, failures = host.check(TEAM_URN, {}, {**connection(litellm_api), "__provider": team_provider,
                                                      "team_alias": team_alias, "max_budget": 100})
    assert failures == []
    team_id, team_outs = host.create(TEAM_URN, team_inputs)
    team = litellm_api.backend.admin_json("GET", "/team/info", params={"team_id": team_id})["team_info"]
    assert team["team_alias"] == team_alias and team["max_budget"] == 100

    litellm_api.drop("POST", "/key/generate", when="after")  # the key is saved, the answer is lost
    key_news = {**connection(litellm_api), "__provider": key_provider, "key_alias": key_alias, "team_id": team_id,
                "models": [], "max_budget": 10, "duration": "30d"}
    key_inputs, failures = host.check(KEY_URN, {}, key_news)
    assert failures == []
    token, key_outs = host.create(KEY_URN, key_inputs)
    assert live_tokens(litellm_api) == [token] and token == hashlib.sha256(key_outs["key"].encode()).hexdigest()
    info = key_info(litellm_api, token)
    assert info["team_id"] == team_id and info["key_alias"] == key_alias and key_outs["expires"]

    litellm_api.reset_calls()
    new_inputs, _ = host.check(KEY_URN, key_inputs, {**key_news, "max_budget": 20})
    key_outs = host.update(token, KEY_URN, key_outs, new_inputs)
    writes = [c for c in litellm_api.calls if c.is_write]
    assert [(c.path, c.body) for c in writes] == [("/key/update", {"key": token, "max_budget": 20})]
    assert litellm_api.read_count == 0 and key_info(litellm_api, token)["max_budget"] == 20

    # Connection-only change: recorded, nothing sent.
    litellm_api.reset_calls()
    moved, _ = host.check(KEY_URN, new_inputs, {**key_news, "max_budget": 20, "request_timeout": 42})
    assert host.diff(token, KEY_URN, key_outs, moved).changes == provider_pb2.DiffResponse.DIFF_SOME
    key_outs = host.update(token, KEY_URN, key_outs, moved)
    assert litellm_api.calls == [] and key_outs["request_timeout"] == 42

    # Drift made in the admin UI.
    litellm_api.backend.admin_json("POST", "/key/update", json={"key": token, "max_budget": 999.0})
    _, refreshed, refreshed_inputs = host.read(token, KEY_URN, key_outs)
    assert refreshed["max_budget"] == 999 and refreshed_inputs["max_budget"] == 999
    assert host.diff(token, KEY_URN, refreshed, moved).changes == provider_pb2.DiffResponse.DIFF_SOME

    host.delete(token, KEY_URN, key_outs)
    host.delete(team_id, TEAM_URN, team_outs)
    assert live_tokens(litellm_api) == [] and key_info(litellm_api, token)["status"] == "deleted"
    assert litellm_api.backend.db.rows('SELECT count(*) FROM "LiteLLM_TeamTable"') == [["0"]]
    assert key_outs["key"] not in host.stderr and master not in host.stderr


def test_import_reads_from_the_id_alone(host, litellm_api):
    alias = unique("legacy")
    raw, token = seed_key(litellm_api, key_alias=alias, models=["m"], max_budget=3.0)
    provider = engine_provider(VirtualKeyProvider())
    # `get`/import style: no stored properties, only inputs (the host falls back to them).
    read_id, outs, inputs = host.read(token, KEY_URN, {}, inputs={**connection(litellm_api), "__provider": provider})
    assert read_id == token and outs["key_alias"] == alias and outs["max_budget"] == 3
    assert outs.get("key") is None and raw not in str(outs) and inputs["key_alias"] == alias


def test_preview_with_unknown_inputs_reports_changes(host, litellm_api):
    provider = engine_provider(ModelProvider())
    base = {**connection(litellm_api), "__provider": provider, "model_name": "m", "model": "openai/m"}
    inputs, _ = host.check(MODEL_URN, {}, base)
    model_id, outs = host.create(MODEL_URN, inputs)
    preview_news = {**base, "admin_url": UNKNOWN, "api_key": UNKNOWN}
    preview_inputs, failures = host.check(MODEL_URN, inputs, preview_news)
    assert failures == []
    diff = host.diff(model_id, MODEL_URN, outs, preview_inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.replaces) == []
    host.delete(model_id, MODEL_URN, outs)
    assert model_ids(litellm_api) == []


def test_check_failures_and_errors_round_trip_without_secrets(host, litellm_api):
    provider = engine_provider(VirtualKeyProvider())
    master = litellm_api.backend.master_key
    news = {**connection(litellm_api), "__provider": provider, "key_alias": "", "max_budget": 5, "soft_budget": 9,
            "duration": "forever"}
    _, failures = host.check(KEY_URN, {}, news)
    assert ("key_alias", "key_alias must not be empty (omit it instead)") in failures
    assert any(p == "duration" and "is not a LiteLLM duration" in r for p, r in failures)

    taken = unique("taken")
    seed_key(litellm_api, key_alias=taken)
    inputs, failures = host.check(KEY_URN, {}, {**news, "key_alias": taken, "soft_budget": 1, "duration": "1d"})
    assert failures == []
    with pytest.raises(HostError) as raised:
        host.create(KEY_URN, inputs)
    assert raised.value.code == grpc.StatusCode.UNKNOWN
    assert "LiteLLMAdminError: LiteLLM admin API POST /key/generate failed (HTTP 400" in raised.value.details
    assert "already exists on the gateway" in raised.value.details
    assert master not in raised.value.details
    assert re.search(r"sk-[A-Za-z0-9_-]{6,}", raised.value.details) is None  # no key value in the traceback
    assert len(live_tokens(litellm_api)) == 1


# --- tags[] and guardrails[] ---------------------------------------------------------------------


def test_tag_and_guardrail_through_the_host(host, litellm_api):
    from dynamic_providers.guardrail import GuardrailProvider
    from dynamic_providers.tag import TagProvider

    tag_urn, guardrail_urn = urn_for("dynamic/litellm:Tag", "t"), urn_for("dynamic/litellm:Guardrail", "g")
    name, secret = unique("tag"), "sk-guard-host-0123456789"
    inputs, failures = host.check(tag_urn, {}, {**connection(litellm_api), "__provider": engine_provider(TagProvider()),
                                                "name": name, "models": ["m"], "rpm_limit": 5})
    assert failures == []
    tag_id, outs = host.create(tag_urn, inputs)
    assert tag_id == name and host.read(tag_id, tag_urn, outs)[0] == name
    host.delete(tag_id, tag_urn, outs)

    news = {**connection(litellm_api, request_timeout=30), "__provider": engine_provider(GuardrailProvider()),
            "guardrail_name": unique("gr"), "provider": "generic_guardrail_api", "mode": "pre_call",
            "api_base": "http://127.0.0.1:9/guard", "api_key": secret}
    inputs, failures = host.check(guardrail_urn, {}, news)
    assert failures == []
    guardrail_id, outs = host.create(guardrail_urn, inputs)
    assert outs["guardrail_id"] == guardrail_id and outs["api_key"] == secret  # ours, not the answer's
    read_id, read_outs, _ = host.read(guardrail_id, guardrail_urn, outs)
    assert read_id == guardrail_id and read_outs["api_key"] == secret
    assert host.diff(guardrail_id, guardrail_urn, read_outs, inputs).changes == provider_pb2.DiffResponse.DIFF_NONE
    host.delete(guardrail_id, guardrail_urn, outs)
    assert secret not in host.stderr
