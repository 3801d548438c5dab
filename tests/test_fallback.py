"""litellm:Fallback provider against the real LiteLLM proxy: check, diff, CRUD, drift, import, a rule that really
fires, and concurrent writes through the provider that all survive (LiteLLM alone loses them)."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests

from dynamic_providers.fallback import Fallback, FallbackProvider, fallback_id, split_id
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")


@pytest.fixture
def provider():
    return FallbackProvider()


@pytest.fixture
def uid():
    """Model names unique per test: the proxy's router keeps fallbacks in memory across the database reset."""
    return uuid.uuid4().hex[:8]


def add_model(backend, name, **params):
    backend.admin_json("POST", "/model/new", json={"model_name": name, "litellm_params": {
        "model": "openai/gpt-4o", "api_key": "sk-unused", "mock_response": f"hi from {name}", **params}})


def two_models(backend, prefix, uid):
    """Two new models, a primary and its target, named `<prefix>-a-<uid>` and `<prefix>-b-<uid>`."""
    a, b = f"{prefix}-a-{uid}", f"{prefix}-b-{uid}"
    add_model(backend, a)
    add_model(backend, b)
    return a, b


def stored_rules(backend, field="fallbacks"):
    """The rules as the database holds them (the truth; GET answers from one pod's memory)."""
    rows = backend.db.rows("""SELECT param_value FROM "LiteLLM_Config" WHERE param_name = 'router_settings'""")
    value = rows[0][0] if rows else {}
    value = json.loads(value) if isinstance(value, str) else value or {}
    return {k: v for rule in value.get(field) or [] for k, v in rule.items()}


def chat(backend, model, key=None, timeout=60):
    return requests.post(f"{backend.url}/v1/chat/completions", timeout=timeout,
                         headers={"Authorization": f"Bearer {key or backend.master_key}"},
                         json={"model": model, "messages": [{"role": "user", "content": "hello"}]})


def news(api, model, targets, fallback_type="general"):
    return connection(api, model=model, fallback_type=fallback_type, fallback_models=targets)


# --- check and diff ------------------------------------------------------------------------------
def test_check_refuses_a_bad_type_an_empty_list_and_a_self_fallback(provider):
    def reasons(**fields):
        result = provider.check({}, {**news(OFFLINE, "a", ["b"]), **fields})
        return " ".join(f.reason for f in result.failures)

    assert "is not one of general, context_window, content_policy" in reasons(fallback_type="other")
    assert "fallback_models is required" in reasons(fallback_models=None)
    assert "cannot be its own fallback" in reasons(fallback_models=["b", "a"])
    assert reasons() == ""


def test_diff_targets_update_in_place_model_or_type_replace(provider):
    olds = checked(provider, {}, news(OFFLINE, "a", ["b", "c"]))
    reorder = provider.diff("general:a", olds, news(OFFLINE, "a", ["c", "b"]))
    assert reorder.changes and reorder.replaces == []  # order matters: LiteLLM tries them in order
    assert provider.diff("general:a", olds, news(OFFLINE, "a", ["b", "c"])).changes is False
    assert provider.diff("general:a", olds, news(OFFLINE, "x", ["b"])).replaces == ["model"]
    assert provider.diff("general:a", olds, news(OFFLINE, "a", ["b", "c"], "context_window")).replaces == \
        ["fallback_type"]


def test_ids_round_trip_and_bad_ids_are_explained():
    assert split_id(fallback_id("org/model:v1", "context_window")) == ("org/model:v1", "context_window")
    with pytest.raises(ValueError, match="<fallback_type>:<model>"):
        split_id("granite")


# --- against the real proxy ------------------------------------------------------------------------
@pytest.mark.every_litellm_version
def test_lifecycle_and_the_rule_really_fires(provider, litellm_api, uid):
    backend = litellm_api.backend
    primary, good = f"fb-bad-{uid}", f"fb-good-{uid}"
    add_model(backend, primary, mock_response="litellm.RateLimitError")
    add_model(backend, good)
    assert chat(backend, primary).status_code == 429  # no rule yet: the failure reaches the caller

    inputs, id_, outs = created(provider, news(litellm_api, primary, [good]))
    assert id_ == f"general:{primary}"
    assert stored_rules(backend) == {primary: [good]}
    answer = chat(backend, primary)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == f"hi from {good}"

    provider.delete(id_, outs)
    assert stored_rules(backend) == {}
    assert chat(backend, primary).status_code == 429
    provider.delete(id_, outs)  # already gone: fine


def test_context_window_rule_fires(provider, litellm_api, uid):
    backend = litellm_api.backend
    primary, big = f"cw-small-{uid}", f"cw-big-{uid}"
    add_model(backend, primary, mock_response="litellm.ContextWindowExceededError")
    add_model(backend, big)
    created(provider, news(litellm_api, primary, [big], "context_window"))
    assert stored_rules(backend, "context_window_fallbacks") == {primary: [big]}
    answer = chat(backend, primary)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"] == f"hi from {big}"


@pytest.mark.every_litellm_version
def test_update_in_place_drift_deleted_by_hand_and_import(provider, litellm_api, uid):
    backend = litellm_api.backend
    a, b, c = (f"fu-{n}-{uid}" for n in "abc")
    for name in (a, b, c):
        add_model(backend, name)
    inputs, id_, outs = created(provider, news(litellm_api, a, [b]))

    new_inputs = checked(provider, outs, news(litellm_api, a, [c, b]))
    provider.update(id_, outs, new_inputs)
    assert stored_rules(backend) == {a: [c, b]}

    backend.admin_json("POST", "/fallback", json={"model": a, "fallback_models": [b]})  # changed by hand
    read = provider.read(id_, new_inputs)
    assert read.id == id_ and read.outs["fallback_models"] == [b]

    imported = provider.read(id_, connection(litellm_api))  # import by id: everything from the server
    assert (imported.outs["model"], imported.outs["fallback_type"], imported.outs["fallback_models"]) == \
        (a, "general", [b])

    backend.admin_json("DELETE", f"/fallback/{a}")
    assert provider.read(id_, new_inputs).id == ""


def test_refresh_keeps_a_rule_the_answering_pod_does_not_show_yet(provider, litellm_api, uid):
    # GET /fallback answers from the pod's router, which a write through another pod (or one made while this pod's
    # reload read the row) reaches only at its next reload, 30 s later: that must not drop the rule from the stack.
    backend = litellm_api.backend
    a, b = two_models(backend, "fg", uid)
    _, id_, outs = created(provider, news(litellm_api, a, [b]))
    litellm_api.fail("GET", f"/fallback/{a}", status=404, times=2)
    read = provider.read(id_, outs)
    assert read.id == id_ and read.outs["fallback_models"] == [b]


def test_a_write_the_answering_pod_shows_late_is_written_once(provider, litellm_api, uid):
    # The same lag on the read-back of a write, taken for another writer's undo: here the rule was written 4 times
    # (then found by the lost-answer lookup); with the real lag of up to 30 s, 12 times, and the create failed ("did
    # not hold after 4 writes") on a gateway whose other pods had not reloaded yet.
    backend = litellm_api.backend
    a, b = two_models(backend, "fw", uid)
    litellm_api.fail("GET", f"/fallback/{a}", status=404, times=4)
    _, id_, _ = created(provider, news(litellm_api, a, [b]))
    assert id_ == f"general:{a}" and stored_rules(backend) == {a: [b]}
    assert len(litellm_api.calls_to("POST", "/fallback")) == 1


def test_parallel_creates_through_the_provider_all_survive(provider, litellm_api, uid):
    """LiteLLM edits one row read-modify-write: unserialised parallel POSTs lose rules; the provider's must not."""
    backend = litellm_api.backend
    target = f"fp-target-{uid}"
    primaries = [f"fp-{n}-{uid}" for n in range(3)]
    for name in (target, *primaries):
        add_model(backend, name)
    inputs = [checked(provider, {}, news(litellm_api, p, [target])) for p in primaries]
    with ThreadPoolExecutor(max_workers=3) as pool:
        ids = [r.id for r in pool.map(provider.create, inputs)]
    assert sorted(ids) == sorted(f"general:{p}" for p in primaries)
    assert stored_rules(backend) == {p: [target] for p in primaries}


def test_a_target_that_is_not_a_model_is_refused_with_litellms_reason(provider, litellm_api, uid):
    backend = litellm_api.backend
    primary = f"fx-{uid}"
    add_model(backend, primary)
    with pytest.raises(Exception, match="Invalid fallback models"):
        provider.create(checked(provider, {}, news(litellm_api, primary, [f"nope-{uid}"])))
    assert stored_rules(backend) == {}


def test_resource_registers_its_inputs_and_no_secrets():
    assert FallbackProvider.secret_outputs() == ["master_key"]
    assert Fallback.provider_class is FallbackProvider


def test_a_lost_answer_is_written_again_and_leaves_one_rule(provider, litellm_api, uid):
    backend = litellm_api.backend
    a, b = two_models(backend, "fl", uid)
    litellm_api.drop("POST", "/fallback", when="after")  # committed, answer lost
    _, id_, _ = created(provider, news(litellm_api, a, [b]))
    assert id_ == f"general:{a}" and stored_rules(backend) == {a: [b]}


@pytest.mark.every_litellm_version
def test_a_replacement_by_type_creates_the_new_rule_and_deletes_only_the_old(provider, litellm_api, uid):
    backend = litellm_api.backend
    a, b = two_models(backend, "fr", uid)
    _, old_id, old_outs = created(provider, news(litellm_api, a, [b]))
    assert provider.diff(old_id, old_outs, news(litellm_api, a, [b], "context_window")).replaces == ["fallback_type"]
    _, new_id, _ = created(provider, news(litellm_api, a, [b], "context_window"))  # create-before-delete
    provider.delete(old_id, old_outs)
    assert stored_rules(backend) == {} and stored_rules(backend, "context_window_fallbacks") == {a: [b]}
    assert new_id == f"context_window:{a}"
