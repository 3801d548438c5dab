"""litellm:VirtualKey provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD,
drift, import and deletion (by hand and with the key's team). State is inspected with real admin reads and SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.virtual_key import VirtualKeyProvider
from pulumi.output import Unknown
from tests.support.keys import (
    OFFLINE,
    admin_calls,
    changed,
    create,
    deleted_tokens,
    instant,
    key_info,
    live_tokens,
    news_for,
    sha256,
)
from tests.support.providers import TEST_STACK, checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return VirtualKeyProvider()


# --- check and diff ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("key_alias", None, "key_alias is required"),
    ("key_alias", "", "key_alias must not be empty"),
    ("max_budget", -1, "max_budget must be 0 or more, got -1"),
    ("soft_budget", 30.0, "soft_budget 30 is greater than max_budget 25"),
    ("budget_duration", "30 days", "is not a LiteLLM duration"),
    ("duration", "0d", "is not a LiteLLM duration"),
    ("max_parallel_requests", 0, "max_parallel_requests must be 1 or more"),
    ("models", ["a", "a"], "models lists a value twice"),
    ("metadata", ["x"], "metadata must be an object"),
    ("blocked", "yes", "blocked must be true or false"),
])
def test_check_rejects_bad_inputs_with_precise_messages(provider, field, value, reason):
    news = news_for(OFFLINE)
    news[field] = value
    if field == "key_alias" and value is None:
        news.pop(field)
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_check_stores_only_what_was_declared_and_allows_unknown_team(provider):
    inputs = checked(provider, {}, connection(OFFLINE, key_alias="bob", team_id=Unknown()))
    # Defaults apply when unset; writing them into thousands of keys' inputs would only grow the state.
    assert not {"models", "metadata", "blocked", "verify_tls", "allow_insecure_http"} & set(inputs)


def test_diff_never_replaces(provider):
    olds = checked(provider, {}, news_for(OFFLINE))
    assert provider.diff("t", olds, dict(olds)).changes is False
    for change in ({"max_budget": 50.0}, {"key_alias": "alice2"}, {"team_id": "team-1"}, {"duration": "30d"},
                   {"models": []}, {"blocked": True}, {"master_key": "sk-new-master-key-0000"},
                   {"team_id": Unknown()}):
        result = provider.diff("t", olds, changed(olds, **change))
        assert (result.changes, result.replaces) == (True, []), change


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_full_lifecycle_and_call_counts(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api)
    assert outs["key"].startswith("sk-") and len(outs["key"]) > 40
    assert token == outs["token"] == sha256(outs["key"]) and live_tokens(backend) == [token]
    info = key_info(backend, token)
    assert info["key_alias"] == "alice" and info["max_budget"] == 25.0 and info["tpm_limit"] == 10000
    assert backend.db.rows(f"""SELECT b.soft_budget FROM "LiteLLM_BudgetTable" b JOIN "LiteLLM_VerificationToken" t
                               ON t.budget_id = b.budget_id WHERE t.token = '{token}'""") == [["20"]]
    assert instant(outs["expires"]) - instant(info["expires"]) < dt.timedelta(milliseconds=1)
    assert outs["key_name"] == info["key_name"]
    assert [(c.method, c.path) for c in admin_calls(litellm_api)] == [("POST", "/key/generate")]

    litellm_api.reset_calls()
    read = provider.read(token, outs)
    # /key/info answers `expires` in milliseconds with +00:00 where /key/generate answered microseconds and Z:
    # the same instant is no change.
    assert read.id == token and read.outs == outs
    assert litellm_api.read_count == 1 and litellm_api.write_count == 0
    assert all(outs["key"] not in str(c.query) for c in litellm_api.calls)  # the raw key never goes into a URL

    litellm_api.reset_calls()
    news = checked(provider, inputs, changed(inputs, max_budget=50.0))
    updated = provider.update(token, outs, news)
    assert [(c.method, c.path, c.body, c.status) for c in admin_calls(litellm_api)] == \
        [("POST", "/key/update", {"key": token, "max_budget": 50.0}, 200)]
    assert key_info(backend, token)["max_budget"] == 50.0 and updated.outs["key"] == outs["key"]

    litellm_api.reset_calls()
    news = checked(provider, news, changed(news, key_alias="alice-2", models=[], duration=None, blocked=True,
                                           metadata={"owner": "alice", "cost_center": "42"}, soft_budget=None))
    updated = provider.update(token, updated.outs, news)
    body = litellm_api.calls_to("POST", "/key/update")[0].body
    assert body == {"key": token, "key_alias": "alice-2", "models": [], "soft_budget": None, "duration": None,
                    # LiteLLM replaces the metadata: the owning stack's stamp is sent again with it.
                    "metadata": {"litemaas_stack": TEST_STACK, "owner": "alice", "cost_center": "42"}, "blocked": True}
    info = key_info(backend, token)
    assert (info["key_alias"], info["models"], info["expires"], info["blocked"]) == ("alice-2", [], None, True)
    assert info["metadata"] == {"litemaas_stack": TEST_STACK, "owner": "alice", "cost_center": "42"}
    assert info["litellm_budget_table"]["soft_budget"] is None and updated.outs.get("expires") is None
    assert provider.read(token, updated.outs).outs == updated.outs

    provider.delete(token, updated.outs)
    provider.delete(token, updated.outs)  # already gone = success
    assert [c.status for c in litellm_api.calls_to("POST", "/key/delete")] == [200, 404]
    assert live_tokens(backend) == [] and deleted_tokens(backend) == [token]
    assert key_info(backend, token)["status"] == "deleted"  # archived, still 200 ...
    assert provider.read(token, updated.outs).id == ""  # ... which the provider reads as gone


def test_changing_duration_moves_expiry(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api, duration="1d")
    updated = provider.update(token, outs, checked(provider, inputs, changed(inputs, duration="30d")))
    moved = instant(updated.outs["expires"]) - instant(outs["expires"])
    assert dt.timedelta(days=28) < moved < dt.timedelta(days=30)
    assert instant(updated.outs["expires"]) == instant(key_info(litellm_api.backend, token)["expires"])


def test_connection_only_change_sends_nothing(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    litellm_api.reset_calls()
    news = checked(provider, inputs, changed(inputs, admin_url=litellm_api.url + "/", request_timeout=9.0))
    assert provider.diff(token, outs, news).changes is True
    result = provider.update(token, outs, news)
    assert litellm_api.calls == [] and result.outs["key"] == outs["key"] and result.outs["request_timeout"] == 9.0


@pytest.mark.every_litellm_version
def test_a_forced_replacement_frees_the_alias_for_the_new_key(provider, litellm_api):
    """`delete_before_replace`: LiteLLM lets a new key take the alias of a deleted (archived) one."""
    backend = litellm_api.backend
    inputs, old_token, outs = create(provider, litellm_api)
    provider.delete(old_token, outs)
    _, new_token, new_outs = created(provider, inputs)
    assert new_token != old_token and new_outs["key"] != outs["key"]
    assert live_tokens(backend, alias="alice") == [new_token] and deleted_tokens(backend) == [old_token]
    assert provider.read(old_token, outs).id == "" and provider.read(new_token, new_outs).id == new_token


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    litellm_api.backend.admin_json("POST", "/key/update", json={
        "key": token, "max_budget": 99.0, "blocked": True, "models": ["other"],
        "metadata": {"owner": "mallory", "tags": ["x"], "extra": 1}, "duration": "1d"})
    read = provider.read(token, outs)
    assert read.outs["expires"] == key_info(litellm_api.backend, token)["expires"]  # a new instant: LiteLLM's
    assert instant(read.outs["expires"]) < instant(outs["expires"]) - dt.timedelta(days=80)
    assert read.outs["max_budget"] == 99.0 and read.outs["blocked"] is True and read.outs["models"] == ["other"]
    assert read.outs["metadata"] == {"owner": "mallory"}  # declared keys only; server-managed tags ignored
    assert read.outs["key"] == outs["key"]
    diff = provider.diff(token, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []


def test_server_values_for_undeclared_fields_are_not_drift(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api, tpm_limit=None, user_id=None)
    litellm_api.backend.admin_json("POST", "/key/update", json={
        "key": token, "tpm_limit": 500, "user_id": "default_user_id", "spend": 3.5})
    read = provider.read(token, outs)
    assert provider.diff(token, read.outs, inputs).changes is False


@pytest.mark.every_litellm_version
def test_refresh_sees_deleted_and_cascade_deleted_keys(provider, litellm_api):
    backend = litellm_api.backend
    _, token, outs = create(provider, litellm_api)
    backend.admin_json("POST", "/key/delete", json={"keys": [token]})
    assert provider.read(token, outs).id == ""

    team_id = backend.admin_json("POST", "/team/new", json={"team_alias": "ml"})["team_id"]
    inputs, token2, outs2 = create(provider, litellm_api, key_alias="bob", team_id=team_id)
    backend.admin_json("POST", "/team/delete", json={"team_ids": [team_id]})  # LiteLLM deletes the team's keys
    assert live_tokens(backend) == [] and deleted_tokens(backend) == sorted([token, token2])
    assert key_info(backend, token2)["status"] == "deleted"
    assert provider.read(token2, outs2).id == ""
    with pytest.raises(LiteLLMAdminError, match="no longer exists .* run `pulumi refresh`"):
        provider.update(token2, outs2, checked(provider, inputs, changed(inputs, max_budget=30.0)))
    provider.delete(token2, outs2)  # already gone = success
    assert [c.status for c in litellm_api.calls_to("POST", "/key/delete")] == [404]


@pytest.mark.every_litellm_version
def test_import_from_the_token_alone(provider, litellm_api):
    made = litellm_api.backend.admin_json("POST", "/key/generate", json={
        "key_alias": "legacy", "models": ["m1"], "max_budget": 10.0, "budget_duration": "7d",
        "metadata": {"team": "x"}})
    raw, token = made["key"], made["token"]
    read = provider.read(token, connection(litellm_api))
    assert read.id == token
    for source in (read.outs, read.inputs):
        assert source["key_alias"] == "legacy" and source["models"] == ["m1"] and source["max_budget"] == 10.0
        assert source["budget_duration"] == "7d" and source["metadata"] == {"team": "x"}
    assert read.outs.get("key") is None and read.outs["token"] == token and raw not in str(read.outs)
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(token, read.outs, again).changes is False
