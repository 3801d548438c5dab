"""Contract tests of the LiteLLM admin API double (tests/support/litellm_double.py), with plain requests."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.litellm_double import LiteLLMDouble, budget_reset_at, mask_value
from tests.support.providers import MASTER as MASTER_KEY  # the key the shared `double` fixture accepts
REPO_ROOT = Path(__file__).resolve().parent.parent


class Client:
    """Thin requests wrapper bound to one double."""

    def __init__(self, api: LiteLLMDouble, key: str = MASTER_KEY):
        self.api = api
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def get(self, path: str, **params: object) -> requests.Response:
        return self.session.get(self.api.url + path, params=params, timeout=5)

    def post(self, path: str, body: object = None, timeout: float = 5) -> requests.Response:
        return self.session.post(self.api.url + path, json=body, timeout=timeout)

    def patch(self, path: str, body: object = None) -> requests.Response:
        return self.session.patch(self.api.url + path, json=body, timeout=5)


@pytest.fixture
def api(double):
    return double


@pytest.fixture
def client(api):
    return Client(api)


def new_model(client: Client, model_id: str = "m-1", **extra: object) -> requests.Response:
    body = {"model_name": "gpt-public", "model_info": {"id": model_id},
            "litellm_params": {"model": "openai/gpt-4o", "api_key": "sk-provider-secret-1234"}}
    body.update(extra)
    return client.post("/model/new", body)


def error_of(response: requests.Response) -> dict:
    return response.json()["error"]


# ------------------------------------------------------------------------------------------ auth, health


def test_missing_and_wrong_key_are_401_in_proxy_exception_shape(api):
    anonymous = requests.get(api.url + "/team/list", timeout=5)
    wrong = requests.get(api.url + "/team/list", headers={"Authorization": "Bearer sk-wrong"}, timeout=5)
    assert anonymous.status_code == 401
    assert error_of(anonymous)["code"] == "401" and "No api key passed in" in error_of(anonymous)["message"]
    assert wrong.status_code == 401
    assert set(error_of(wrong)) == {"message", "type", "param", "code"}
    assert error_of(wrong)["type"] == "token_not_found_in_db"


@pytest.mark.parametrize("header", ["x-litellm-api-key", "x-api-key"])
@pytest.mark.parametrize("prefix", ["", "Bearer "])
def test_alternative_auth_headers_are_accepted(api, header, prefix):
    response = requests.get(api.url + "/team/list", headers={header: prefix + MASTER_KEY}, timeout=5)
    assert response.status_code == 200 and response.json() == []


def test_virtual_key_cannot_use_admin_routes(api, client):
    raw = client.post("/key/generate", {}).json()["key"]
    response = Client(api, key=raw).get("/team/list")
    assert response.status_code == 401
    assert "Only proxy admin" in error_of(response)["message"]


def test_wrong_key_without_database_is_400_no_db_connection(api):
    api.set_readiness(db="Not connected")
    response = requests.get(api.url + "/team/list", headers={"Authorization": "Bearer sk-wrong"}, timeout=5)
    assert response.status_code == 400
    assert error_of(response)["type"] == "no_db_connection"


def test_health_needs_no_auth_and_reports_db_states(api, client):
    assert requests.get(api.url + "/health/liveliness", timeout=5).json() == "I'm alive!"
    assert requests.get(api.url + "/health/readiness", timeout=5).json() == {"status": "healthy", "db": "connected"}
    api.set_readiness(db="Not connected")
    response = requests.get(api.url + "/health/readiness", timeout=5)
    assert (response.status_code, response.json()["db"]) == (200, "Not connected")
    api.set_readiness(db="disconnected")
    response = requests.get(api.url + "/health/readiness", timeout=5)
    assert (response.status_code, response.json()["db"]) == (503, "disconnected")
    assert client.get("/team/list").status_code == 503


def test_readiness_not_ready_for_n_calls_then_healthy(api):
    api.set_readiness(db="connected", not_ready_calls=2)
    codes = [requests.get(api.url + "/health/readiness", timeout=5).status_code for _ in range(3)]
    assert codes == [503, 503, 200]


def test_readiness_details_needs_auth_and_reports_version(api, client):
    assert requests.get(api.url + "/health/readiness/details", timeout=5).status_code == 401
    details = client.get("/health/readiness/details").json()
    assert details["litellm_version"] == "1.108.7" and details["db"] == "connected"


def test_shutting_down_liveliness_is_503(api):
    api.shutting_down = True
    response = requests.get(api.url + "/health/liveliness", timeout=5)
    assert (response.status_code, response.json()) == (503, {"status": "shutting_down"})


def test_no_db_management_errors_mention_db_and_connect(api, client):
    api.set_readiness(db="Not connected")
    for response in (new_model(client), client.post("/key/generate", {}), client.post("/team/delete", {"team_ids": ["x"]}),
                     client.patch("/model/x/update", {"model_name": "y"})):
        assert response.status_code == 500
        text = response.text.lower()
        assert "db" in text and "connect" in text


# ------------------------------------------------------------------------------------------ models


def test_model_create_uses_client_id_and_returns_encrypted_row(api, client):
    response = new_model(client)
    assert response.status_code == 200
    row = response.json()
    assert row["model_id"] == "m-1"
    assert row["litellm_params"]["api_key"] != "sk-provider-secret-1234"
    assert row["litellm_params"]["model"] != "openai/gpt-4o"
    assert api.models["m-1"]["litellm_params"]["api_key"] == "sk-provider-secret-1234"


def test_model_create_generates_id_when_not_sent(api, client):
    response = client.post("/model/new", {"model_name": "x", "litellm_params": {"model": "openai/x"}})
    assert response.status_code == 200
    assert response.json()["model_id"] in api.models


def test_duplicate_model_id_is_500_failed_to_add(client):
    assert new_model(client).status_code == 200
    response = new_model(client)
    assert response.status_code == 500
    assert "Failed to add model to db" in error_of(response)["message"]


def test_model_create_requires_store_model_in_db(api, client):
    api.store_model_in_db = False
    response = new_model(client)
    assert response.status_code == 500
    assert "STORE_MODEL_IN_DB" in error_of(response)["message"]
    assert api.models == {}


def test_missing_litellm_params_is_500_not_422(client):
    response = client.post("/model/new", {"model_name": "x"})
    assert response.status_code == 500


def test_model_info_masks_and_removes_secrets_and_mirrors_pricing(client):
    params = {"model": "azure/dep", "api_key": "sk-provider-secret-1234", "aws_secret_access_key": "aws-secret-xyz",
              "client_secret": "cs-123456789", "api_base": "https://example.invalid/v1",
              "litellm_credential_name": "shared-credential-name", "vertex_access_token": "ya29.abcdefghij",
              "input_cost_per_token": 0.000001, "rpm": 10}
    info_in = {"id": "m-2", "base_model": "gpt-4o", "input_cost_per_token": 5.0, "output_cost_per_token": 7.0}
    assert client.post("/model/new", {"model_name": "p", "litellm_params": params, "model_info": info_in}).ok
    entry = client.get("/model/info", litellm_model_id="m-2").json()["data"][0]
    read_params = entry["litellm_params"]
    for removed in ("api_key", "aws_secret_access_key", "client_secret"):
        assert removed not in read_params
    assert read_params["api_base"] == "https://example.invalid/v1"
    assert read_params["litellm_credential_name"] == "shared-credential-name"
    assert read_params["vertex_access_token"] == mask_value("ya29.abcdefghij") == "ya29*******ghij"
    assert read_params["rpm"] == 10
    for flag in ("use_in_pass_through", "use_litellm_proxy", "merge_reasoning_content_in_choices",
                 "allow_client_keepalive_override", "use_xai_oauth"):
        assert read_params[flag] is False
    info = entry["model_info"]
    assert info["id"] == "m-2" and info["db_model"] is True and info["base_model"] == "gpt-4o"
    assert info["input_cost_per_token"] == 0.000001  # from litellm_params, the model_info value was dropped
    assert info["output_cost_per_token"] is None
    assert info["litellm_provider"] == "azure"


def test_model_info_missing_is_400_plain_detail(client):
    response = client.get("/model/info", litellm_model_id="nope")
    assert response.status_code == 400
    assert response.json() == {"detail": {"error": "Model id = nope not found on litellm proxy"}}


def test_v2_model_info_missing_is_200_empty_page(client):
    new_model(client)
    response = client.get("/v2/model/info", modelId="nope")
    assert response.status_code == 200
    assert response.json()["data"] == [] and response.json()["total_count"] == 0


def test_patch_merges_and_resets_default_false_flags(api, client):
    params = {"model": "openai/gpt-4o", "api_key": "sk-provider-secret-1234", "use_in_pass_through": True,
              "rpm": 5, "input_cost_per_token": 0.5, "litellm_credential_name": "cred"}
    assert client.post("/model/new", {"model_name": "a", "litellm_params": params, "model_info": {"id": "m"}}).ok
    response = client.patch("/model/m/update", {"litellm_params": {"tpm": 100, "rpm": None, "input_cost_per_token": None,
                                                                  "litellm_credential_name": None},
                                                "model_info": {"mode": "embedding"}})
    assert response.status_code == 200
    stored = api.models["m"]
    assert stored["litellm_params"]["tpm"] == 100
    assert stored["litellm_params"]["rpm"] == 5  # null on a non-clearable key keeps it
    assert "input_cost_per_token" not in stored["litellm_params"]
    assert "litellm_credential_name" not in stored["litellm_params"]
    assert stored["litellm_params"]["use_in_pass_through"] is False  # the default-false reset
    assert stored["litellm_params"]["api_key"] == "sk-provider-secret-1234"
    assert stored["model_info"]["mode"] == "embedding"


def test_patch_without_litellm_params_keeps_flags_and_can_rename_and_block(api, client):
    params = {"model": "openai/gpt-4o", "use_in_pass_through": True}
    client.post("/model/new", {"model_name": "a", "litellm_params": params, "model_info": {"id": "m"}})
    assert client.patch("/model/m/update", {"model_name": "b", "blocked": True}).ok
    stored = api.models["m"]
    assert (stored["model_name"], stored["blocked"], stored["litellm_params"]["use_in_pass_through"]) == ("b", True, True)


def test_patch_unknown_model_is_404_and_store_off_is_400(api, client):
    response = client.patch("/model/ghost/update", {"model_name": "x"})
    assert response.status_code == 404 and error_of(response)["type"] == "not_found_error"
    api.store_model_in_db = False
    response = client.patch("/model/ghost/update", {"model_name": "x"})
    assert response.status_code == 400 and "DB-stored models" in error_of(response)["message"]


def test_legacy_model_update_ignores_model_info_and_null_keeps(api, client):
    client.post("/model/new", {"model_name": "a", "litellm_params": {"model": "openai/x", "rpm": 1},
                               "model_info": {"id": "m", "mode": "chat"}})
    response = client.post("/model/update", {"model_info": {"id": "m", "mode": "embedding"},
                                             "litellm_params": {"rpm": None, "tpm": 9}})
    assert response.status_code == 200
    stored = api.models["m"]
    assert stored["litellm_params"]["rpm"] == 1 and stored["litellm_params"]["tpm"] == 9
    assert stored["model_info"]["mode"] == "chat"
    assert client.post("/model/update", {"model_info": {"id": "ghost"}, "litellm_params": {}}).status_code == 400
    api.store_model_in_db = False
    response = client.post("/model/update", {"model_info": {"id": "m"}, "litellm_params": {"tpm": 1}})
    assert (response.status_code, response.json()) == (200, None)


def test_model_delete_and_delete_missing_is_400_not_found_in_db(api, client):
    new_model(client)
    response = client.post("/model/delete", {"id": "m-1"})
    assert response.json() == {"message": "Model: m-1 deleted successfully"}
    again = client.post("/model/delete", {"id": "m-1"})
    assert again.status_code == 400 and "not found in db" in error_of(again)["message"]
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 400


def test_team_model_is_stored_under_internal_name_and_read_under_public_name(api, client):
    client.post("/team/new", {"team_id": "t"})
    assert new_model(client, model_info={"id": "tm", "team_id": "t"}).ok
    assert api.models["tm"]["model_name"].startswith("model_name_t_")
    assert client.get("/model/info", litellm_model_id="tm").json()["data"][0]["model_name"] == "gpt-public"
    assert "gpt-public" in api.teams["t"]["models"]
    client.post("/model/delete", {"id": "tm"})
    assert "gpt-public" not in api.teams["t"]["models"]


def test_saved_but_not_live_500_after_commit(api, client):
    api.model_writes_not_live(times=1)
    response = new_model(client)
    assert response.status_code == 500
    assert "saved to the database, but" in error_of(response)["message"]
    assert "m-1" in api.models
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 400
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 200
    assert new_model(client, model_info={"id": "m-2"}).status_code == 200  # times=1 used up


def test_update_not_live_keeps_the_write(api, client):
    new_model(client)
    api.model_writes_not_live(times=1, operation="update")
    response = client.patch("/model/m-1/update", {"model_name": "renamed"})
    assert response.status_code == 500 and "Model update was saved" in error_of(response)["message"]
    assert api.models["m-1"]["model_name"] == "renamed"


def test_read_lag_hides_new_model_from_router_but_not_from_v2_db_fallback(api, client):
    api.seed_model("other", {"model": "openai/other"}, model_id="seeded")  # a non-empty router
    api.set_model_read_lag(reads=2)
    new_model(client)
    assert client.get("/v2/model/info", modelId="m-1").json()["data"][0]["model_info"]["id"] == "m-1"
    codes = [client.get("/model/info", litellm_model_id="m-1").status_code for _ in range(3)]
    assert codes == [400, 400, 200]


def test_read_lag_serves_old_value_after_update_on_both_reads(api, client):
    new_model(client)
    api.set_model_read_lag(reads=1)
    client.patch("/model/m-1/update", {"model_info": {"mode": "embedding"}})
    assert client.get("/v2/model/info", modelId="m-1").json()["data"][0]["model_info"]["mode"] == "chat"
    assert client.get("/model/info", litellm_model_id="m-1").json()["data"][0]["model_info"]["mode"] == "chat"
    assert client.get("/model/info", litellm_model_id="m-1").json()["data"][0]["model_info"]["mode"] == "embedding"


def test_read_lag_in_seconds(api, client):
    api.set_model_read_lag(seconds=0.4)
    new_model(client)
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 400
    time.sleep(0.5)
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 200


def test_v2_answers_empty_page_when_router_is_empty(api, client):
    api.set_model_read_lag(reads=1)
    new_model(client)
    assert client.get("/v2/model/info", modelId="m-1").json()["data"] == []
    api.v2_empty_router_shortcut = False
    assert len(client.get("/v2/model/info", modelId="m-1").json()["data"]) == 1


def test_hidden_params_and_environ_references_on_read(api, client):
    api.hidden_model_params = {"timeout"}
    api.environ = {"UPSTREAM_BASE": "https://resolved.invalid"}
    params = {"model": "openai/x", "timeout": 30, "api_base": "os.environ/UPSTREAM_BASE"}
    client.post("/model/new", {"model_name": "x", "litellm_params": params, "model_info": {"id": "m"}})
    read = client.get("/model/info", litellm_model_id="m").json()["data"][0]["litellm_params"]
    assert "timeout" not in read and read["api_base"] == "https://resolved.invalid"


# ------------------------------------------------------------------------------------------ keys


def test_key_generate_response_and_server_defaults(api, client):
    before = dt.datetime.now(dt.timezone.utc)
    response = client.post("/key/generate", {"key_alias": "svc", "duration": "2h", "max_budget": 10.5,
                                             "budget_duration": "30d", "soft_budget": 5.0, "models": ["gpt"]})
    assert response.status_code == 200
    body = response.json()
    raw = body["key"]
    assert raw.startswith("sk-")
    assert body["token"] == body["token_id"] == hashlib.sha256(raw.encode()).hexdigest()
    assert body["key_name"] == f"sk-...{raw[-4:]}"
    expires = dt.datetime.fromisoformat(body["expires"])
    assert dt.timedelta(hours=2) <= expires - before < dt.timedelta(hours=2, seconds=30)
    assert "soft_budget" not in body
    info = client.get("/key/info", key=body["token"]).json()
    assert info["key"] == body["token"] and "token" not in info["info"]
    row = info["info"]
    assert row["spend"] == 0.0 and row["status"] == "active" and row["key_type"] == "default"
    assert row["litellm_budget_table"]["soft_budget"] == 5.0 and row["budget_id"]
    reset = dt.datetime.fromisoformat(row["budget_reset_at"])
    assert reset.day == 1 and reset.hour == 0 and reset > before
    assert row["max_budget"] == 10.5 and row["models"] == ["gpt"]


def test_budget_reset_snapping():
    monday = dt.datetime(2026, 11, 27, 15, 30, tzinfo=dt.timezone.utc)  # a Friday
    assert budget_reset_at("7d", monday) == dt.datetime(2026, 11, 30, tzinfo=dt.timezone.utc)
    assert budget_reset_at("1h", monday) == dt.datetime(2026, 11, 27, 16, tzinfo=dt.timezone.utc)
    assert budget_reset_at("1mo", monday) == dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc)


def test_key_info_accepts_raw_key_or_hash(client):
    body = client.post("/key/generate", {}).json()
    by_raw = client.get("/key/info", key=body["key"]).json()
    by_hash = client.get("/key/info", key=body["token"]).json()
    assert by_raw["info"] == by_hash["info"]


def test_alias_uniqueness_and_empty_alias_trap(client):
    assert client.post("/key/generate", {"key_alias": "dup"}).ok
    clash = client.post("/key/generate", {"key_alias": "dup"})
    assert clash.status_code == 400
    assert error_of(clash)["param"] == "key_alias" and "already exists" in error_of(clash)["message"]
    assert client.post("/key/generate", {"key_alias": ""}).ok
    empty_clash = client.post("/key/generate", {"key_alias": ""})
    assert empty_clash.status_code == 400 and "alias '' already exists" in error_of(empty_clash)["message"]
    assert client.post("/key/generate", {"key_alias": None}).ok
    assert client.post("/key/generate", {}).ok


def test_existing_custom_key_is_silent_200_without_write(api, client):
    custom = "sk-custom-value-000001"
    assert client.post("/key/generate", {"key": custom, "max_budget": 1.0}).ok
    again = client.post("/key/generate", {"key": custom, "max_budget": 99.0})
    assert again.status_code == 200 and again.json()["max_budget"] == 99.0
    assert api.keys[hashlib.sha256(custom.encode()).hexdigest()]["max_budget"] == 1.0


def test_bad_custom_key_and_negative_budget_are_400(client):
    assert client.post("/key/generate", {"key": "nope-123456789012345"}).status_code == 400
    assert client.post("/key/generate", {"key": "sk-short"}).status_code == 400
    assert client.post("/key/generate", {"max_budget": -1}).status_code == 400


def test_validation_error_is_422_list(client):
    response = client.post("/key/generate", {"max_budget": "abc"})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["loc"] == ["body", "max_budget"]


def test_unknown_fields_are_ignored_and_reported(api, client):
    assert api.validating
    body = client.post("/key/generate", {"key_alias": "x", "not_a_field": 1}).json()
    assert "not_a_field" not in api.keys[body["token"]]
    assert api.ignored_fields() == {"POST /key/generate": ["not_a_field"]}
    assert api.calls_to("POST", "/key/generate")[0].ignored_fields == ["not_a_field"]


def test_key_list_by_alias_with_full_objects(client):
    first = client.post("/key/generate", {"key_alias": "a"}).json()
    client.post("/key/generate", {"key_alias": "b"})
    hashes = client.get("/key/list", key_alias="a").json()
    assert hashes["keys"] == [first["token"]] and hashes["total_count"] == 1
    full = client.get("/key/list", key_alias="a", return_full_object="true").json()
    assert full["keys"][0]["token"] == first["token"] and full["keys"][0]["key_alias"] == "a"
    assert client.get("/key/list", size=101).status_code == 422


def test_key_update_partial_semantics(api, client):
    created = client.post("/key/generate", {"key_alias": "k", "max_budget": 5, "tpm_limit": 7,
                                            "metadata": {"owner": "x"}, "duration": "1h"}).json()
    old_expires = dt.datetime.fromisoformat(created["expires"])
    response = client.post("/key/update", {"key": created["token"], "max_budget": None, "rpm_limit": 3,
                                           "duration": "10d"})
    assert response.status_code == 200
    assert response.json()["key"] == created["token"] and response.json()["token"] == created["token"]
    row = api.keys[created["token"]]
    assert row["max_budget"] is None and row["rpm_limit"] == 3 and row["tpm_limit"] == 7
    assert row["metadata"] == {"owner": "x"} and row["key_alias"] == "k"
    assert dt.datetime.fromisoformat(row["expires"]) - old_expires > dt.timedelta(days=9)
    client.post("/key/update", {"key": created["token"], "duration": None})
    assert api.keys[created["token"]]["expires"] is None


def test_key_update_by_alias_unknown_and_alias_collision(api, client):
    a = client.post("/key/generate", {"key_alias": "a"}).json()
    client.post("/key/generate", {"key_alias": "b"})
    assert client.post("/key/update", {"key_alias": "a", "tpm_limit": 1}).ok
    assert api.keys[a["token"]]["tpm_limit"] == 1
    missing = client.post("/key/update", {"key": "0" * 64, "tpm_limit": 1})
    assert missing.status_code == 404 and error_of(missing)["message"] == "Key not found."
    clash = client.post("/key/update", {"key": a["token"], "key_alias": "b"})
    assert clash.status_code == 400
    assert client.post("/key/update", {"tpm_limit": 1}).status_code == 422


def test_key_update_metadata_replaces_but_keeps_metadata_backed_fields(api, client):
    api.premium_user = True
    created = client.post("/key/generate", {"metadata": {"a": 1, "b": 2}, "tags": ["t"]}).json()
    client.post("/key/update", {"key": created["token"], "metadata": {"c": 3}})
    assert api.keys[created["token"]]["metadata"] == {"c": 3, "tags": ["t"]}


def test_key_delete_archives_and_info_reports_deleted(api, client):
    created = client.post("/key/generate", {"key_alias": "gone"}).json()
    response = client.post("/key/delete", {"keys": [created["token"]]})
    assert response.json() == {"deleted_keys": [created["token"]]}
    info = client.get("/key/info", key=created["token"])
    assert info.status_code == 200 and info.json()["info"]["status"] == "deleted"
    assert info.json()["info"]["deleted_at"]
    again = client.post("/key/delete", {"keys": [created["token"]]})
    assert again.status_code == 404 and "No keys found" in error_of(again)["message"]
    assert client.get("/key/list", key_alias="gone").json()["keys"] == []
    assert client.get("/key/list", status="deleted").json()["keys"] == [created["token"]]


def test_key_info_never_existed_is_404(client):
    response = client.get("/key/info", key="f" * 64)
    assert response.status_code == 404
    assert error_of(response) == {"message": "Key not found in database", "type": "not_found_error",
                                  "param": "key", "code": "404"}


def test_key_block_unblock_sets_revoked_status(client):
    created = client.post("/key/generate", {}).json()
    assert client.post("/key/block", {"key": created["key"]}).json()["blocked"] is True
    assert client.get("/key/info", key=created["token"]).json()["info"]["status"] == "revoked"
    client.post("/key/unblock", {"key": created["token"]})
    assert client.get("/key/info", key=created["token"]).json()["info"]["status"] == "active"


def test_enterprise_key_fields_without_licence(client):
    assert client.post("/key/generate", {"tags": ["x"]}).status_code == 500
    assert client.post("/key/generate", {"guardrails": ["g"]}).status_code == 403


# ------------------------------------------------------------------------------------------ teams


def test_team_create_duplicate_and_auto_admin(api, client):
    row = client.post("/team/new", {"team_id": "t1", "team_alias": "Team", "max_budget": 3}).json()
    assert row["team_id"] == "t1" and row["spend"] == 0.0 and row["models"] == []
    assert {"user_id": "default_user_id", "user_email": None, "role": "admin"} in row["members_with_roles"]
    dup = client.post("/team/new", {"team_id": "t1"})
    assert dup.status_code == 400 and "already exists" in error_of(dup)["message"]
    assert client.post("/team/new", {"max_budget": 1, "soft_budget": 2}).status_code == 400


def test_team_info_envelope_and_404(client):
    client.post("/team/new", {"team_id": "t1"})
    key = client.post("/key/generate", {"team_id": "t1"}).json()
    info = client.get("/team/info", team_id="t1").json()
    assert set(info) == {"team_id", "team_info", "keys", "team_memberships"}
    assert info["team_info"]["team_id"] == "t1" and info["keys"][0]["token"] == key["token"]
    missing = client.get("/team/info", team_id="ghost")
    assert missing.status_code == 404 and "Team not found" in error_of(missing)["message"]
    assert client.get("/team/info").status_code == 422


def test_team_update_replaces_metadata_and_patch_merges(api, client):
    client.post("/team/new", {"team_id": "t", "metadata": {"a": 1, "b": 2}})
    api.edit_team("t", metadata={"a": 1, "b": 2, "team_member_budget_id": "sys"})
    updated = client.post("/team/update", {"team_id": "t", "metadata": {"c": 3}, "tpm_limit": 5})
    assert updated.json()["data"]["metadata"] == {"c": 3, "team_member_budget_id": "sys"}
    patched = client.patch("/team/t", {"metadata": {"c": None, "d": 4}, "team_alias": "x"})
    assert patched.status_code == 200
    assert patched.json()["metadata"] == {"team_member_budget_id": "sys", "d": 4}
    assert api.teams["t"]["tpm_limit"] == 5 and api.teams["t"]["team_alias"] == "x"
    assert client.patch("/team/t", {"team_id": "other"}).status_code == 400
    assert client.post("/team/update", {"team_id": "ghost"}).status_code == 404
    assert client.patch("/team/ghost", {"team_alias": "y"}).status_code == 404


def test_team_delete_cascades_to_keys_and_is_all_or_nothing(api, client):
    client.post("/team/new", {"team_id": "t1"})
    client.post("/team/new", {"team_id": "t2"})
    key = client.post("/key/generate", {"team_id": "t1"}).json()
    other = client.post("/key/generate", {"team_id": "t2"}).json()
    partial = client.post("/team/delete", {"team_ids": ["t1", "ghost"]})
    assert partial.status_code == 404 and set(api.teams) == {"t1", "t2"}
    assert client.post("/team/delete", {"team_ids": ["t1"]}).json() == {"deleted_teams": ["t1"]}
    assert client.get("/key/info", key=key["token"]).json()["info"]["status"] == "deleted"
    assert client.post("/key/update", {"key": key["token"], "tpm_limit": 1}).status_code == 404
    assert other["token"] in api.keys


def test_team_list_is_bare_array_with_keys(client):
    client.post("/team/new", {"team_id": "t1"})
    client.post("/key/generate", {"team_id": "t1"})
    teams = client.get("/team/list").json()
    assert isinstance(teams, list) and teams[0]["team_id"] == "t1" and len(teams[0]["keys"]) == 1
    assert client.get("/v2/team/list", team_id="t1").json()["total"] == 1


# ------------------------------------------------------------------------------------------ faults


def test_fail_n_times_then_succeed(api, client):
    fault = api.fail("POST", "/team/new", status=503, times=2)
    codes = [client.post("/team/new", {"team_id": f"t{i}"}).status_code for i in range(3)]
    assert codes == [503, 503, 200]
    assert set(api.teams) == {"t2"} and fault.hits == 2 and fault.remaining == 0


def test_429_with_retry_after_header(api, client):
    api.fail("GET", "/key/info", status=429, retry_after=3)
    response = client.get("/key/info", key="x" * 64)
    assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert error_of(response)["code"] == "429"


def test_fail_after_commit_keeps_the_write(api, client):
    api.fail("POST", "/team/new", status=502, when="after")
    assert client.post("/team/new", {"team_id": "t"}).status_code == 502
    assert "t" in api.teams


def test_path_placeholders_and_method_wildcard(api, client):
    new_model(client)
    api.fail("*", "/model/{model_id}/update", status=500, times=1)
    assert client.patch("/model/m-1/update", {"model_name": "x"}).status_code == 500
    assert client.patch("/model/m-1/update", {"model_name": "x"}).status_code == 200


@pytest.mark.parametrize("when, committed", [("before", False), ("after", True)])
def test_drop_connection_before_or_after_commit(api, client, when, committed):
    fault = api.drop("POST", "/key/generate", when=when)
    with pytest.raises(requests.ConnectionError):
        client.post("/key/generate", {"key_alias": "dropped"})
    assert (len(api.keys) == 1) is committed
    assert api.calls_to("POST", "/key/generate")[0].status is None and fault.hits == 1
    assert client.post("/key/generate", {"key_alias": "next"}).ok


@pytest.mark.parametrize("when, visible_right_after_timeout", [("before", False), ("after", True)])
def test_delay_triggers_client_timeout_and_commits_before_or_after(api, client, when, visible_right_after_timeout):
    api.delay("POST", "/team/new", seconds=0.8, when=when)
    with pytest.raises(requests.Timeout):
        client.post("/team/new", {"team_id": "slow"}, timeout=0.3)
    time.sleep(0.1)
    assert ("slow" in api.teams) is visible_right_after_timeout
    time.sleep(0.8)
    assert "slow" in api.teams


def test_non_json_500(api, client):
    api.non_json_500("GET", "/team/info")
    response = client.get("/team/info", team_id="x")
    assert response.status_code == 500 and response.text == "Internal Server Error"
    with pytest.raises(ValueError):
        response.json()


def test_clear_faults(api, client):
    api.fail("*", "/team/list", times=-1)
    assert client.get("/team/list").status_code == 503
    api.clear_faults()
    assert client.get("/team/list").status_code == 200


# ------------------------------------------------------------------------------------------ recording


def test_calls_are_recorded_without_auth_headers(api, client):
    client.session.headers["litellm-changed-by"] = "tests"
    client.post("/team/new", {"team_id": "t"})
    client.get("/team/info", team_id="t")
    call = api.calls_to("POST", "/team/new")[0]
    assert call.body == {"team_id": "t"} and call.status == 200
    assert not any(h.lower() == "authorization" for h in call.headers)
    assert call.headers["litellm-changed-by"] == "tests"
    assert api.calls_to("GET", "/team/info")[0].query == {"team_id": "t"}
    assert (api.write_count, api.read_count) == (1, 1)
    api.reset_calls()
    assert api.calls == [] and api.write_count == 0


# ------------------------------------------------------------------------------------------ hand edits


def test_hand_edits_bypass_faults_and_lag(api, client):
    new_model(client)
    api.fail("*", "/model/info", times=-1)
    api.set_model_read_lag(reads=5)
    api.edit_model("m-1", litellm_params={"rpm": 99})
    api.clear_faults()
    assert client.get("/model/info", litellm_model_id="m-1").json()["data"][0]["litellm_params"]["rpm"] == 99
    assert api.delete_model("m-1")
    assert client.get("/model/info", litellm_model_id="m-1").status_code == 400


def test_edit_and_delete_key_and_team_directly(api, client):
    raw, token = api.seed_key(key_alias="seeded", max_budget=2.0)
    assert token == hashlib.sha256(raw.encode()).hexdigest()
    api.edit_key(token, max_budget=9.0)
    assert client.get("/key/info", key=token).json()["info"]["max_budget"] == 9.0
    api.seed_team("t", team_alias="T")
    api.edit_team("t", team_alias="drifted")
    assert client.get("/team/info", team_id="t").json()["team_info"]["team_alias"] == "drifted"
    api.delete_key(token)
    assert client.get("/key/info", key=token).json()["info"]["status"] == "deleted"
    assert api.calls_to("*", "/key/info") and not api.calls_to("*", "/key/update")


# ------------------------------------------------------------------------------------------ standalone process


def _start_process(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "LITELLM_DOUBLE_MASTER_KEY": MASTER_KEY}
    process = subprocess.Popen([sys.executable, "-m", "tests.support.litellm_double", "--port", "0",
                                "--state-file", str(tmp_path / "state.json"), *extra],
                               cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    return process, url


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def test_standalone_process_control_endpoints_and_state_file(tmp_path):
    process, url = _start_process(tmp_path, "--no-validate")
    try:
        assert url.startswith("http://127.0.0.1:")
        headers = {"Authorization": f"Bearer {MASTER_KEY}"}
        assert requests.post(url + "/team/new", json={"team_id": "t"}, headers=headers, timeout=5).ok
        assert requests.get(url + "/__double__/state", timeout=5).status_code == 401
        state = requests.get(url + "/__double__/state", headers=headers, timeout=5).json()
        assert "t" in state["teams"]
        calls = requests.get(url + "/__double__/calls", headers=headers, timeout=5).json()
        assert [(c["method"], c["path"]) for c in calls] == [("POST", "/team/new")]
        requests.post(url + "/__double__/edit", json={"kind": "team", "id": "t", "fields": {"team_alias": "ui"}},
                      headers=headers, timeout=5)
        requests.post(url + "/__double__/fault", json={"method": "GET", "path": "/team/info", "status": 503},
                      headers=headers, timeout=5)
        assert requests.get(url + "/team/info", params={"team_id": "t"}, headers=headers, timeout=5).status_code == 503
        info = requests.get(url + "/team/info", params={"team_id": "t"}, headers=headers, timeout=5).json()
        assert info["team_info"]["team_alias"] == "ui"
        requests.post(url + "/__double__/reset_calls", headers=headers, timeout=5)
        assert requests.get(url + "/__double__/calls", headers=headers, timeout=5).json() == []
    finally:
        _stop(process)
    saved = json.loads((tmp_path / "state.json").read_text())
    assert "t" in saved["teams"]
    process, url = _start_process(tmp_path, "--no-validate")
    try:
        headers = {"Authorization": f"Bearer {MASTER_KEY}"}
        assert requests.get(url + "/team/info", params={"team_id": "t"}, headers=headers, timeout=5).ok
    finally:
        _stop(process)


def test_hard_deleted_key_is_404_and_past_expiry_is_expired(api, client):
    raw, token = api.seed_key()
    api.edit_key(raw, expires=(dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=1)).isoformat())
    assert client.get("/key/info", key=token).json()["info"]["status"] == "expired"
    api.delete_key(token, archive=False)
    assert client.get("/key/info", key=token).status_code == 404
