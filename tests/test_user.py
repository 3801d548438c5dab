"""litellm:User provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import, the upsert trap of /user/update and the key cascade of /user/delete."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.user import UserHoldsKeysError, UserProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM


@pytest.fixture
def provider():
    return UserProvider()


@pytest.fixture
def uid():
    """User ids and emails unique per test: the proxy's caches outlive the per-test database reset."""
    return uuid.uuid4().hex[:8]


def news_for(api, uid, **fields):
    return connection(api, **{
        "user_id": f"alice-{uid}", "user_email": f"alice-{uid}@example.com", "user_role": "internal_user",
        "max_budget": 20.0, "budget_duration": "30d", "models": ["granite-8b-instruct"],
        "metadata": {"cost_center": "42"}, **fields})


def user_row(backend, user_id):
    rows = backend.db.rows(f"""SELECT user_email, user_role, max_budget, budget_duration, models
                               FROM "LiteLLM_UserTable" WHERE user_id = '{user_id}'""")
    return rows[0] if rows else None


def parallel_limit(backend, user_id):
    return backend.db.rows(f"""SELECT max_parallel_requests FROM "LiteLLM_UserTable" WHERE user_id = '{user_id}'""")[0][0]


def users_like(backend, uid):
    return sorted(r[0] for r in backend.db.rows(
        f"""SELECT user_id FROM "LiteLLM_UserTable" WHERE user_id LIKE '%{uid}%'"""))


# --- check and diff ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("user_id", None, "user_id is required"),
    ("user_role", "team", "user_role 'team' is not one of internal_user"),
    ("max_budget", -1, "max_budget must be 0 or more"),
    ("budget_duration", "monthly", "is not a LiteLLM duration"),
])
def test_check_rejects_bad_inputs(provider, uid, field, value, reason):
    news = news_for(OFFLINE, uid, **{field: value})
    if value is None:
        news.pop(field, None)
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


@pytest.mark.parametrize("field", ["models", "metadata", "user_email", "user_alias", "max_parallel_requests"])
def test_emptying_what_litellm_cannot_clear_is_refused_at_preview(provider, uid, field):
    olds = checked(provider, {}, news_for(OFFLINE, uid, user_alias="Alice", max_parallel_requests=2))
    failures = provider.check(olds, {k: v for k, v in olds.items() if k != field}).failures
    assert [f.property for f in failures] == [field] and "cannot be emptied" in failures[0].reason


def test_diff_in_place_and_replacement(provider, uid):
    olds = checked(provider, {}, news_for(OFFLINE, uid))
    in_place = provider.diff(olds["user_id"], olds, {**olds, "max_budget": 5.0, "models": ["a", "b"]})
    assert in_place.changes and in_place.replaces == []
    assert provider.diff(olds["user_id"], olds, {**olds, "models": list(olds["models"])}).changes is False
    renamed = provider.diff(olds["user_id"], olds, {**olds, "user_id": f"alice2-{uid}"})
    assert renamed.replaces == ["user_id"] and renamed.delete_before_replace is True  # one email for both
    moved = provider.diff(olds["user_id"], olds, {**olds, "user_id": f"a2-{uid}", "user_email": f"a2-{uid}@x.io"})
    assert moved.replaces == ["user_id"] and moved.delete_before_replace is False  # keys move before the old goes


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_lifecycle_update_in_place_and_delete(provider, litellm_api, uid):
    backend = litellm_api.backend
    inputs, user_id, outs = created(provider, news_for(litellm_api, uid))
    assert user_id == f"alice-{uid}"
    assert user_row(backend, user_id) == [f"alice-{uid}@example.com", "internal_user", "20", "30d",
                                          "{granite-8b-instruct}"]
    assert backend.db.rows(f"""SELECT count(*) FROM "LiteLLM_VerificationToken" WHERE user_id = '{user_id}'""") \
        == [["0"]]  # auto_create_key: false
    news = checked(provider, inputs, {**inputs, "max_budget": None, "user_role": "internal_user_viewer",
                                      "models": ["m1", "m2"], "metadata": {"owner": "ml"}})
    provider.update(user_id, outs, news)
    assert user_row(backend, user_id)[1:] == ["internal_user_viewer", "", "30d", "{m1,m2}"]
    info = backend.admin_json("GET", "/v2/user/info", params={"user_id": user_id})
    assert info["metadata"] == {"owner": "ml"}  # the whole map: the old key is gone
    provider.delete(user_id, news)
    assert user_row(backend, user_id) is None
    provider.delete(user_id, news)  # already gone: no error


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits_and_deletion(provider, litellm_api, uid):
    backend = litellm_api.backend
    inputs, user_id, outs = created(provider, news_for(litellm_api, uid))
    assert provider.read(user_id, outs).outs == outs  # server defaults (spend, reset date) are no drift
    backend.admin_json("POST", "/user/update", json={"user_id": user_id, "max_budget": 99.0, "models": ["x"]})
    read = provider.read(user_id, outs)
    assert read.outs["max_budget"] == 99.0 and read.outs["models"] == ["x"]
    assert provider.diff(user_id, read.outs, inputs).changes is True
    backend.admin_json("POST", "/user/delete", json={"user_ids": [user_id]})
    assert provider.read(user_id, outs).id == ""


def test_alias_and_rate_limits_round_trip_and_update_in_place(provider, litellm_api, uid):
    backend = litellm_api.backend
    limits = {"user_alias": "Alice A.", "tpm_limit": 1000, "rpm_limit": 10, "max_parallel_requests": 2}
    inputs, user_id, outs = created(provider, news_for(litellm_api, uid, **limits))
    info = backend.admin_json("GET", "/v2/user/info", params={"user_id": user_id})
    assert (info["user_alias"], info["tpm_limit"], info["rpm_limit"]) == ("Alice A.", 1000, 10)
    assert "max_parallel_requests" not in info  # hence write-only: the row has it, the answer does not
    assert parallel_limit(backend, user_id) == "2"
    assert provider.read(user_id, outs).outs == outs  # read back as sent: no drift
    backend.admin_json("POST", "/user/update", json={"user_id": user_id, "user_alias": "Mallory", "tpm_limit": 5})
    read = provider.read(user_id, outs)
    assert read.outs["user_alias"] == "Mallory" and read.outs["tpm_limit"] == 5
    assert provider.diff(user_id, read.outs, inputs).changes is True
    news = checked(provider, inputs, {**inputs, "user_alias": "Alice B.", "rpm_limit": None,
                                      "max_parallel_requests": 4})
    diff = provider.diff(user_id, read.outs, news)
    assert diff.changes and diff.replaces == []
    outs = provider.update(user_id, read.outs, news).outs
    info = backend.admin_json("GET", "/v2/user/info", params={"user_id": user_id})
    assert (info["user_alias"], info["tpm_limit"], info["rpm_limit"]) == ("Alice B.", 1000, None)  # null clears
    assert parallel_limit(backend, user_id) == "4"
    assert provider.diff(user_id, provider.read(user_id, outs).outs, news).changes is False  # converged


def test_update_never_resurrects_a_user_deleted_by_hand(provider, litellm_api, uid):
    backend = litellm_api.backend
    inputs, user_id, outs = created(provider, news_for(litellm_api, uid))
    backend.admin_json("POST", "/user/delete", json={"user_ids": [user_id]})
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(user_id, outs, checked(provider, inputs, {**inputs, "max_budget": 1.0}))
    assert user_row(backend, user_id) is None and litellm_api.calls_to("POST", "/user/update") == []


@pytest.mark.every_litellm_version
def test_import_from_the_id_alone(provider, litellm_api, uid):
    legacy = f"legacy-{uid}"
    litellm_api.backend.admin_json("POST", "/user/new", json={
        "user_id": legacy, "user_email": f"{legacy}@example.com", "max_budget": 3.0, "models": ["m"],
        "metadata": {"a": 1}, "auto_create_key": False})
    read = provider.read(legacy, connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert source["user_id"] == legacy and source["user_email"] == f"{legacy}@example.com"
        assert source["max_budget"] == 3.0 and source["models"] == ["m"] and source["metadata"] == {"a": 1}
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(legacy, read.outs, again).changes is False


def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, uid):
    litellm_api.drop("POST", "/user/new", when="after")
    _, user_id, _ = created(provider, news_for(litellm_api, uid))
    assert users_like(litellm_api.backend, uid) == [user_id]
    assert len(litellm_api.calls_to("POST", "/user/new")) == 1
    assert litellm_api.calls_to("POST", "/user/update") == []  # the found user already matches


def test_an_email_held_by_another_user_fails_at_once(provider, litellm_api, uid):
    litellm_api.backend.admin_json("POST", "/user/new", json={
        "user_id": f"bob-{uid}", "user_email": f"alice-{uid}@example.com", "auto_create_key": False})
    with pytest.raises(LiteLLMAdminError, match="emails are unique"):
        created(provider, news_for(litellm_api, uid))
    assert len(litellm_api.calls_to("POST", "/user/new")) == 1


def test_delete_refuses_while_the_user_still_holds_keys(provider, litellm_api, uid):
    """LiteLLM hard-deletes a user's keys with it; the provider never lets that happen."""
    backend = litellm_api.backend
    _, user_id, outs = created(provider, news_for(litellm_api, uid))
    key_inputs, token, key_outs = created(VirtualKeyProvider(), connection(
        litellm_api, key_alias=f"alice-laptop-{uid}", user_id=user_id))
    with pytest.raises(UserHoldsKeysError, match=rf"user {user_id} was not deleted: it still holds 1 key "
                                                  rf"\('alice-laptop-{uid}'\)"):
        provider.delete(user_id, outs)
    assert user_row(backend, user_id) is not None and litellm_api.calls_to("POST", "/user/delete") == []
    VirtualKeyProvider().delete(token, key_outs)  # dependency order: the key first, then its user
    provider.delete(user_id, outs)
    assert user_row(backend, user_id) is None
