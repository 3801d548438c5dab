"""litellm:VirtualKey provider against the LiteLLM test double: check, diff, CRUD, drift, import, faults."""

from __future__ import annotations

import hashlib
import logging

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.virtual_key import VirtualKeyProvider
from pulumi.output import Unknown
from tests.support.providers import MASTER, checked, connection, created



pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return VirtualKeyProvider()


def news_for(double, **fields):
    return connection(double, **{
        "key_alias": "alice", "models": ["granite-8b-instruct"], "max_budget": 25.0, "soft_budget": 20.0,
        "budget_duration": "30d", "duration": "90d", "tpm_limit": 10000, "metadata": {"owner": "alice"}, **fields})


def changed(inputs, **changes):
    news = {**inputs, **changes}
    return {k: v for k, v in news.items() if v is not None}


def create(provider, double, **fields):
    return created(provider, news_for(double, **fields))


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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
def test_check_rejects_bad_inputs_with_precise_messages(provider, double, field, value, reason):
    news = news_for(double)
    news[field] = value
    if field == "key_alias" and value is None:
        news.pop(field)
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_check_fills_defaults_and_allows_unknown_team(provider, double):
    inputs = checked(provider, {}, {"admin_url": double.url, "master_key": MASTER, "key_alias": "bob",
                                    "team_id": Unknown()})
    assert inputs["models"] == [] and inputs["metadata"] == {} and inputs["blocked"] is False
    assert inputs["verify_tls"] is True and inputs["request_timeout"] == 60.0


def test_diff_never_replaces(provider, double):
    olds = checked(provider, {}, news_for(double))
    assert provider.diff("t", olds, dict(olds)).changes is False
    for change in ({"max_budget": 50.0}, {"key_alias": "alice2"}, {"team_id": "team-1"}, {"duration": "30d"},
                   {"models": []}, {"blocked": True}, {"master_key": "sk-new-master-key-0000"},
                   {"team_id": Unknown()}):
        result = provider.diff("t", olds, changed(olds, **change))
        assert (result.changes, result.replaces) == (True, []), change


# --- lifecycle -----------------------------------------------------------------------------------


def test_full_lifecycle_and_call_counts(provider, double):
    inputs, token, outs = create(provider, double)
    assert outs["key"].startswith("sk-") and len(outs["key"]) > 40
    assert token == outs["token"] == sha256(outs["key"])
    row = double.keys[token]
    assert row["key_alias"] == "alice" and row["max_budget"] == 25.0 and row["expires"]
    assert double._budgets[row["budget_id"]]["soft_budget"] == 20.0
    assert outs["expires"] == row["expires"] and outs["key_name"] == row["key_name"]
    assert [(c.method, c.path) for c in double.calls if not c.path.startswith("/health")] == [("POST", "/key/generate")]

    double.reset_calls()
    read = provider.read(token, outs)
    assert read.id == token and read.outs == outs
    assert double.read_count == 1 and double.write_count == 0
    assert all(outs["key"] not in str(c.query) for c in double.calls)  # the raw key never goes into a URL

    double.reset_calls()
    news = checked(provider, inputs, changed(inputs, max_budget=50.0))
    updated = provider.update(token, outs, news)
    calls = [c for c in double.calls if not c.path.startswith("/health")]
    assert [(c.method, c.path, c.body) for c in calls] == [("POST", "/key/update", {"key": token, "max_budget": 50.0})]
    assert double.keys[token]["max_budget"] == 50.0 and updated.outs["key"] == outs["key"]

    double.reset_calls()
    news = checked(provider, news, changed(news, key_alias="alice-2", models=[], duration=None, blocked=True,
                                           metadata={"owner": "alice", "cost_center": "42"}, soft_budget=None))
    updated = provider.update(token, updated.outs, news)
    body = double.calls_to("POST", "/key/update")[0].body
    assert body == {"key": token, "key_alias": "alice-2", "models": [], "soft_budget": None, "duration": None,
                    "metadata": {"owner": "alice", "cost_center": "42"}, "blocked": True}
    row = double.keys[token]
    assert row["key_alias"] == "alice-2" and row["expires"] is None and row["blocked"] is True
    assert updated.outs["expires"] is None

    provider.delete(token, updated.outs)
    provider.delete(token, updated.outs)  # already gone = success
    assert double.keys == {} and token in double.deleted_keys
    assert provider.read(token, updated.outs).id == ""  # archived: status deleted
    # Every body passed litellm's own request models (litellm is a pinned test dependency).
    assert double.validating and double.ignored_fields() == {}


def test_changing_duration_moves_expiry(provider, double):
    inputs, token, outs = create(provider, double, duration="1d")
    updated = provider.update(token, outs, checked(provider, inputs, changed(inputs, duration="30d")))
    assert updated.outs["expires"] > outs["expires"] and updated.outs["expires"] == double.keys[token]["expires"]


def test_connection_only_change_sends_nothing(provider, double):
    inputs, token, outs = create(provider, double)
    double.reset_calls()
    news = checked(provider, inputs, changed(inputs, admin_url=double.url + "/", request_timeout=9.0))
    assert provider.diff(token, outs, news).changes is True
    result = provider.update(token, outs, news)
    assert double.calls == [] and result.outs["key"] == outs["key"] and result.outs["request_timeout"] == 9.0


# --- drift and import ----------------------------------------------------------------------------


def test_refresh_sees_hand_edits(provider, double):
    inputs, token, outs = create(provider, double)
    double.edit_key(token, max_budget=99.0, blocked=True, models=["other"],
                    metadata={"owner": "mallory", "tags": ["x"], "extra": 1})
    read = provider.read(token, outs)
    assert read.outs["max_budget"] == 99.0 and read.outs["blocked"] is True and read.outs["models"] == ["other"]
    assert read.outs["metadata"] == {"owner": "mallory"}  # declared keys only; server-managed tags ignored
    assert read.outs["key"] == outs["key"]
    diff = provider.diff(token, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []


def test_server_defaults_for_undeclared_fields_are_not_drift(provider, double):
    inputs, token, outs = create(provider, double, tpm_limit=None, user_id=None)
    double.edit_key(token, tpm_limit=500, user_id="default_user_id", spend=3.5)
    read = provider.read(token, outs)
    assert provider.diff(token, read.outs, inputs).changes is False


def test_refresh_sees_deleted_and_cascade_deleted_keys(provider, double):
    _, token, outs = create(provider, double)
    double.delete_key(token)
    assert provider.read(token, outs).id == ""

    team_id = double.seed_team("team-1", team_alias="ml")
    inputs, token2, outs2 = create(provider, double, key_alias="bob", team_id=team_id)
    double.delete_team(team_id)  # LiteLLM deletes the team's keys too
    assert provider.read(token2, outs2).id == ""
    with pytest.raises(LiteLLMAdminError, match="no longer exists .* run `pulumi refresh`"):
        provider.update(token2, outs2, checked(provider, inputs, changed(inputs, max_budget=30.0)))
    provider.delete(token2, outs2)  # already gone = success


def test_import_from_the_token_alone(provider, double):
    raw, token = double.seed_key(key_alias="legacy", models=["m1"], max_budget=10.0, budget_duration="7d",
                                 metadata={"team": "x"})
    read = provider.read(token, {"admin_url": double.url, "master_key": MASTER})
    assert read.id == token
    for source in (read.outs, read.inputs):
        assert source["key_alias"] == "legacy" and source["models"] == ["m1"] and source["max_budget"] == 10.0
        assert source["budget_duration"] == "7d" and source["metadata"] == {"team": "x"}
    assert read.outs["key"] is None and read.outs["token"] == token and raw not in str(read.outs)
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(token, read.outs, again).changes is False


# --- faults --------------------------------------------------------------------------------------


def assert_one_key(double, outs, alias="alice"):
    matching = [t for t, r in double.keys.items() if r["key_alias"] == alias]
    assert matching == [outs["token"]] and sha256(outs["key"]) == outs["token"]


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_create_after_the_answer_is_lost_past_commit(provider, double, fault):
    if fault == "drop":
        double.drop("POST", "/key/generate", when="after")
    elif fault == "timeout":
        double.delay("POST", "/key/generate", seconds=1.0, when="after")
    else:
        double.non_json_500("POST", "/key/generate", when="after")
    _, _, outs = create(provider, double, request_timeout=0.4)
    assert_one_key(double, outs)
    assert len(double.calls_to("POST", "/key/generate")) == 1
    assert len(double.calls_to("GET", "/key/list")) == 1  # probed by alias, found by hash


def test_create_survives_a_503_burst_before_commit(provider, double):
    double.fail("POST", "/key/generate", status=503, times=2)
    _, _, outs = create(provider, double)
    assert_one_key(double, outs)
    assert [c.status for c in double.calls_to("POST", "/key/generate")] == [503, 503, 200]


def test_create_with_a_taken_alias_fails_without_creating(provider, double):
    double.seed_key(key_alias="alice")
    with pytest.raises(LiteLLMAdminError, match="already exists on the gateway .* choose another alias"):
        create(provider, double)
    assert len(double.keys) == 1 and len(double.calls_to("POST", "/key/generate")) == 1


def test_lost_answer_with_the_alias_taken_by_someone_else(provider, double):
    double.fail("POST", "/key/generate", status=503, times=1)
    double.seed_key(key_alias="alice")  # appeared in between: not ours (different hash)
    with pytest.raises(LiteLLMAdminError, match="alias 'alice' now belongs to another key"):
        create(provider, double)
    assert len(double.keys) == 1


def test_update_retries_503_and_resets(provider, double):
    inputs, token, outs = create(provider, double)
    double.fail("POST", "/key/update", status=503, times=2)
    double.drop("POST", "/key/update", when="after")
    provider.update(token, outs, checked(provider, inputs, changed(inputs, rpm_limit=7)))
    assert double.keys[token]["rpm_limit"] == 7
    assert [c.status for c in double.calls_to("POST", "/key/update")] == [503, 503, None, 200]


def test_delete_after_a_reset_past_commit(provider, double):
    _, token, outs = create(provider, double)
    double.drop("POST", "/key/delete", when="after")
    provider.delete(token, outs)
    assert double.keys == {} and [c.status for c in double.calls_to("POST", "/key/delete")] == [None, 404]


def test_the_raw_key_never_reaches_logs_or_errors(provider, double, caplog):
    caplog.set_level(logging.DEBUG)
    double.drop("POST", "/key/generate", when="after")
    _, token, outs = create(provider, double)
    double.fail("POST", "/key/update", status=400, body={"error": {
        "message": f"cannot update {outs['key']}: bad", "type": "bad_request_error", "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        provider.update(token, outs, checked(provider, outs, changed(outs, max_budget=30.0)))
    assert outs["key"] not in str(raised.value) and outs["key"] not in caplog.text
    assert MASTER not in caplog.text and MASTER not in str(raised.value)
