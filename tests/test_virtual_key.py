"""litellm:VirtualKey provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD,
drift, import, deletion (by hand and with the key's team) and faults. State is inspected with real admin reads
and SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.virtual_key import VirtualKeyProvider
from pulumi.output import Unknown
from tests.support.providers import TEST_STACK, checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

# check and diff never call LiteLLM: no server behind this URL.
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")


@pytest.fixture
def provider():
    return VirtualKeyProvider()


def news_for(api, **fields):
    return connection(api, **{
        "key_alias": "alice", "models": ["granite-8b-instruct"], "max_budget": 25.0, "soft_budget": 20.0,
        "budget_duration": "30d", "duration": "90d", "tpm_limit": 10000, "metadata": {"owner": "alice"}, **fields})


def changed(inputs, **changes):
    news = {**inputs, **changes}
    return {k: v for k, v in news.items() if v is not None}


def create(provider, api, **fields):
    return created(provider, news_for(api, **fields))


def sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def key_info(backend, token):
    """`/key/info` as LiteLLM answers it; a deleted key answers 200 with `"status": "deleted"`."""
    return backend.admin_json("GET", "/key/info", params={"key": token})["info"]


def live_tokens(backend, alias=None):
    where = f"""WHERE key_alias = '{alias}'""" if alias else ""
    return sorted(row[0] for row in backend.db.rows(f'SELECT token FROM "LiteLLM_VerificationToken" {where}'))


def deleted_tokens(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT token FROM "LiteLLM_DeletedVerificationToken"'))


def instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def admin_calls(api):
    return [c for c in api.calls if not c.path.startswith("/health")]


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


# --- faults --------------------------------------------------------------------------------------


def assert_one_key(backend, outs, alias="alice"):
    assert live_tokens(backend, alias=alias) == [outs["token"]] and sha256(outs["key"]) == outs["token"]


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, fault):
    # The real proxy has committed the key; only the answer is lost (fault proxy, when="after").
    if fault == "drop":
        litellm_api.drop("POST", "/key/generate", when="after")
    elif fault == "timeout":
        litellm_api.delay("POST", "/key/generate", seconds=3.0, when="after")
    else:
        litellm_api.non_json_500("POST", "/key/generate", when="after")
    _, _, outs = create(provider, litellm_api, request_timeout=1.0)
    assert_one_key(litellm_api.backend, outs)
    assert instant(outs["expires"]) == instant(key_info(litellm_api.backend, outs["token"])["expires"])
    assert len(litellm_api.calls_to("POST", "/key/generate")) == 1
    assert len(litellm_api.calls_to("GET", "/key/list")) == 1  # probed by alias, found by hash


def test_create_survives_a_503_burst_before_commit(provider, litellm_api):
    litellm_api.fail("POST", "/key/generate", status=503, times=2)
    _, _, outs = create(provider, litellm_api)
    assert_one_key(litellm_api.backend, outs)
    assert [c.status for c in litellm_api.calls_to("POST", "/key/generate")] == [503, 503, 200]


def test_create_with_a_taken_alias_fails_without_creating(provider, litellm_api):
    taken = litellm_api.backend.admin_json("POST", "/key/generate", json={"key_alias": "alice"})["token"]
    with pytest.raises(LiteLLMAdminError, match="already exists on the gateway .* choose another alias"):
        create(provider, litellm_api)
    assert live_tokens(litellm_api.backend) == [taken]
    assert [c.status for c in litellm_api.calls_to("POST", "/key/generate")] == [400]


def test_lost_answer_with_the_alias_taken_by_someone_else(provider, litellm_api):
    litellm_api.fail("POST", "/key/generate", status=503, times=1)
    # Appears in between (not ours: a different hash); the admin call bypasses the fault proxy.
    taken = litellm_api.backend.admin_json("POST", "/key/generate", json={"key_alias": "alice"})["token"]
    with pytest.raises(LiteLLMAdminError, match="alias 'alice' now belongs to another key"):
        create(provider, litellm_api)
    assert live_tokens(litellm_api.backend) == [taken]


def test_update_retries_503_and_resets(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    litellm_api.fail("POST", "/key/update", status=503, times=2)
    litellm_api.drop("POST", "/key/update", when="after")
    provider.update(token, outs, checked(provider, inputs, changed(inputs, rpm_limit=7)))
    assert key_info(litellm_api.backend, token)["rpm_limit"] == 7
    assert [c.status for c in litellm_api.calls_to("POST", "/key/update")] == [503, 503, None, 200]


def test_delete_after_a_reset_past_commit(provider, litellm_api):
    _, token, outs = create(provider, litellm_api)
    litellm_api.drop("POST", "/key/delete", when="after")
    provider.delete(token, outs)
    assert live_tokens(litellm_api.backend) == [] and deleted_tokens(litellm_api.backend) == [token]
    assert [c.status for c in litellm_api.calls_to("POST", "/key/delete")] == [None, 404]


def test_the_raw_key_never_reaches_logs_or_errors(provider, litellm_api, caplog):
    caplog.set_level(logging.DEBUG)
    litellm_api.drop("POST", "/key/generate", when="after")
    _, token, outs = create(provider, litellm_api)
    # A 400 that echoes the raw key: the real proxy does not, a proxy in front of it might.
    litellm_api.fail("POST", "/key/update", status=400, body={"error": {
        "message": f"cannot update {outs['key']}: bad", "type": "bad_request_error", "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        provider.update(token, outs, checked(provider, outs, changed(outs, max_budget=30.0)))
    master = litellm_api.backend.master_key
    assert outs["key"] not in str(raised.value) and outs["key"] not in caplog.text
    assert master not in caplog.text and master not in str(raised.value)


# --- day 2: state compatibility, expiry, rotation, adoption ------------------------------------------

DAY2_NAMES = ("rotation", "rotate_every", "rotation_grace_period", "renew", "adopt", "token_hash", "issued_at",
              "rotation_due", "renewal_due", "expired", "held_by_user", "retired")


def before_day2(props):
    """State as the provider wrote it before day 2: none of the new inputs or outputs."""
    return {k: v for k, v in props.items() if k not in DAY2_NAMES}


def program_inputs(api, **fields):
    """What VirtualKey sends from the program now: the day-2 inputs with their defaults."""
    return news_for(api, **{"renew": False, "adopt": False, **fields})


def works(backend, raw) -> bool:
    """The user's own check (`GET /key/info` with the key as the Bearer token) succeeds."""
    return backend.admin("GET", "/key/info", key=raw).status_code == 200


def alias_of(backend, token):
    return key_info(backend, token)["key_alias"]


def test_state_written_before_day2_has_no_diff(provider, litellm_api):
    old_inputs, token, outs = create(provider, litellm_api)
    old_inputs, old_outs = before_day2(old_inputs), before_day2(outs)
    news = checked(provider, old_inputs, program_inputs(litellm_api))
    assert news.get("rotation_due") is None and news.get("renewal_due") is None
    assert provider.diff(token, old_outs, news).changes is False
    refreshed = provider.read(token, old_outs)
    assert not refreshed.outs.get("expired") and refreshed.outs["issued_at"]  # from the key's created_at
    again = checked(provider, refreshed.inputs, program_inputs(litellm_api))
    assert provider.diff(token, refreshed.outs, again).changes is False


def test_expired_key_is_shown_on_refresh_and_renew_extends_it(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, duration="2s")
    assert not outs.get("expired") and works(backend, outs["key"])
    time.sleep(2.5)
    assert not works(backend, outs["key"])  # LiteLLM's own expiry
    read = provider.read(token, outs)
    assert read.outs["expired"] is True and read.inputs["expired"] is True

    # Without renew: nothing to do on `up`, the key stays expired.
    kept = checked(provider, read.inputs, program_inputs(litellm_api, duration="2s"))
    assert "renewal_due" not in kept and provider.diff(token, read.outs, kept).changes is False

    news = checked(provider, read.inputs, program_inputs(litellm_api, duration="1h", renew=True))
    assert "expired" in news["renewal_due"] and "1h" in news["renewal_due"]  # what the preview shows
    assert provider.diff(token, read.outs, news).changes is True
    litellm_api.reset_calls()
    renewed = provider.update(token, read.outs, news)
    assert [(c.path, c.body) for c in admin_calls(litellm_api)] == [("/key/update", {"key": token, "duration": "1h"})]
    left = instant(renewed.outs["expires"]) - dt.datetime.now(dt.timezone.utc)
    assert dt.timedelta(minutes=59) < left <= dt.timedelta(hours=1) and not renewed.outs.get("expired")
    assert works(backend, outs["key"]) and renewed.outs["key"] == outs["key"]
    # Renewed and refreshed: renew stays set but there is nothing more to do.
    read = provider.read(token, renewed.outs)
    settled = checked(provider, read.inputs, program_inputs(litellm_api, duration="1h", renew=True))
    assert provider.diff(token, read.outs, settled).changes is False


@pytest.mark.every_litellm_version
def test_rotation_keeps_the_old_value_for_the_grace_period(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, rotation="1", rotation_grace_period="2s", team_id=None)
    backend.admin_json("POST", "/key/update", json={"key": token, "spend": 1.25})
    assert provider.diff(token, outs, checked(provider, inputs, dict(inputs))).changes is False

    news = checked(provider, inputs, changed(inputs, rotation="2"))
    assert news["rotation_due"] == "rotation changed from '1' to '2'"  # the preview's reason
    assert provider.diff(token, outs, news).changes is True
    rotated = provider.update(token, outs, news).outs
    new_token, new_raw = rotated["token"], rotated["key"]
    assert new_token != token and new_raw != outs["key"] and sha256(new_raw) == new_token
    assert works(backend, outs["key"]) and works(backend, new_raw)  # both during the grace period
    info = key_info(backend, new_token)
    assert info["key_alias"] == "alice" and info["models"] == ["granite-8b-instruct"] and info["max_budget"] == 25.0
    assert info["tpm_limit"] == 10000 and info["budget_duration"] == "30d" and \
        info["metadata"] == {"litemaas_stack": TEST_STACK, "owner": "alice"}  # the new value stamped too
    assert info["litellm_budget_table"]["soft_budget"] == 20.0
    assert info["spend"] == 1.25  # carried over
    assert alias_of(backend, token).startswith("alice.rotated-")
    assert [r["token"] for r in rotated["retired"]] == [token]
    assert live_tokens(backend, alias="alice") == [new_token]

    time.sleep(2.5)
    assert not works(backend, outs["key"]) and works(backend, new_raw)  # only the new value after it

    # The state keeps the first id; read, diff and delete follow the `token` output.
    read = provider.read(token, rotated)
    assert read.id == token and read.outs["token"] == new_token and read.outs["key"] == new_raw
    assert provider.diff(token, read.outs, checked(provider, read.inputs, dict(news))).changes is False
    provider.delete(token, read.outs)
    assert live_tokens(backend) == []


@pytest.mark.every_litellm_version
def test_rotation_without_grace_revokes_at_once_and_rotate_every(provider, litellm_api):
    backend = litellm_api.backend
    inputs, token, outs = create(provider, litellm_api, rotate_every="3s", rotation_grace_period="0")
    assert "rotation_due" not in checked(provider, inputs, dict(inputs))  # not yet 3s old
    time.sleep(3.2)
    news = checked(provider, inputs, dict(inputs))
    assert news["rotation_due"].startswith("rotateEvery 3s: the value was issued ")
    assert instant(news["issued_at"]) > instant(inputs["issued_at"])
    rotated = provider.update(token, outs, news).outs
    assert not works(backend, outs["key"]) and works(backend, rotated["key"])
    assert not rotated.get("retired") and deleted_tokens(backend) == [token]
    assert live_tokens(backend) == [rotated["token"]]


def test_rotate_every_counts_from_the_stored_issue_time(provider):
    olds = checked(provider, {}, news_for(OFFLINE, rotate_every="90d"))
    olds["issued_at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=91)).isoformat()
    news = checked(provider, olds, news_for(OFFLINE, rotate_every="90d"))
    assert news["rotation_due"].startswith("rotateEvery 90d: the value was issued ") and "91d ago" in news["rotation_due"]
    olds["issued_at"] = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=89)).isoformat()
    news = checked(provider, olds, news_for(OFFLINE, rotate_every="90d"))
    assert "rotation_due" not in news and news["issued_at"] == olds["issued_at"]
    assert provider.diff("t", {**olds, "key": "sk-x"}, news).changes is False


@pytest.mark.parametrize("field, value, reason", [
    ("rotation_grace_period", "1y", "rotation_grace_period: '1y' is not a LiteLLM duration"),
    ("rotate_every", "soon", "rotate_every: 'soon' is not a LiteLLM duration"),
    ("token_hash", "sk-abc", "64 lower-case hex digits"),
])
def test_check_rejects_bad_lifecycle_inputs(provider, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def make_legacy_key(backend, alias, **fields):
    made = backend.admin_json("POST", "/key/generate", json={
        **({"key_alias": alias} if alias else {}), "models": ["m1"], "max_budget": 10.0, "metadata": {"team": "x"},
        **fields})
    return made["key"], made["token"]


def test_adopting_a_key_by_alias_keeps_the_users_value(provider, litellm_api):
    backend = litellm_api.backend
    raw, token = make_legacy_key(backend, "legacy")
    litellm_api.reset_calls()
    inputs, adopted_id, outs = created(provider, connection(litellm_api, key_alias="legacy", models=["m1", "m2"],
                                                            max_budget=20.0, adopt=True))
    assert adopted_id == token == outs["token"] and outs.get("key") is None and outs["held_by_user"] is True
    assert [c.path for c in admin_calls(litellm_api) if c.method == "POST"] == ["/key/update"]
    assert live_tokens(backend) == [token] and works(backend, raw)  # nothing created, the value unchanged
    info = key_info(backend, token)
    assert info["models"] == ["m1", "m2"] and info["max_budget"] == 20.0
    assert info["metadata"]["team"] == "x" and "litemaas_adopted" in info["metadata"]
    read = provider.read(token, outs)
    assert read.outs["held_by_user"] is True and read.outs.get("key") is None
    assert provider.diff(token, read.outs, checked(provider, read.inputs, dict(inputs))).changes is False
    # A metadata change keeps the adoption stamp.
    updated = provider.update(token, read.outs, checked(provider, inputs, changed(inputs, metadata={"o": "1"})))
    assert "litemaas_adopted" in key_info(backend, token)["metadata"] and updated.outs["held_by_user"] is True

    with pytest.raises(LiteLLMAdminError, match="already adopted by a stack"):
        created(provider, connection(litellm_api, key_alias="legacy", adopt=True))
    with pytest.raises(LiteLLMAdminError, match="no key with alias 'ghost' to adopt"):
        created(provider, connection(litellm_api, key_alias="ghost", adopt=True))
    assert live_tokens(backend) == [token]


def test_adopting_a_key_without_alias_by_token_hash_then_rotating_it(provider, litellm_api):
    backend = litellm_api.backend
    raw, token = make_legacy_key(backend, None)
    inputs, _, outs = created(provider, connection(litellm_api, key_alias="bob", models=["m1"], token_hash=token,
                                                   rotation_grace_period="0"))
    assert outs["held_by_user"] is True and alias_of(backend, token) == "bob" and works(backend, raw)
    with pytest.raises(LiteLLMAdminError, match=r"no key with token 000000000000… to adopt"):
        created(provider, connection(litellm_api, key_alias="x", token_hash="0" * 64))
    rotated = provider.update(token, outs, checked(provider, inputs, changed(inputs, rotation="1"))).outs
    assert rotated["held_by_user"] is False and rotated["key"].startswith("sk-") and not works(backend, raw)
    assert key_info(backend, rotated["token"])["key_alias"] == "bob"


# --- tags and guardrails (Enterprise-only on keys in 1.108.7) ------------------------------------


@pytest.mark.parametrize("field", ["tags", "guardrails"])
def test_enterprise_only_fields_are_refused_by_the_unlicensed_proxy(provider, litellm_api, field):
    # The stack config refuses them at preview unless litellmEnterprise; this is what happens past that guard.
    with pytest.raises(LiteLLMAdminError) as caught:
        create(provider, litellm_api, **{field: ["t-1"]})
    assert caught.value.status == 403 and caught.value.enterprise_only
    assert live_tokens(litellm_api.backend) == []


def test_declared_tags_and_guardrails_are_read_from_the_key_metadata(provider, litellm_api):
    inputs, token, outs = create(provider, litellm_api)
    # What a licensed proxy stores for `tags`/`guardrails`; written here through metadata (free) to see the read side.
    litellm_api.backend.admin_json("POST", "/key/update", json={
        "key": token, "metadata": {"owner": "alice", "tags": ["b", "a"], "guardrails": ["g-2"]}})
    declared = {**outs, "tags": ["a", "b"], "guardrails": ["g-1"]}
    read = provider.read(token, declared)
    assert read.outs["tags"] == ["a", "b"]  # the same set in another order: no drift
    assert read.outs["guardrails"] == ["g-2"] and read.outs["metadata"] == {"owner": "alice"}
    assert provider.diff(token, read.outs, {**inputs, "tags": ["b", "a"], "guardrails": ["g-1"]}).changes is True


# --- MCP server grants (object_permission.mcp_servers) -------------------------------------------


def test_mcp_server_grants_on_create_update_and_refresh(provider, litellm_api):
    backend = litellm_api.backend
    suffix = uuid.uuid4().hex[:8]
    a, b = f"a_{suffix}", f"b_{suffix}"
    for server_id in (a, b):
        backend.admin_json("POST", "/v1/mcp/server", json={"server_id": server_id, "server_name": f"tools_{server_id}",
                                                           "url": "http://127.0.0.1:9/mcp"})
    granted = lambda token: key_info(backend, token)["object_permission"]["mcp_servers"]  # noqa: E731
    inputs, token, outs = create(provider, litellm_api, key_alias=f"mcp-{suffix}", mcp_servers=[a, b])
    assert sorted(granted(token)) == [a, b]
    (generate,) = litellm_api.calls_to("POST", "/key/generate")
    assert generate.body["object_permission"] == {"mcp_servers": [a, b]} and "mcp_servers" not in generate.body
    read = provider.read(token, outs)
    assert provider.diff(token, read.outs, inputs).changes is False

    news = checked(provider, inputs, changed(inputs, mcp_servers=[b]))
    assert provider.diff(token, outs, news).replaces == []
    litellm_api.reset_calls()
    outs = provider.update(token, outs, news).outs
    (update,) = litellm_api.calls_to("POST", "/key/update")
    assert update.body == {"key": token, "object_permission": {"mcp_servers": [b]}} and granted(token) == [b]

    backend.admin_json("POST", "/key/update", json={"key": token, "object_permission": {"mcp_servers": [a]}})
    assert provider.read(token, outs).outs["mcp_servers"] == [a]
    provider.update(token, outs, checked(provider, news, changed(news, mcp_servers=None)))
    assert granted(token) == []


def test_refresh_stores_the_inputs_the_program_sends_again(provider, litellm_api):
    """Inputs from a refresh equal the next `check`'s for a key declaring only an alias, budget and models: any
    difference (an empty `metadata` map, say) makes the engine save the whole state after every key of the next
    `up` (measured: 10+ minutes at 2,000 keys instead of one minute)."""
    program = {k: v for k, v in news_for(litellm_api, key_alias=f"plain-{uuid.uuid4().hex[:8]}", metadata=None,
                                         soft_budget=None, duration=None, tpm_limit=None).items() if v is not None}
    inputs, token, outs = created(provider, program)
    read = provider.read(token, outs)
    assert checked(provider, read.inputs, program) == read.inputs
    assert not {"metadata", "retired", "expired"} & set(read.outs)
