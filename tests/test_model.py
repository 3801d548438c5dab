"""litellm:Model provider: check and diff offline; CRUD, drift, import and faults against the real LiteLLM proxy.

`litellm_api` is a fault proxy in front of the session's real proxy: what LiteLLM cannot be made to do on demand
(a reset after commit, a 5xx burst, a pod whose router lags) is injected there, and every other answer is real.
Fixed model ids are unique per test: the proxy's router outlives the per-test database reset."""

from __future__ import annotations

import logging
import time
import types
import uuid

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.model import ModelProvider
from pulumi.output import Unknown
from tests.support.litellm_answers import (
    STORE_MODEL_IN_DB_OFF,
    empty_router_page,
    model_not_on_this_pod,
    model_saved_not_live,
)
from tests.support.providers import checked, connection, created, next_program_inputs

UPSTREAM_KEY = "upstream-api-key-0123456789"
# check and diff never call the server: their inputs name one that is not there.
OFFLINE = types.SimpleNamespace(url="http://127.0.0.1:9", backend=types.SimpleNamespace(master_key="sk-offline-0123"))


pytestmark = pytest.mark.usefixtures("fast_retries")


@pytest.fixture
def provider():
    return ModelProvider()


def news_for(api, **fields):
    return connection(api, **{
        "model_name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
        "api_base": "https://granite.apps.example.com/v1", "api_key": UPSTREAM_KEY, "rpm": 60,
        "model_info": {"mode": "chat"}, **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "model_id", **changes)


def create(provider, api, **fields):
    return created(provider, news_for(api, **fields))


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def served(api, model_id):
    """The model as the proxy serves it (`/model/info`, decrypted, secrets removed or masked), or None."""
    answer = api.backend.admin("GET", "/model/info", params={"litellm_model_id": model_id})
    if answer.status_code == 400 and "not found" in answer.text:
        return None
    answer.raise_for_status()
    return answer.json()["data"][0]


def stored_ids(api):
    return sorted(row[0] for row in api.backend.db.rows('SELECT model_id FROM "LiteLLM_ProxyModelTable"'))


def seed_model(api, model_name, litellm_params, model_id=None):
    """A model made by hand through the admin API (the admin UI does the same), bypassing the fault proxy."""
    model_id = model_id or unique("hand")
    api.backend.admin_json("POST", "/model/new", json={"model_name": model_name, "litellm_params": litellm_params,
                                                       "model_info": {"id": model_id}})
    return model_id


def edit_model(api, model_id, **body):
    api.backend.admin_json("PATCH", f"/model/{model_id}/update", json=body)


def delete_model(api, model_id):
    api.backend.admin_json("POST", "/model/delete", json={"id": model_id})


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


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_changes_made_by_hand(provider, litellm_api):
    flag = {"merge_reasoning_content_in_choices": True}
    inputs, model_id, outs = create(provider, litellm_api, extra_params=flag)
    # As the admin UI does: a PATCH with only the changed param, which also resets the flag it does not send.
    edit_model(litellm_api, model_id, model_name="renamed", litellm_params={"rpm": 5})
    read = provider.read(model_id, outs)
    assert read.outs["rpm"] == 5 and read.outs["model_name"] == "renamed"
    assert read.inputs["rpm"] == 5 and read.outs["extra_params"] == {"merge_reasoning_content_in_choices": False}
    diff = provider.diff(model_id, read.outs, inputs)
    assert diff.changes is True and diff.replaces == []  # the next `up` puts it back in place
    provider.update(model_id, read.outs, checked(provider, read.inputs, program(inputs)))
    live = served(litellm_api, model_id)
    assert (live["model_name"], live["litellm_params"]["rpm"]) == ("granite-8b-instruct", 60)
    assert live["litellm_params"]["merge_reasoning_content_in_choices"] is True
    assert provider.read(model_id, outs).outs == outs


@pytest.mark.every_litellm_version
def test_refresh_sees_a_model_deleted_by_hand(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    delete_model(litellm_api, model_id)
    seed_model(litellm_api, unique("other"), {"model": "openai/other"})  # router not empty: v2 consults the DB
    litellm_api.reset_calls()
    read = provider.read(model_id, outs)
    assert read.id == "" and read.outs == {}
    # v1 (router) misses, v2 (DB) misses, and a non-empty router makes that final.
    assert len(litellm_api.calls_to("GET", "/model/info")) == 1
    assert len(litellm_api.calls_to("GET", "/v2/model/info")) == 2


def test_refresh_tolerates_router_lag_masking_and_env_refs(provider, litellm_api):
    # HOME is set in the proxy's environment: LiteLLM resolves the reference when it loads the model.
    inputs = checked(provider, {}, news_for(litellm_api, api_base="os.environ/HOME", timeout=30.0,
                                            extra_params={"litellm_credential_name": "granite-cred",
                                                          "azure_ad_token": "os.environ/HOME"}))
    model_id = inputs["model_id"]
    outs = provider.create(inputs).outs
    live = served(litellm_api, model_id)["litellm_params"]
    assert live["api_base"] != "os.environ/HOME" and "****" in live["azure_ad_token"]  # resolved; masked
    # Another pod whose router has not loaded the model yet answers the first read: v2 falls back to the DB.
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod(model_id))
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs
    assert [c.status for c in litellm_api.calls_to("GET", "/model/info")] == [400]


def test_lookups_against_an_empty_router_share_one_wait_per_operation(provider, litellm_api, caplog):
    caplog.set_level(logging.WARNING, logger="litemaas.litellm_admin")
    budget = 1.0  # the wait is bounded by readiness_timeout (and 240 s); the test connection sets it
    # Every pod answers like one whose router has loaded no model (v1 misses, v2 answers an empty page).
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod("missing"), times=-1)
    litellm_api.fail("GET", "/v2/model/info", status=200, body=empty_router_page(), times=-1)
    props = news_for(litellm_api, readiness_timeout=budget)
    started = time.monotonic()
    reads = [provider.read(f"missing-{index}", props) for index in range(6)]
    elapsed = time.monotonic() - started
    assert [read.id for read in reads] == [""] * 6  # the router never loaded a model: all gone
    assert budget <= elapsed < 3 * budget  # one wait for the whole refresh, not one per model (6 x budget)
    waits = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert waits and "missing-0" in waits[0] and "no models loaded" in waits[0] and "shared" in waits[0]
    assert litellm_api.url in waits[0]


def test_refresh_waits_while_the_answering_pod_has_an_empty_router(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api, readiness_timeout=5.0)
    # A pod that has just started: its router holds no models, so v1 misses and v2 answers an empty page
    # without looking at the DB. That is no proof of absence: the provider polls until the pod loads models.
    litellm_api.fail("GET", "/model/info", status=400, body=model_not_on_this_pod(model_id), times=2)
    litellm_api.fail("GET", "/v2/model/info", status=200, body=empty_router_page(), times=4)
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs
    # two rounds of v1 miss, v2 empty, router empty; then the real router answers.
    assert [c.status for c in litellm_api.calls_to("GET", "/model/info")] == [400, 400, 200]
    # Every empty page was seen (the router is probed before each lookup), then the real router answered.
    assert [c.fault for c in litellm_api.calls_to("GET", "/v2/model/info")].count("status") == 4


def test_refresh_tolerates_params_a_proxy_does_not_echo(provider, litellm_api):
    # 1.108.7 echoes `timeout`; some LiteLLM versions leave it (and tags, max_retries) out of /model/info
    # (ncecere/terraform-provider-litellm#120). The real answer minus `timeout` stands in for one.
    inputs, model_id, outs = create(provider, litellm_api, timeout=30.0)
    answer = litellm_api.backend.admin_json("GET", "/model/info", params={"litellm_model_id": model_id})
    del answer["data"][0]["litellm_params"]["timeout"]
    litellm_api.fail("GET", "/model/info", status=200, body=answer)
    read = provider.read(model_id, outs)
    assert read.id == model_id and read.outs == outs


@pytest.mark.every_litellm_version
def test_import_from_the_id_alone(provider, litellm_api):
    name = unique("deepseek-chat")
    model_id = seed_model(litellm_api, name, {"model": "deepseek/deepseek-chat", "api_key": "sk-deepseek-123456",
                                              "rpm": 30, "input_cost_per_token": 2.7e-7})
    connection = {k: v for k, v in news_for(litellm_api).items()
                  if k in ("admin_url", "master_key", "readiness_timeout")}
    read = provider.read(model_id, connection)
    assert read.id == model_id
    for source in (read.outs, read.inputs):
        assert source["model_name"] == name and source["model"] == "deepseek/deepseek-chat"
        assert source["rpm"] == 30 and source["input_cost_per_token"] == 2.7e-7
        assert source["model_id"] == model_id and source["model_id_fixed"] is True
        assert source.get("api_key") is None  # write-only on the server: never imported
        assert not source.get("extra_params")  # the default-false flags LiteLLM adds are not adopted
    # The imported inputs pass check unchanged and diff clean against themselves.
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(model_id, read.outs, again).changes is False


def test_import_of_a_missing_id_reports_gone(provider, litellm_api):
    seed_model(litellm_api, unique("other"), {"model": "openai/other"})
    read = provider.read(unique("no-such-model"), news_for(litellm_api))
    assert read.id == ""


# --- faults --------------------------------------------------------------------------------------


def assert_one_model(api, model_id, name="granite-8b-instruct"):
    assert stored_ids(api) == [model_id]
    row = api.backend.stored_model(model_id)
    assert row["model_name"] == name and row["litellm_params"]["api_key"] == UPSTREAM_KEY
    assert served(api, model_id)["litellm_params"]["rpm"] == 60


def test_create_after_connection_reset_past_commit(provider, litellm_api):
    litellm_api.drop("POST", "/model/new", when="after")
    _, model_id, _ = create(provider, litellm_api)
    assert_one_model(litellm_api, model_id)
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [None]
    assert len(litellm_api.calls_to("PATCH", "/model/*/update")) == 1  # re-applies the inputs once


def test_create_survives_a_503_burst_before_commit(provider, litellm_api):
    other = seed_model(litellm_api, unique("other"), {"model": "openai/other"})  # router with models: misses final
    litellm_api.fail("POST", "/model/new", status=503, times=2)
    _, model_id, _ = create(provider, litellm_api)
    assert stored_ids(litellm_api) == sorted([other, model_id])
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [503, 503, 200]


def test_create_with_500_after_save_is_success_without_retry(provider, litellm_api, caplog):
    inputs = checked(provider, {}, news_for(litellm_api))
    litellm_api.fail("POST", "/model/new", status=500, when="after", body=model_saved_not_live(inputs["model_id"]))
    caplog.set_level(logging.WARNING)
    model_id = provider.create(inputs).id
    assert_one_model(litellm_api, model_id)
    assert len(litellm_api.calls_to("POST", "/model/new")) == 1
    assert "not loaded it yet" in caplog.text and UPSTREAM_KEY not in caplog.text


def test_create_after_a_timeout_past_commit(provider, litellm_api):
    litellm_api.delay("POST", "/model/new", seconds=1.5, when="before")  # commits after the client gave up
    _, model_id, _ = create(provider, litellm_api, request_timeout=0.5, readiness_timeout=5.0)
    time.sleep(1.5)  # the delayed create reaches LiteLLM whatever the provider did meanwhile
    assert_one_model(litellm_api, model_id)


def test_create_after_a_non_json_500_before_commit(provider, litellm_api):
    other = seed_model(litellm_api, unique("other"), {"model": "openai/other"})
    litellm_api.non_json_500("POST", "/model/new")
    _, model_id, _ = create(provider, litellm_api)
    assert stored_ids(litellm_api) == sorted([other, model_id])
    assert [c.status for c in litellm_api.calls_to("POST", "/model/new")] == [500, 200]


def test_create_with_an_id_taken_by_another_model_fails_clearly(provider, litellm_api):
    model_id = seed_model(litellm_api, "something-else", {"model": "openai/x"}, model_id=unique("granite"))
    with pytest.raises(LiteLLMAdminError, match=f"model id {model_id} already exists as 'something-else'"):
        create(provider, litellm_api, model_id=model_id)
    assert litellm_api.backend.stored_model(model_id)["model_name"] == "something-else"
    assert stored_ids(litellm_api) == [model_id]


def test_create_adopts_a_matching_model_with_the_same_fixed_id(provider, litellm_api):
    model_id = seed_model(litellm_api, "granite-8b-instruct", {"model": "openai/old"}, model_id=unique("granite"))
    assert create(provider, litellm_api, model_id=model_id)[1] == model_id
    assert served(litellm_api, model_id)["litellm_params"]["model"] == "openai/granite-8b-instruct"
    assert_one_model(litellm_api, model_id)


def test_create_with_store_model_in_db_off_fails_once_with_the_fix(provider, litellm_api):
    # The session proxy stores models in the DB; a second proxy without it would cost ~35 s to start.
    litellm_api.fail("POST", "/model/new", status=500, times=-1, body=STORE_MODEL_IN_DB_OFF)
    with pytest.raises(LiteLLMAdminError, match="STORE_MODEL_IN_DB=True"):
        create(provider, litellm_api)
    assert len(litellm_api.calls_to("POST", "/model/new")) == 1 and stored_ids(litellm_api) == []


def test_update_faults(provider, litellm_api):
    inputs, model_id, outs = create(provider, litellm_api)
    litellm_api.fail("PATCH", "/model/*/update", status=503, times=2)
    litellm_api.fail("PATCH", "/model/*/update", status=500, when="after",
                     body=model_saved_not_live(model_id, "update"))
    news = checked(provider, inputs, program(inputs, tpm=1000))
    provider.update(model_id, outs, news)
    assert served(litellm_api, model_id)["litellm_params"]["tpm"] == 1000
    assert [c.status for c in litellm_api.calls_to("PATCH", "/model/*/update")] == [503, 503, 500]

    delete_model(litellm_api, model_id)
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(model_id, outs, checked(provider, inputs, program(inputs, tpm=5)))


def test_delete_after_connection_reset_past_commit(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    litellm_api.drop("POST", "/model/delete", when="after")
    provider.delete(model_id, outs)
    assert stored_ids(litellm_api) == [] and served(litellm_api, model_id) is None
    assert [c.status for c in litellm_api.calls_to("POST", "/model/delete")] == [None, 400]


def test_delete_of_a_model_deleted_by_hand_succeeds(provider, litellm_api):
    _, model_id, outs = create(provider, litellm_api)
    delete_model(litellm_api, model_id)
    provider.delete(model_id, outs)
    assert [c.status for c in litellm_api.calls_to("POST", "/model/delete")] == [400]


def test_errors_never_carry_the_upstream_key(provider, litellm_api):
    litellm_api.fail("POST", "/model/new", status=400, body={"error": {
        "message": f"litellm_params={{'api_key': '{UPSTREAM_KEY}', 'model': 'x'}} rejected", "type": "bad_request_error",
        "code": "400"}})
    with pytest.raises(LiteLLMAdminError) as raised:
        create(provider, litellm_api)
    master = litellm_api.backend.master_key
    assert UPSTREAM_KEY not in str(raised.value) and master not in str(raised.value)
    assert raised.value.status == 400 and stored_ids(litellm_api) == []
