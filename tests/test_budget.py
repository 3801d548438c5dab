"""litellm:Budget provider against the real LiteLLM proxy: check, diff, CRUD with LiteLLM's 200 `[]`/`null` for
"not found", drift, import, a lost create answer, and a key referencing the budget that is limited by it."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.budget import BudgetProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")


@pytest.fixture
def provider():
    return BudgetProvider()


@pytest.fixture
def name():
    return f"tier-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    return connection(api, **{"budget_id": name, "max_budget": 10.0, "soft_budget": 8.0, "budget_duration": "30d",
                              "rpm_limit": 100, **fields})


def row(backend, budget_id):
    rows = backend.admin_json("POST", "/budget/info", json={"budgets": [budget_id]})
    return rows[0] if rows else None


@pytest.mark.parametrize("field, value, reason", [
    ("budget_id", "", "budget_id must not be empty"),
    ("max_budget", -1, "max_budget must be 0 or more"),
    ("budget_duration", "monthly", "is not a LiteLLM duration"),
    ("max_parallel_requests", 0, "max_parallel_requests must be 1 or more"),
])
def test_check_rejects_bad_inputs(provider, name, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, name, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_diff_rename_replaces_limits_update_in_place(provider, name):
    olds = checked(provider, {}, news_for(OFFLINE, name))
    assert provider.diff(name, olds, dict(olds)).changes is False
    renamed = provider.diff(name, olds, checked(provider, olds, news_for(OFFLINE, name + "x")))
    assert renamed.replaces == ["budget_id"] and renamed.delete_before_replace is False
    for change in ({"max_budget": 20.0}, {"soft_budget": None}, {"tpm_limit": 5}, {"budget_duration": "1d"}):
        result = provider.diff(name, olds, checked(provider, olds, news_for(OFFLINE, name, **change)))
        assert (result.changes, result.replaces) == (True, []), change


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, bid, outs = created(provider, news_for(litellm_api, name))
    found = row(backend, bid)
    assert (bid, found["max_budget"], found["soft_budget"], found["budget_duration"], found["rpm_limit"]) == \
        (name, 10.0, 8.0, "30d", 100)
    assert provider.read(bid, outs).outs == outs
    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, name, max_budget=20.0, soft_budget=None))
    provider.update(bid, outs, news)
    [call] = litellm_api.calls_to("POST", "/budget/update")
    assert call.body == {"max_budget": 20.0, "soft_budget": None, "budget_id": name}
    found = row(backend, bid)
    assert (found["max_budget"], found["soft_budget"]) == (20.0, None)
    provider.delete(bid, outs)
    provider.delete(bid, outs)  # LiteLLM's 200 null: already gone
    assert row(backend, bid) is None and provider.read(bid, outs).id == ""


def test_update_of_a_budget_deleted_by_hand_says_so(provider, litellm_api, name):
    inputs, bid, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin_json("POST", "/budget/delete", json={"id": bid})
    with pytest.raises(Exception, match="deleted outside Pulumi"):
        provider.update(bid, outs, checked(provider, inputs, news_for(litellm_api, name, max_budget=9.0)))


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api, name):
    inputs, bid, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin_json("POST", "/budget/update", json={"budget_id": bid, "max_budget": 99.0})
    read = provider.read(bid, outs)
    assert read.outs["max_budget"] == 99.0 and provider.diff(bid, read.outs, inputs).changes is True


@pytest.mark.every_litellm_version
def test_import_by_id(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/budget/new", json={"budget_id": name, "tpm_limit": 7, "max_budget": 3})
    read = provider.read(name, connection(litellm_api))
    assert (read.inputs["budget_id"], read.inputs["tpm_limit"], read.inputs["max_budget"]) == (name, 7, 3.0)
    assert provider.diff(name, read.outs, checked(provider, read.inputs, dict(read.inputs))).changes is False


def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, name):
    litellm_api.drop("POST", "/budget/new", when="after")
    created(provider, news_for(litellm_api, name))
    assert len(litellm_api.calls_to("POST", "/budget/new")) == 1
    assert litellm_api.backend.db.rows(
        f"""SELECT count(*) FROM "LiteLLM_BudgetTable" WHERE budget_id = '{name}'""") == [["1"]]


def test_a_key_referencing_the_budget_is_limited_by_it(provider, litellm_api, name):
    backend = litellm_api.backend
    created(provider, news_for(litellm_api, name, max_budget=None, soft_budget=None, budget_duration=None,
                               rpm_limit=1))
    keys = VirtualKeyProvider()
    key_inputs, token, key_outs = created(keys, connection(litellm_api, key_alias=f"k-{name}", budget_id=name))
    assert backend.admin_json("GET", "/key/info", params={"key": token})["info"]["budget_id"] == name
    backend.admin_json("POST", "/model/new", json={"model_name": f"m-{name}",
                                                   "litellm_params": {"model": "openai/fake", "api_key": "x",
                                                                      "mock_response": "hello"}})
    ask = {"model": f"m-{name}", "messages": [{"role": "user", "content": "hi"}]}
    answers = [backend.admin("POST", "/chat/completions", json=ask, key=key_outs["key"]) for _ in range(3)]
    statuses = [a.status_code for a in answers]
    assert statuses[0] == 200 and 429 in statuses[1:], [(a.status_code, a.text[:300]) for a in answers]

    # In place: the key moves to another budget (`budget_id` on /key/update).
    other = f"{name}-b"
    created(provider, news_for(litellm_api, other))
    keys.update(token, key_outs, checked(keys, key_inputs, {**key_inputs, "budget_id": other}))
    assert backend.admin_json("GET", "/key/info", params={"key": token})["info"]["budget_id"] == other


def test_an_imported_key_keeps_its_budget_but_not_litellms_soft_budget_row(provider, litellm_api, name):
    backend = litellm_api.backend
    created(provider, news_for(litellm_api, name))
    on_budget = backend.admin_json("POST", "/key/generate", json={"key_alias": f"a-{name}", "budget_id": name})
    soft = backend.admin_json("POST", "/key/generate", json={"key_alias": f"s-{name}", "soft_budget": 3.0})
    keys = VirtualKeyProvider()
    assert keys.read(on_budget["token"], connection(litellm_api)).inputs["budget_id"] == name
    assert backend.admin_json("GET", "/key/info", params={"key": soft["token"]})["info"]["budget_id"] is not None
    assert keys.read(soft["token"], connection(litellm_api)).inputs.get("budget_id") is None
