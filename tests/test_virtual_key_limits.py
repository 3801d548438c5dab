"""`allowed_routes` and the per-model limits (`model_rpm_limit`, `model_tpm_limit`) of litellm:VirtualKey and
litellm:Team against the real LiteLLM proxy: set, updated in place, drift on refresh, removal, and what the proxy
enforces (a route outside the list: 403; a model's requests past its limit: 429)."""

from __future__ import annotations

import uuid

import pytest

from dynamic_providers.team import TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.keys import OFFLINE, changed, create, key_info, news_for
from tests.support.providers import TEST_STACK, checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def keys():
    return VirtualKeyProvider()


@pytest.fixture
def teams():
    return TeamProvider()


@pytest.fixture
def model(litellm_api):
    """A model answering without an upstream (`mock_response`), named per test: the rate limiter's counters are
    the proxy's, kept across the per-test database reset."""
    name = f"mock-{uuid.uuid4().hex[:8]}"
    litellm_api.backend.admin_json("POST", "/model/new", json={"model_name": name, "litellm_params": {
        "model": "openai/fake", "api_key": "x", "mock_response": "hello"}})
    return name


def ask(backend, key, model, path="/chat/completions"):
    return backend.admin("POST", path, key=key,
                         json={"model": model, "messages": [{"role": "user", "content": "hi"}]})


def statuses(backend, key, model, count=3):
    return [ask(backend, key, model).status_code for _ in range(count)]


def team_info(backend, team_id):
    return backend.admin_json("GET", "/team/info", params={"team_id": team_id})["team_info"]


@pytest.mark.parametrize("provider, field, value, reason", [
    (VirtualKeyProvider(), "model_rpm_limit", {"m": 1.5}, "model_rpm_limit: the value of 'm' must be a whole number"),
    (VirtualKeyProvider(), "model_tpm_limit", {"m": -1}, "must be a whole number 0 or more"),
    (VirtualKeyProvider(), "allowed_routes", "/models", "allowed_routes must be a list"),
    (TeamProvider(), "model_rpm_limit", {"m": "ten"}, "the value of 'm' must be a whole number"),
])
def test_check_refuses_bad_routes_and_limits(provider, field, value, reason):
    news = news_for(OFFLINE) if isinstance(provider, VirtualKeyProvider) else connection(OFFLINE, team_alias="t")
    failures = provider.check({}, {**news, field: value}).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_a_change_of_routes_or_limits_is_no_replacement(keys, teams):
    olds = checked(keys, {}, news_for(OFFLINE, allowed_routes=["/models"], model_rpm_limit={"m": 2.0}))
    assert olds["model_rpm_limit"] == {"m": 2}  # gRPC's floats made whole again
    for change in ({"allowed_routes": ["/chat/completions"]}, {"allowed_routes": None}, {"model_rpm_limit": None},
                   {"model_tpm_limit": {"m": 100}}):
        result = keys.diff("t", olds, changed(olds, **change))
        assert (result.changes, result.replaces) == (True, []), change
    assert keys.diff("t", olds, changed(olds, allowed_routes=["/models"], model_rpm_limit={"m": 2})).changes is False
    team = checked(teams, {}, connection(OFFLINE, team_alias="t", model_rpm_limit={"m": 2}))
    result = teams.diff("t", team, {**team, "model_rpm_limit": {"m": 3}})
    assert (result.changes, result.replaces) == (True, [])


@pytest.mark.every_litellm_version
def test_a_key_with_allowed_routes_is_refused_elsewhere_until_they_are_removed(keys, litellm_api, model):
    backend = litellm_api.backend
    inputs, token, outs = create(keys, litellm_api, models=[model], allowed_routes=["/v1/models"])
    assert key_info(backend, token)["allowed_routes"] == ["/v1/models"]
    assert backend.admin("GET", "/v1/models", key=outs["key"]).status_code == 200
    refused = ask(backend, outs["key"], model)
    assert refused.status_code == 403 and "not allowed to call this route" in refused.text
    assert keys.read(token, outs).outs == outs  # no drift

    # In place: another route (a path also allows the paths below it).
    news = checked(keys, inputs, changed(inputs, allowed_routes=["/chat/completions", "/v1/chat"]))
    litellm_api.reset_calls()
    outs = keys.update(token, outs, news).outs
    assert [c.body for c in litellm_api.calls_to("POST", "/key/update")] == [
        {"key": token, "allowed_routes": ["/chat/completions", "/v1/chat"]}]
    assert ask(backend, outs["key"], model).status_code == 200
    assert ask(backend, outs["key"], model, "/v1/chat/completions").status_code == 200  # below /v1/chat
    assert backend.admin("GET", "/v1/models", key=outs["key"]).status_code == 403

    backend.admin_json("POST", "/key/update", json={"key": token, "allowed_routes": ["/v1/models"]})  # by hand
    read = keys.read(token, outs)
    assert read.outs["allowed_routes"] == ["/v1/models"] and keys.diff(token, read.outs, news).changes is True

    unset = checked(keys, news, changed(news, allowed_routes=None))
    litellm_api.reset_calls()
    outs = keys.update(token, read.outs, unset).outs
    # `[]` is LiteLLM's "every route" (a null is not stored).
    assert [c.body for c in litellm_api.calls_to("POST", "/key/update")] == [{"key": token, "allowed_routes": []}]
    assert key_info(backend, token)["allowed_routes"] == []
    assert ask(backend, outs["key"], model).status_code == 200
    assert backend.admin("GET", "/v1/models", key=outs["key"]).status_code == 200
    assert keys.read(token, outs).outs == outs


@pytest.mark.every_litellm_version
def test_a_keys_per_model_rpm_limit_is_enforced_kept_in_metadata_and_cleared(keys, litellm_api, model):
    backend = litellm_api.backend
    inputs, token, outs = create(keys, litellm_api, models=[model], model_rpm_limit={model: 1})
    info = key_info(backend, token)
    assert info["metadata"] == {"owner": "alice", "litemaas_stack": TEST_STACK, "model_rpm_limit": {model: 1}}
    assert keys.read(token, outs).outs == outs  # LiteLLM's metadata entry is neither metadata drift nor a change
    found = statuses(backend, outs["key"], model)
    assert found[0] == 200 and 429 in found[1:], found

    # A metadata change alone: /key/update replaces the metadata, so the limits go with it again.
    news = checked(keys, inputs, changed(inputs, metadata={"owner": "alice", "team": "ml"},
                                         model_tpm_limit={model: 100000}))
    litellm_api.reset_calls()
    outs = keys.update(token, outs, news).outs
    body = litellm_api.calls_to("POST", "/key/update")[0].body
    assert (body["model_tpm_limit"], body["model_rpm_limit"]) == ({model: 100000}, {model: 1})
    metadata = key_info(backend, token)["metadata"]
    assert (metadata["team"], metadata["model_rpm_limit"], metadata["model_tpm_limit"]) == (
        "ml", {model: 1}, {model: 100000})

    backend.admin_json("POST", "/key/update", json={"key": token, "model_rpm_limit": {model: 5}})  # by hand
    read = keys.read(token, outs)
    assert read.outs["model_rpm_limit"] == {model: 5} and read.outs["metadata"] == {"owner": "alice", "team": "ml"}

    unset = checked(keys, news, changed(news, model_rpm_limit=None, model_tpm_limit=None))
    litellm_api.reset_calls()
    outs = keys.update(token, read.outs, unset).outs
    assert [c.body for c in litellm_api.calls_to("POST", "/key/update")] == [
        {"key": token, "model_rpm_limit": {}, "model_tpm_limit": {}}]  # a null is skipped: {} clears
    metadata = key_info(backend, token)["metadata"]
    assert not metadata.get("model_rpm_limit") and not metadata.get("model_tpm_limit")
    assert keys.read(token, outs).outs == outs
    assert ask(backend, outs["key"], model).status_code == 200  # no per-model counter any more


@pytest.mark.every_litellm_version
def test_a_teams_per_model_limits_are_enforced_on_its_keys_updated_in_place_and_cleared(teams, litellm_api, model):
    backend = litellm_api.backend
    inputs, team_id, outs = created(teams, connection(litellm_api, team_alias="limited", models=[model],
                                                      metadata={"owner": "ml"}, model_rpm_limit={model: 1}))
    assert team_info(backend, team_id)["metadata"] == {"owner": "ml", "litemaas_stack": TEST_STACK,
                                                       "model_rpm_limit": {model: 1}}
    assert teams.read(team_id, outs).outs == outs
    key = backend.admin_json("POST", "/key/generate", json={"team_id": team_id, "models": [model]})["key"]
    found = statuses(backend, key, model)
    assert found[0] == 200 and 429 in found[1:], found

    news = checked(teams, inputs, next_program_inputs(inputs, "team_id", metadata={"owner": "ops"},
                                                       model_tpm_limit={model: 100000}))
    litellm_api.reset_calls()
    outs = teams.update(team_id, outs, news).outs
    assert [c.body for c in litellm_api.calls_to("PATCH", f"/team/{team_id}")] == [
        {"metadata": {"owner": "ops"}, "model_tpm_limit": {model: 100000}}]
    metadata = team_info(backend, team_id)["metadata"]
    assert (metadata["owner"], metadata["model_rpm_limit"], metadata["model_tpm_limit"]) == (
        "ops", {model: 1}, {model: 100000})

    backend.admin_json("POST", "/team/update", json={"team_id": team_id, "model_rpm_limit": {model: 7}})  # by hand
    read = teams.read(team_id, outs)
    assert read.outs["model_rpm_limit"] == {model: 7} and read.outs["metadata"] == {"owner": "ops"}

    unset = checked(teams, news, next_program_inputs(news, "team_id", model_rpm_limit=None, model_tpm_limit=None))
    litellm_api.reset_calls()
    outs = teams.update(team_id, read.outs, unset).outs
    assert [c.body for c in litellm_api.calls_to("PATCH", f"/team/{team_id}")] == [
        {"model_rpm_limit": {}, "model_tpm_limit": {}}]
    metadata = team_info(backend, team_id)["metadata"]
    assert not metadata.get("model_rpm_limit") and not metadata.get("model_tpm_limit")
    assert teams.read(team_id, outs).outs == outs
    assert ask(backend, key, model).status_code == 200
