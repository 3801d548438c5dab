"""litellm:Customer provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import, a lost create answer, and an OpenAI request naming the customer that its budget refuses."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.customer import CustomerProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM


@pytest.fixture
def provider():
    return CustomerProvider()


@pytest.fixture
def user_id():
    return f"end-user-{uuid.uuid4().hex[:8]}"


def news_for(api, customer, **fields):
    return connection(api, **{"user_id": customer, "alias": "Acme Corp", "max_budget": 10.0, "rpm_limit": 60,
                              "allowed_model_region": "eu", **fields})


def info(backend, user_id):
    answer = backend.admin("GET", "/customer/info", params={"end_user_id": user_id})
    return answer.json() if answer.ok else None


def budget_rows(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT budget_id FROM "LiteLLM_BudgetTable"'))


@pytest.mark.parametrize("field, value, reason", [
    ("user_id", "", "user_id must not be empty"),
    ("max_budget", -1, "max_budget must be 0 or more"),
    ("budget_duration", "monthly", "is not a LiteLLM duration"),
    ("allowed_model_region", "mars", "allowed_model_region 'mars' is not one of eu, us"),
    ("blocked", "yes", "blocked must be true or false"),
])
def test_check_rejects_bad_inputs(provider, user_id, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, user_id, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_diff_what_updates_in_place_and_what_replaces(provider, user_id):
    olds = checked(provider, {}, news_for(OFFLINE, user_id))
    assert provider.diff(user_id, olds, dict(olds)).changes is False
    renamed = provider.diff(user_id, olds, checked(provider, olds, news_for(OFFLINE, user_id + "x")))
    assert renamed.replaces == ["user_id"] and renamed.delete_before_replace is False
    for change in ({"alias": "Acme"}, {"max_budget": 20.0}, {"blocked": True}, {"models": ["m"]},
                   {"allowed_model_region": "us"}):
        result = provider.diff(user_id, olds, checked(provider, olds, news_for(OFFLINE, user_id, **change)))
        assert (result.changes, result.replaces) == (True, []), change
    # /customer/update skips a null or a 0, and takes no duration or rate limits: the customer is made again.
    for change, replaced in (({"alias": None}, "alias"), ({"max_budget": 0}, "max_budget"),
                             ({"rpm_limit": 5}, "rpm_limit"), ({"budget_duration": "1d"}, "budget_duration")):
        result = provider.diff(user_id, olds, checked(provider, olds, news_for(OFFLINE, user_id, **change)))
        assert result.replaces == [replaced] and result.delete_before_replace is True, change


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, user_id):
    backend = litellm_api.backend
    before = budget_rows(backend)
    inputs, cid, outs = created(provider, news_for(litellm_api, user_id, models=["granite"]))
    assert cid == user_id
    found = info(backend, user_id)
    assert (found["alias"], found["allowed_model_region"], found["models"], found["blocked"]) == \
        ("Acme Corp", "eu", ["granite"], False)
    assert (found["litellm_budget_table"]["max_budget"], found["litellm_budget_table"]["rpm_limit"]) == (10.0, 60)
    read = provider.read(user_id, outs)
    assert read.id == user_id and provider.diff(user_id, read.outs, inputs).changes is False

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, user_id, models=["granite"], alias="Acme",
                                              max_budget=25.0, blocked=True))
    outs = provider.update(user_id, outs, news).outs
    (call,) = litellm_api.calls_to("POST", "/customer/update")
    assert call.body == {"user_id": user_id, "alias": "Acme", "max_budget": 25.0, "blocked": True}
    made = found["budget_id"]
    found = info(backend, user_id)
    assert (found["alias"], found["blocked"], found["litellm_budget_table"]["max_budget"]) == ("Acme", True, 25.0)
    assert provider.diff(user_id, provider.read(user_id, outs).outs, news).changes is False

    provider.delete(user_id, outs)
    provider.delete(user_id, outs)  # already gone (404) = success
    assert info(backend, user_id) is None and provider.read(user_id, outs).id == ""
    # The customer's own budget row went with it. (Some /customer/update calls of 1.108.7 leave one more row that
    # nothing references, not the customer's: seen, not cleaned.)
    assert made not in budget_rows(backend) and made not in before


def test_refresh_sees_hand_edits(provider, litellm_api, user_id):
    inputs, _, outs = created(provider, news_for(litellm_api, user_id))
    litellm_api.backend.admin_json("POST", "/customer/update", json={"user_id": user_id, "alias": "edited",
                                                                     "max_budget": 99.0})
    read = provider.read(user_id, outs)
    assert (read.outs["alias"], read.outs["max_budget"]) == ("edited", 99.0)
    assert provider.diff(user_id, read.outs, inputs).changes is True


def test_import_by_id(provider, litellm_api, user_id):
    litellm_api.backend.admin_json("POST", "/customer/new", json={"user_id": user_id, "alias": "legacy",
                                                                  "max_budget": 3.0, "default_model": None})
    read = provider.read(user_id, connection(litellm_api))
    assert (read.inputs["alias"], read.inputs["max_budget"], read.inputs.get("budget_id")) == ("legacy", 3.0, None)
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(user_id, read.outs, again).changes is False


def test_a_customer_naming_a_budget_tier_keeps_the_tier(provider, litellm_api, user_id):
    backend = litellm_api.backend
    tier = f"tier-{user_id}"
    backend.admin_json("POST", "/budget/new", json={"budget_id": tier, "max_budget": 4.0})
    inputs, _, outs = created(provider, connection(litellm_api, user_id=user_id, budget_id=tier))
    assert info(backend, user_id)["budget_id"] == tier
    read = provider.read(user_id, outs)
    assert read.outs["budget_id"] == tier and provider.diff(user_id, read.outs, inputs).changes is False
    provider.delete(user_id, outs)
    assert tier in budget_rows(backend)  # a budget tier is the stack's, never the customer's to delete


def test_lost_create_answer_ends_with_one_customer(provider, litellm_api, user_id):
    litellm_api.drop("POST", "/customer/new", when="after")
    created(provider, news_for(litellm_api, user_id))
    rows = litellm_api.backend.db.rows(f"""SELECT user_id FROM "LiteLLM_EndUserTable" WHERE user_id = '{user_id}'""")
    assert len(rows) == 1 and len(litellm_api.calls_to("POST", "/customer/new")) == 1
    assert litellm_api.calls_to("POST", "/customer/update") == []  # the found customer already matches


def test_an_openai_request_naming_a_customer_over_budget_is_refused(provider, litellm_api, user_id):
    backend = litellm_api.backend
    model = f"m-{user_id}"
    backend.admin_json("POST", "/model/new", json={"model_name": model, "litellm_params": {
        "model": "openai/fake", "api_key": "x", "mock_response": "hello", "input_cost_per_token": 1.0,
        "output_cost_per_token": 1.0}})
    key = backend.admin_json("POST", "/key/generate", json={})["key"]
    created(provider, connection(litellm_api, user_id=user_id, max_budget=0.5))
    ask = {"model": model, "messages": [{"role": "user", "content": "hi"}], "user": user_id}
    first = backend.admin("POST", "/chat/completions", json=ask, key=key)
    assert first.status_code == 200, first.text[:300]
    # The first answer cost more than 0.5 USD: the customer is now over its budget, whatever key it uses.
    refused = next((a for a in (backend.admin("POST", "/chat/completions", json=ask, key=key) for _ in range(20))
                    if a.status_code != 200), None)
    assert refused is not None and "budget_exceeded" in refused.text and user_id in refused.text, "never refused"
    other = backend.admin("POST", "/chat/completions", json={**ask, "user": f"{user_id}-other"}, key=key)
    assert other.status_code == 200, other.text[:300]  # the key itself is not limited
