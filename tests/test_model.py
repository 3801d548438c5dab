"""litellm:Model provider against the LiteLLM test double: check, diff, CRUD, drift, import, faults."""

from __future__ import annotations

import logging
import time

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.model import ModelProvider
from pulumi.output import Unknown
from tests.support.providers import MASTER, checked, connection, created, next_program_inputs

UPSTREAM_KEY = "upstream-api-key-0123456789"


pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return ModelProvider()


def news_for(double, **fields):
    return connection(double, **{
        "model_name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
        "api_base": "https://granite.apps.example.com/v1", "api_key": UPSTREAM_KEY, "rpm": 60,
        "model_info": {"mode": "chat"}, **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "model_id", **changes)


def create(provider, double, **fields):
    return created(provider, news_for(double, **fields))


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
def test_check_rejects_bad_inputs_with_precise_messages(provider, double, field, value, reason):
    news = news_for(double)
    news[field] = value
    if value is None:
        news.pop(field)
    failures = provider.check({}, news).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_check_accepts_plain_http_elsewhere_only_when_allowed_explicitly(provider, double, test_ca):
    inputs = checked(provider, {}, news_for(double, admin_url="http://litellm.apps.example.com",
                                            allow_insecure_http=True, ca_bundle=test_ca.ca_pem))
    assert inputs["allow_insecure_http"] is True and inputs["ca_bundle"] == test_ca.ca_pem
    assert checked(provider, {}, news_for(double))["allow_insecure_http"] is False  # the default


def test_check_never_echoes_the_master_key(provider, double):
    failures = provider.check({}, news_for(double, master_key=12345)).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("master_key", "master_key must be a non-empty string (the LiteLLM master key)")]


def test_check_accepts_env_references_and_unknowns_during_preview(provider, double):
    inputs = checked(provider, {}, news_for(double, api_base="os.environ/GRANITE_BASE", admin_url=Unknown(),
                                            api_key=Unknown()))
    assert isinstance(inputs["admin_url"], Unknown) and inputs["api_base"] == "os.environ/GRANITE_BASE"


def test_check_generates_an_id_once_and_keeps_it(provider, double):
    first = checked(provider, {}, news_for(double))
    again = checked(provider, first, news_for(double, rpm=120))
    assert first["model_id_fixed"] is False and len(first["model_id"]) == 36
    assert again["model_id"] == first["model_id"]


def test_check_keeps_a_fixed_id_and_whole_numbers(provider, double):
    inputs = checked(provider, {}, news_for(double, model_id="granite-1", rpm=60.0, extra_params={"n": 3.0}))
    assert (inputs["model_id"], inputs["model_id_fixed"]) == ("granite-1", True)
    assert type(inputs["rpm"]) is int and type(inputs["extra_params"]["n"]) is int


# --- diff ----------------------------------------------------------------------------------------


def test_diff_rules(provider, double):
    olds = checked(provider, {}, news_for(double, input_cost_per_token=1e-6, extra_params={"stream_timeout": 30}))

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


def test_diff_with_a_fixed_id_replaces_delete_first(provider, double):
    olds = checked(provider, {}, news_for(double, model_id="granite-1"))
    news = checked(provider, olds, program(olds, api_base=None))
    result = provider.diff("granite-1", olds, news)
    assert result.replaces == ["api_base"] and result.delete_before_replace is True


def test_diff_ignores_server_filled_outputs_and_reports_unknowns(provider, double):
    olds = checked(provider, {}, news_for(double))
    outputs = {**olds, "litellm_provider": "openai", "db_model": True}
    assert provider.diff(olds["model_id"], outputs, dict(olds)).changes is False
    preview = provider.diff(olds["model_id"], outputs, {**olds, "api_key": Unknown()})
    assert preview.changes is True and preview.replaces == []


# --- lifecycle -----------------------------------------------------------------------------------


def test_full_lifecycle_and_call_counts(provider, double):
    inputs, model_id, outs = create(provider, double, extra_params={"merge_reasoning_content_in_choices": True})
    row = double.models[model_id]
    assert row["model_name"] == "granite-8b-instruct"
    assert row["litellm_params"]["api_key"] == UPSTREAM_KEY and row["litellm_params"]["rpm"] == 60
    assert row["model_info"]["mode"] == "chat"
    assert outs["model_id"] == model_id and outs["api_key"] == UPSTREAM_KEY
    assert [(c.method, c.path) for c in double.calls if not c.path.startswith("/health")] == [("POST", "/model/new")]

    double.reset_calls()
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs  # no drift, api_key kept from state
    assert double.read_count == 1 and double.write_count == 0

    double.reset_calls()
    news = checked(provider, inputs, program(inputs, rpm=120))
    assert provider.diff(model_id, outs, news).changes is True
    updated = provider.update(model_id, outs, news)
    patch = double.calls_to("PATCH", "/model/{id}/update")
    assert len(patch) == 1 and double.read_count == 0 and double.write_count == 1
    sent = patch[0].body["litellm_params"]
    assert sent["api_key"] == UPSTREAM_KEY and sent["rpm"] == 120 and sent["merge_reasoning_content_in_choices"]
    stored = double.models[model_id]["litellm_params"]
    assert stored["rpm"] == 120 and stored["merge_reasoning_content_in_choices"] is True  # not reset by PATCH
    assert updated.outs["rpm"] == 120

    double.reset_calls()
    provider.delete(model_id, updated.outs)
    provider.delete(model_id, updated.outs)  # already gone = success
    assert double.models == {} and len(double.calls_to("POST", "/model/delete")) == 2
    # Every body passed litellm's own request models (litellm is a pinned test dependency).
    assert double.validating and double.ignored_fields() == {}


def test_connection_only_change_sends_nothing(provider, double):
    inputs, model_id, outs = create(provider, double)
    double.reset_calls()
    news = checked(provider, inputs, program(inputs, request_timeout=30.0, verify_tls=False))
    diff = provider.diff(model_id, outs, news)
    assert diff.changes is True and diff.replaces == []
    result = provider.update(model_id, outs, news)
    assert double.calls == [] and result.outs["request_timeout"] == 30.0 and result.outs["verify_tls"] is False
    # State written before the transport inputs existed diffs clean against their defaults.
    old_state = {k: v for k, v in outs.items() if k not in ("allow_insecure_http", "ca_bundle")}
    assert provider.diff(model_id, old_state, checked(provider, inputs, program(inputs))).changes is False


def test_removing_pricing_sends_explicit_nulls(provider, double):
    inputs, model_id, outs = create(provider, double, input_cost_per_token=2e-7, output_cost_per_token=6e-7)
    assert double.models[model_id]["litellm_params"]["input_cost_per_token"] == 2e-7
    news = checked(provider, inputs, program(inputs, input_cost_per_token=None, output_cost_per_token=None))
    assert provider.diff(model_id, outs, news).replaces == []
    provider.update(model_id, outs, news)
    body = double.calls_to("PATCH", "/model/{id}/update")[-1].body["litellm_params"]
    assert body["input_cost_per_token"] is None and body["output_cost_per_token"] is None
    assert "input_cost_per_token" not in double.models[model_id]["litellm_params"]


def test_rename_is_an_update(provider, double):
    inputs, model_id, outs = create(provider, double)
    news = checked(provider, inputs, program(inputs, model_name="granite-8b"))
    assert provider.diff(model_id, outs, news).replaces == []
    provider.update(model_id, outs, news)
    assert double.models[model_id]["model_name"] == "granite-8b"


# --- drift and import ----------------------------------------------------------------------------


def test_refresh_sees_changes_made_by_hand(provider, double):
    inputs, model_id, outs = create(provider, double)
    double.edit_model(model_id, litellm_params={"rpm": 5}, model_name="renamed")
    read = provider.read(model_id, outs)
    assert read.outs["rpm"] == 5 and read.outs["model_name"] == "renamed"
    assert read.inputs["rpm"] == 5
    diff = provider.diff(model_id, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []  # the next `up` puts it back in place


def test_refresh_sees_a_model_deleted_by_hand(provider, double):
    _, model_id, outs = create(provider, double)
    double.delete_model(model_id)
    double.seed_model("other", {"model": "openai/other"})  # router not empty: v2 consults the DB
    double.reset_calls()
    read = provider.read(model_id, outs)
    assert read.id == "" and read.outs == {}
    # v1 (router) misses, v2 (DB) misses, and a non-empty router makes that final.
    assert len(double.calls_to("GET", "/model/info")) == 1 and len(double.calls_to("GET", "/v2/model/info")) == 2


def test_refresh_tolerates_router_lag_hidden_params_masking_and_env_refs(provider, double):
    double.environ = {"GRANITE_BASE": "https://resolved.example.com/v1"}
    double.hidden_model_params = {"timeout"}
    double.set_model_read_lag(reads=5)
    inputs, model_id, outs = create(provider, double, api_base="os.environ/GRANITE_BASE", timeout=30.0,
                                    extra_params={"litellm_credential_name": "granite-cred"})
    read = provider.read(model_id, outs)
    assert read.id == model_id  # the router has not loaded it yet; the DB-backed v2 read has
    assert read.outs == outs


def test_lookups_against_an_empty_router_share_one_wait_per_operation(provider, double, caplog):
    caplog.set_level(logging.WARNING, logger="litemaas.litellm_admin")
    budget = 1.0  # the wait is bounded by readiness_timeout (and 240 s); the test connection sets it
    props = news_for(double, readiness_timeout=budget)
    started = time.monotonic()
    reads = [provider.read(f"missing-{index}", props) for index in range(6)]
    elapsed = time.monotonic() - started
    assert [read.id for read in reads] == [""] * 6  # the router never loaded a model: all gone
    assert budget <= elapsed < 3 * budget  # one wait for the whole refresh, not one per model (6 x budget)
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert waits and "missing-0" in waits[0] and "no models loaded" in waits[0] and "shared" in waits[0]
    assert double.url in waits[0]


def test_a_model_the_router_loads_during_the_wait_is_found(provider, double):
    double.set_model_read_lag(reads=1, seconds=0.3)  # the only model reaches the router after 0.3 s
    inputs, model_id, outs = create(provider, double)
    assert double.router_models == {}
    read = provider.read(model_id, outs)
    assert read.id == model_id and double.router_models


def test_import_from_the_id_alone(provider, double):
    model_id = double.seed_model("deepseek-chat", {"model": "deepseek/deepseek-chat", "api_key": "sk-deepseek-123456",
                                                   "rpm": 30, "input_cost_per_token": 2.7e-7})
    connection = {k: v for k, v in news_for(double).items()
                  if k in ("admin_url", "master_key", "readiness_timeout")}
    read = provider.read(model_id, connection)
    assert read.id == model_id
    for source in (read.outs, read.inputs):
        assert source["model_name"] == "deepseek-chat" and source["model"] == "deepseek/deepseek-chat"
        assert source["rpm"] == 30 and source["input_cost_per_token"] == 2.7e-7
        assert source["model_id"] == model_id and source["model_id_fixed"] is True
        assert source.get("api_key") is None  # write-only on the server: never imported
        assert "use_in_pass_through" not in source["extra_params"]
    # The imported inputs pass check unchanged and diff clean against themselves.
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(model_id, read.outs, again).changes is False


def test_import_of_a_missing_id_reports_gone(provider, double):
    double.seed_model("other", {"model": "openai/other"})
    read = provider.read("no-such-model", news_for(double))
    assert read.id == ""


# --- faults --------------------------------------------------------------------------------------


def assert_one_model(double, model_id):
    assert list(double.models) == [model_id]
    assert double.models[model_id]["litellm_params"]["api_key"] == UPSTREAM_KEY


def test_create_after_connection_reset_past_commit(provider, double):
    double.drop("POST", "/model/new", when="after")
    _, model_id, _ = create(provider, double)
    assert_one_model(double, model_id)
    assert len(double.calls_to("POST", "/model/new")) == 1
    assert len(double.calls_to("PATCH", "/model/{id}/update")) == 1  # re-applies the inputs once


def test_create_survives_a_503_burst_before_commit(provider, double):
    double.seed_model("other", {"model": "openai/other"})  # a router with models: v2 misses are final
    double.fail("POST", "/model/new", status=503, times=2)
    _, model_id, _ = create(provider, double)
    assert set(double.models) == {model_id} | {m for m in double.models if m != model_id}
    assert len([m for m in double.models.values() if m["model_name"] == "granite-8b-instruct"]) == 1
    assert [c.status for c in double.calls_to("POST", "/model/new")] == [503, 503, 200]


def test_create_with_500_after_save_is_success_without_retry(provider, double, caplog):
    double.model_writes_not_live(times=1, operation="create")
    caplog.set_level(logging.WARNING)
    _, model_id, _ = create(provider, double)
    assert_one_model(double, model_id)
    assert len(double.calls_to("POST", "/model/new")) == 1
    assert "not loaded it yet" in caplog.text and UPSTREAM_KEY not in caplog.text


def test_create_after_a_timeout_past_commit(provider, double):
    double.delay("POST", "/model/new", seconds=3, when="before")  # commits after the client gave up
    _, model_id, _ = create(provider, double, request_timeout=0.5, readiness_timeout=5.0)
    assert_one_model(double, model_id)


def test_create_after_a_non_json_500_before_commit(provider, double):
    double.seed_model("other", {"model": "openai/other"})
    double.non_json_500("POST", "/model/new")
    _, model_id, _ = create(provider, double)
    assert model_id in double.models and len(double.calls_to("POST", "/model/new")) == 2


def test_create_with_an_id_taken_by_another_model_fails_clearly(provider, double):
    double.seed_model("something-else", {"model": "openai/x"}, {"id": "granite-1"})
    with pytest.raises(LiteLLMAdminError, match="model id granite-1 already exists as 'something-else'"):
        create(provider, double, model_id="granite-1")
    assert double.models["granite-1"]["model_name"] == "something-else"


def test_create_adopts_a_matching_model_with_the_same_fixed_id(provider, double):
    double.seed_model("granite-8b-instruct", {"model": "openai/old"}, {"id": "granite-1"})
    _, model_id, _ = create(provider, double, model_id="granite-1")
    assert model_id == "granite-1" and double.models["granite-1"]["litellm_params"]["model"] == \
        "openai/granite-8b-instruct"


def test_create_with_store_model_in_db_off_fails_once_with_the_fix(provider, double):
    double.store_model_in_db = False
    with pytest.raises(LiteLLMAdminError, match="STORE_MODEL_IN_DB=True"):
        create(provider, double)
    assert len(double.calls_to("POST", "/model/new")) == 1 and double.models == {}


def test_update_faults(provider, double):
    inputs, model_id, outs = create(provider, double)
    double.fail("PATCH", "/model/{id}/update", status=503, times=2)
    double.model_writes_not_live(times=1, operation="update")
    news = checked(provider, inputs, program(inputs, tpm=1000))
    provider.update(model_id, outs, news)
    assert double.models[model_id]["litellm_params"]["tpm"] == 1000
    assert [c.status for c in double.calls_to("PATCH", "/model/{id}/update")] == [503, 503, 500]

    double.delete_model(model_id)
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(model_id, outs, checked(provider, inputs, program(inputs, tpm=5)))


def test_delete_after_connection_reset_past_commit(provider, double):
    _, model_id, outs = create(provider, double)
    double.drop("POST", "/model/delete", when="after")
    provider.delete(model_id, outs)
    assert double.models == {}
    assert [c.status for c in double.calls_to("POST", "/model/delete")] == [None, 400]


def test_errors_never_carry_the_upstream_key(provider, double):
    double.fail("POST", "/model/new", status=400, body={"error": {
        "message": f"litellm_params={{'api_key': '{UPSTREAM_KEY}', 'model': 'x'}} rejected", "type": "bad_request_error",
        "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        create(provider, double)
    assert UPSTREAM_KEY not in str(raised.value) and MASTER not in str(raised.value)
    assert raised.value.status == 400 and double.models == {}
