"""litellm:Model provider: check and diff offline; create, update and delete against the real LiteLLM proxy.

`litellm_api` is a fault proxy in front of the session's real proxy: what LiteLLM cannot be made to do on demand
(a reset after commit, a 5xx burst, a pod whose router lags) is injected there, and every other answer is real.
Fixed model ids are unique per test: the proxy's router outlives the per-test database reset."""

from __future__ import annotations

import pytest

from dynamic_providers.model import ModelProvider
from pulumi.output import Unknown
from tests.support.models import UPSTREAM_KEY, OFFLINE, news_for, program, create, served, stored_ids
from tests.support.providers import checked

pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return ModelProvider()


# --- check ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("model_name", None, "model_name is required"),
    ("model", "  ", "model must not be empty"),
    ("rpm", -1, "rpm must be 0 or more, got -1"),
    ("tpm", 1.5, "tpm must be a whole number, got 1.5"),
    ("timeout", 0, "timeout must be greater than 0, got 0"),
    ("input_cost_per_token", -1e-6, "input_cost_per_token must be 0 or more"),
    ("api_base", "granite.example.com", "api_base 'granite.example.com' is not an http(s) URL"),
    ("admin_url", "litellm:4000", "is not an http(s) URL"),
    ("admin_url", "http://litellm.apps.example.com", "refusing to send the master key over plain HTTP"),
    ("allow_insecure_http", "yes", "allow_insecure_http must be true or false"),
    ("ca_bundle", "/nonexistent/ca.pem", "neither PEM certificates"),
    ("extra_params", {"api_key": "x"}, "extra_params.api_key duplicates the api_key input"),
    ("extra_params", {"aws_secret_access_key": "plain"}, "looks like a secret and would be stored in plain text"),
    ("model_info", {"input_cost_per_token": 1e-6}, "model_info.input_cost_per_token is dropped by LiteLLM"),
    ("model_info", {"id": "abc"}, "use the model_id input"),
])
def test_check_rejects_bad_inputs_with_precise_messages(provider, field, value, reason):
    news = news_for(OFFLINE)
    news[field] = value
    if value is None:
        news.pop(field)
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_check_accepts_plain_http_elsewhere_only_when_allowed_explicitly(provider, test_ca):
    inputs = checked(provider, {}, news_for(OFFLINE, admin_url="http://litellm.apps.example.com",
                                            allow_insecure_http=True, ca_bundle=test_ca.ca_pem))
    assert inputs["allow_insecure_http"] is True and inputs["ca_bundle"] == test_ca.ca_pem
    assert "allow_insecure_http" not in checked(provider, {}, news_for(OFFLINE))  # the default applies, unstored


def test_check_never_echoes_the_master_key(provider):
    failures = provider.check({}, news_for(OFFLINE, master_key=12345)).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("master_key", "master_key must be a non-empty string (the LiteLLM master key)")]


def test_check_accepts_env_references_and_unknowns_during_preview(provider):
    inputs = checked(provider, {}, news_for(OFFLINE, api_base="os.environ/GRANITE_BASE", admin_url=Unknown(),
                                            api_key=Unknown()))
    assert isinstance(inputs["admin_url"], Unknown) and inputs["api_base"] == "os.environ/GRANITE_BASE"


def test_check_generates_an_id_once_and_keeps_it(provider):
    first = checked(provider, {}, news_for(OFFLINE))
    again = checked(provider, first, news_for(OFFLINE, rpm=120))
    assert first["model_id_fixed"] is False and len(first["model_id"]) == 36
    assert again["model_id"] == first["model_id"]


def test_check_keeps_a_fixed_id_and_whole_numbers(provider):
    inputs = checked(provider, {}, news_for(OFFLINE, model_id="granite-1", rpm=60.0, extra_params={"n": 3.0}))
    assert (inputs["model_id"], inputs["model_id_fixed"]) == ("granite-1", True)
    assert type(inputs["rpm"]) is int and type(inputs["extra_params"]["n"]) is int


# --- diff ----------------------------------------------------------------------------------------


def test_diff_rules(provider):
    olds = checked(provider, {}, news_for(OFFLINE, input_cost_per_token=1e-6, extra_params={"stream_timeout": 30}))

    def diff(**changes):
        news = checked(provider, olds, program(olds, **changes))
        return provider.diff(olds["model_id"], olds, news)

    unchanged = diff()
    assert unchanged.changes is False and unchanged.replaces == []
    assert (diff(rpm=61).changes, diff(rpm=61).replaces) == (True, [])
    assert (diff(master_key="sk-rotated-master-key").changes, diff(master_key="sk-rotated-master-key").replaces) \
        == (True, [])
    assert (diff(admin_url="https://litellm.apps.example.com").replaces) == []
    assert diff(input_cost_per_token=None).replaces == []  # pricing is null-clearable: an update
    removed = diff(api_base=None)
    assert removed.changes and removed.replaces == ["api_base", "model_id"]
    assert removed.delete_before_replace is False  # a fresh generated id: create-before-delete
    assert "extra_params" in diff(extra_params={}).replaces
    assert "model_info" in diff(model_info={}).replaces


def test_diff_with_a_fixed_id_replaces_delete_first(provider):
    olds = checked(provider, {}, news_for(OFFLINE, model_id="granite-1"))
    news = checked(provider, olds, program(olds, api_base=None))
    result = provider.diff("granite-1", olds, news)
    assert result.replaces == ["api_base"] and result.delete_before_replace is True


def test_diff_ignores_server_filled_outputs_and_reports_unknowns(provider):
    olds = checked(provider, {}, news_for(OFFLINE))
    outputs = {**olds, "litellm_provider": "openai", "db_model": True}
    assert provider.diff(olds["model_id"], outputs, dict(olds)).changes is False
    preview = provider.diff(olds["model_id"], outputs, {**olds, "api_key": Unknown()})
    assert preview.changes is True and preview.replaces == []


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_full_lifecycle_and_call_counts(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api, extra_params={"merge_reasoning_content_in_choices": True})
    row = litellm_api.backend.stored_model(model_id)
    assert row["model_name"] == "granite-8b-instruct" and row["model_info"]["mode"] == "chat"
    assert row["litellm_params"]["api_key"] == UPSTREAM_KEY and row["litellm_params"]["rpm"] == 60
    live = served(litellm_api, model_id)
    assert live["litellm_params"]["api_base"] == "https://granite.apps.example.com/v1"
    assert live["litellm_params"]["merge_reasoning_content_in_choices"] is True
    assert "api_key" not in live["litellm_params"]  # write-only: the proxy never shows it
    assert outs["model_id"] == model_id and outs["api_key"] == UPSTREAM_KEY
    assert [(c.method, c.path) for c in litellm_api.calls if not c.path.startswith("/health")] == \
        [("POST", "/model/new")]

    litellm_api.reset_calls()
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs  # no drift, api_key kept from state
    assert litellm_api.read_count == 1 and litellm_api.write_count == 0

    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, rpm=120))
    assert provider.diff(model_id, outs, news).changes is True
    updated = provider.update(model_id, outs, news)
    patch = litellm_api.calls_to("PATCH", "/model/*/update")
    assert len(patch) == 1 and litellm_api.read_count == 0 and litellm_api.write_count == 1
    live = served(litellm_api, model_id)["litellm_params"]
    # PATCH resets the default-false flags it is not sent: the provider sends them every time.
    assert live["rpm"] == 120 and live["merge_reasoning_content_in_choices"] is True
    assert litellm_api.backend.stored_model(model_id)["litellm_params"]["api_key"] == UPSTREAM_KEY
    assert updated.outs["rpm"] == 120

    litellm_api.reset_calls()
    provider.delete(model_id, updated.outs)
    assert stored_ids(litellm_api) == [] and served(litellm_api, model_id) is None
    provider.delete(model_id, updated.outs)  # already gone = success
    assert [c.status for c in litellm_api.calls_to("POST", "/model/delete")] == [200, 400]


@pytest.mark.every_litellm_version
def test_replacement_creates_the_new_model_before_deleting_the_old(provider, litellm_api):
    inputs, old_id, outs = create(provider, litellm_api)
    news = checked(provider, inputs, program(inputs, api_base=None))
    diff = provider.diff(old_id, outs, news)
    assert diff.replaces == ["api_base", "model_id"] and diff.delete_before_replace is False
    new_id = provider.create(news).id  # what the engine does: create the replacement, then delete the old one
    assert new_id != old_id and stored_ids(litellm_api) == sorted([old_id, new_id])
    provider.delete(old_id, outs)
    assert stored_ids(litellm_api) == [new_id]
    assert "api_base" not in served(litellm_api, new_id)["litellm_params"]


def test_connection_only_change_sends_nothing(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api)
    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, request_timeout=30.0, verify_tls=False))
    diff = provider.diff(model_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    result = provider.update(model_id, outs, news)
    assert litellm_api.calls == [] and result.outs["request_timeout"] == 30.0 and result.outs["verify_tls"] is False
    # State written before the transport inputs existed diffs clean against their defaults.
    old_state = {k: v for k, v in outs.items() if k not in ("allow_insecure_http", "ca_bundle")}
    assert provider.diff(model_id, old_state, checked(provider, inputs, program(inputs))).changes is False


def test_removing_pricing_sends_explicit_nulls(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api, input_cost_per_token=2e-7, output_cost_per_token=6e-7)
    assert served(litellm_api, model_id)["litellm_params"]["input_cost_per_token"] == 2e-7
    news = checked(provider, inputs, program(inputs, input_cost_per_token=None, output_cost_per_token=None))
    assert provider.diff(model_id, outs, news).replaces == []
    provider.update(model_id, outs, news)
    body = litellm_api.calls_to("PATCH", "/model/*/update")[-1].body["litellm_params"]
    assert body["input_cost_per_token"] is None and body["output_cost_per_token"] is None
    live = served(litellm_api, model_id)["litellm_params"]
    assert "input_cost_per_token" not in live and "output_cost_per_token" not in live


def test_rename_is_an_update(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api)
    news = checked(provider, inputs, program(inputs, model_name="granite-8b"))
    assert provider.diff(model_id, outs, news).replaces == []
    provider.update(model_id, outs, news)
    assert served(litellm_api, model_id)["model_name"] == "granite-8b"
    assert litellm_api.backend.stored_model(model_id)["model_name"] == "granite-8b"
