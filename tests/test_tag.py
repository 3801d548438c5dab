"""litellm:Tag provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import and a lost create answer."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.tag import TagProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM


@pytest.fixture
def provider():
    return TagProvider()


@pytest.fixture
def name():
    """Unique per test: the proxy caches tags in memory across the per-test database reset."""
    return f"tag-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    props = {"name": name, "description": "research traffic", "models": ["granite-8b-instruct"],
             "max_budget": 50.0, "rpm_limit": 60, "budget_duration": "30d", **fields}
    return connection(api, **props)


def tag_info(backend, name):
    return backend.admin_json("POST", "/tag/info", json={"names": [name]})[name]


def tag_names(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT tag_name FROM "LiteLLM_TagTable"'))


def test_check_rejects_bad_inputs(provider):
    failures = provider.check({}, news_for(OFFLINE, "", rpm_limit=1.5, budget_duration="monthly")).failures
    reasons = {f.property: f.reason for f in failures}
    assert "must not be empty" in reasons["name"] and "whole number" in reasons["rpm_limit"]
    assert "is not a LiteLLM duration" in reasons["budget_duration"]


def test_diff_new_name_replaces_everything_else_in_place(provider, name):
    olds = checked(provider, {}, news_for(OFFLINE, name))
    assert provider.diff(name, olds, checked(provider, olds, news_for(OFFLINE, name))).changes is False
    renamed = provider.diff(name, olds, checked(provider, olds, news_for(OFFLINE, name + "-b")))
    assert renamed.replaces == ["name"]
    for change in ({"description": "x"}, {"models": []}, {"max_budget": None}, {"tpm_limit": 5}):
        result = provider.diff(name, olds, checked(provider, olds, news_for(OFFLINE, name, **change)))
        assert (result.changes, result.replaces) == (True, []), change


@pytest.mark.every_litellm_version
def test_lifecycle_update_keeps_description_and_models(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, tag_id, outs = created(provider, news_for(litellm_api, name))
    assert tag_id == name
    info = tag_info(backend, name)
    assert (info["description"], info["models"]) == ("research traffic", ["granite-8b-instruct"])
    budget = info["litellm_budget_table"]
    assert (budget["max_budget"], budget["rpm_limit"], budget["budget_duration"]) == (50.0, 60, "30d")
    read = provider.read(name, outs)
    assert read.id == name and provider.diff(name, read.outs, inputs).changes is False

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, name, rpm_limit=120))
    provider.update(name, outs, news)
    (call,) = litellm_api.calls_to("POST", "/tag/update")
    assert call.body == {"name": name, "rpm_limit": 120, "description": "research traffic",
                         "models": ["granite-8b-instruct"]}
    info = tag_info(backend, name)  # /tag/update replaces description and models: both were sent again
    assert (info["description"], info["models"], info["litellm_budget_table"]["rpm_limit"]) == \
        ("research traffic", ["granite-8b-instruct"], 120)

    provider.delete(name, outs)
    provider.delete(name, outs)  # already gone (a 500 "404: Tag ... not found") = success
    assert name not in tag_names(backend) and provider.read(name, outs).id == ""


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, _, outs = created(provider, news_for(litellm_api, name))
    backend.admin_json("POST", "/tag/update", json={"name": name, "description": "edited", "models": [],
                                                    "max_budget": 7.0})
    read = provider.read(name, outs)
    # models emptied by hand: unset in the outputs (empty is never stored), a change against the declared list
    assert (read.outs["description"], read.outs.get("models"), read.outs["max_budget"]) == ("edited", None, 7.0)
    assert provider.diff(name, read.outs, inputs).changes is True


def test_a_name_taken_before_is_refused_not_adopted(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/tag/new", json={"name": name, "description": "theirs"})
    with pytest.raises(LiteLLMAdminError) as caught:
        created(provider, news_for(litellm_api, name))
    assert caught.value.status == 400 and "already exists" in str(caught.value) and "pulumi import" in str(caught.value)
    assert tag_info(litellm_api.backend, name)["description"] == "theirs"


def test_lost_create_answer_ends_with_one_tag(provider, litellm_api, name):
    litellm_api.drop("POST", "/tag/new", when="after")
    created(provider, news_for(litellm_api, name))
    assert tag_names(litellm_api.backend).count(name) == 1
    assert len(litellm_api.calls_to("POST", "/tag/new")) == 1
    assert litellm_api.calls_to("POST", "/tag/update") == []  # the found tag already matches


@pytest.mark.every_litellm_version
def test_import_by_name(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/tag/new", json={"name": name, "description": "legacy",
                                                             "models": ["m"], "tpm_limit": 9})
    read = provider.read(name, connection(litellm_api))
    assert (read.inputs["description"], read.inputs["models"], read.inputs["tpm_limit"]) == ("legacy", ["m"], 9)
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(name, read.outs, again).changes is False


def test_a_tag_naming_a_stack_model_is_no_drift_on_that_model(provider, litellm_api, name):
    # LiteLLM writes the tag into the named deployments' litellm_params.tags (`_add_tag_to_deployment`).
    from dynamic_providers.model import ModelProvider

    models = ModelProvider()
    model_name = f"m-{name}"
    model_inputs, model_id, model_outs = created(models, connection(
        litellm_api, model_name=model_name, model="openai/x", api_base="https://x.example.com/v1", rpm=5))
    created(provider, news_for(litellm_api, name, models=[model_name]))
    row = litellm_api.backend.db.rows(f"""SELECT litellm_params::text FROM "LiteLLM_ProxyModelTable"
                                          WHERE model_id = '{model_id}'""")[0][0]
    assert name in row  # the side effect happened
    read = models.read(model_id, model_outs)
    assert models.diff(model_id, read.outs, model_inputs).changes is False


def budget_rows(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT budget_id FROM "LiteLLM_BudgetTable"'))


def test_delete_removes_the_budget_row_the_tag_made(provider, litellm_api, name):
    """LiteLLM makes a budget row for a tag's limits and keeps it after /tag/delete: the tag's delete removes it,
    so `destroy` leaves nothing behind. Deleting again (a retry) is still a success."""
    backend = litellm_api.backend
    before = budget_rows(backend)
    _, _, outs = created(provider, news_for(litellm_api, name))
    made = [b for b in budget_rows(backend) if b not in before]
    assert len(made) == 1 and tag_info(backend, name)["litellm_budget_table"]["budget_id"] == made[0]
    provider.delete(name, outs)
    assert name not in tag_names(backend) and budget_rows(backend) == before
    provider.delete(name, outs)
