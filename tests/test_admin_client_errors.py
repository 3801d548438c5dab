"""The admin client's errors and redaction (dynamic_providers/admin/errors.py): LiteLLM's error envelopes, and no
secret in any message or log line; against the real LiteLLM proxy through the fault proxy (`litellm_api`): LiteLLM answers every call, and the
faults it cannot produce on demand (a starting gateway, a database outage, 429/5xx bursts, resets, slow
answers) are injected in front of it with the bodies the real proxy sends then (tests/support/litellm_answers.py)."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from dynamic_providers import admin_client
from dynamic_providers.admin_client import AdminClient, Connection, LiteLLMAdminError, parse_error_body, redact
from tests.support.admin_clients import connect
from tests.support.providers import MASTER

pytestmark = pytest.mark.usefixtures("fast_retries")


# --- error envelopes -----------------------------------------------------------------------------


def fake_response(status: int, body: bytes, content_type: str = "application/json") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers["Content-Type"] = content_type
    response.reason = "Reason"
    return response


@pytest.mark.parametrize("body, message, error_type", [
    (b'{"error": {"message": "{\'error\': \'Model with id=X not found in db\'}", "type": "auth_error", '
     b'"param": null, "code": "400"}}', "Model with id=X not found in db", "auth_error"),
    (b'{"detail": {"error": "Model id = X not found on litellm proxy"}}', "Model id = X not found on litellm proxy",
     None),
    (b'{"detail": "Not Found"}', "Not Found", None),
    (b'{"detail": [{"type": "float_parsing", "loc": ["body", "max_budget"], "msg": "Input should be a valid '
     b'number"}]}', "max_budget: Input should be a valid number", "validation_error"),
    (b"Internal Server Error", "Internal Server Error", None),
    (b"", "Reason", None),
])
def test_parses_the_three_envelopes_and_non_json(body, message, error_type):
    assert parse_error_body(fake_response(400, body)) == (message, error_type)


def test_errors_from_the_proxy_carry_method_endpoint_status_and_message(litellm_api):
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.get("/model/info", {"litellm_model_id": "nope"})
    error = raised.value
    assert (error.method, error.endpoint, error.status) == ("GET", "/model/info", 400)
    assert error.message == "Model id = nope not found on litellm proxy"
    assert str(error).startswith("LiteLLM admin API GET /model/info failed (HTTP 400)")


def test_non_json_500_survives(litellm_api):
    litellm_api.non_json_500("POST", "/key/generate")
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/key/generate", {}, idempotent=False)
    assert raised.value.status == 500 and raised.value.message == "Internal Server Error"
    assert litellm_api.backend.db.rows('SELECT count(*) FROM "LiteLLM_VerificationToken"') == [["0"]]


def test_422_validation_list_is_readable(litellm_api):
    # The real proxy's own validation answer, no fault.
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.post("/key/update", {"key": "sk-anything-0123", "max_budget": "abc"}, idempotent=True)
    assert raised.value.status == 422 and raised.value.error_type == "validation_error"
    assert "max_budget: Input should be a valid number" in raised.value.message


# --- redaction -----------------------------------------------------------------------------------


def test_redact_removes_known_secrets_virtual_keys_and_api_key_fields():
    text = ("master sk-master-0123456789abcdef, key sk-AbCd1234efgh, {'api_key': 'upstream-secret'} "
            '"api_key": "other", Authorization: Bearer abc.def, plain upstream-secret')
    cleaned = redact(text, [MASTER, "upstream-secret"])
    for secret in (MASTER, "sk-AbCd1234efgh", "upstream-secret", "other", "abc.def"):
        assert secret not in cleaned
    assert "sk-***" in cleaned and "'api_key': '***'" in cleaned


def test_server_messages_echoing_secrets_are_redacted(litellm_api, caplog):
    master = litellm_api.backend.master_key
    echoed = f"bad request for key sk-virtual-abcdef123456 with master {master} and api_key='upstream-xyz'"
    litellm_api.fail("POST", "/key/update", status=400, body={"error": {
        "message": echoed, "type": "bad_request_error", "code": "400"}})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LiteLLMAdminError) as raised:
        with connect(litellm_api) as api:
            api.add_secret("upstream-xyz")
            api.post("/key/update", {"key": "x"}, idempotent=True)
    text = str(raised.value) + repr(raised.value.args) + caplog.text
    for secret in ("sk-virtual-abcdef123456", master, "upstream-xyz"):
        assert secret not in text


@pytest.mark.parametrize("master", ["sk-master-0123456789abcdef\n", "sk-master-0123456789abcdef\r",
                                    "my master key\r", "sk-tab\tinside-0123456789"])
def test_a_master_key_that_is_no_header_value_is_one_redacted_error(master):
    """requests refuses it while preparing the request (InvalidHeader), before anything is sent: the error must
    be ours, redacted, and say what to fix (config refuses such keys at preview; a provider can still be handed
    one from an older state)."""
    with pytest.raises(LiteLLMAdminError) as raised:
        with AdminClient(Connection(admin_url="http://127.0.0.1:9", master_key=master), wait_ready=False) as api:
            api.get("/key/list")
    text = str(raised.value) + repr(raised.value.args)
    for fragment in (master, master.strip(), repr(master)[1:-1], "master-0123456789", "tab\\tinside", "my master"):
        assert fragment not in text, text
    assert "whitespace or a control character" in text and "masterKey" in text


def test_redact_removes_secrets_also_in_their_escaped_form():
    secret = "pass word\r\n\"quoted\""
    for shown in (secret, repr(secret), json.dumps(secret)):
        assert "word" not in redact(f"header value: {shown}", [secret])


def test_connection_repr_hides_the_master_key():
    conn = Connection(admin_url="http://x", master_key=MASTER)
    assert MASTER not in repr(conn) and MASTER not in str(conn)


def test_error_survives_pickling_with_its_fields():
    import pickle

    error = LiteLLMAdminError("POST", "/key/generate", 400, "Key with alias 'a' already exists",
                              error_type="bad_request_error")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.method, clone.endpoint, clone.status, clone.error_type) == (
        "POST", "/key/generate", 400, "bad_request_error")
    assert str(clone) == str(error)


def test_every_provider_log_line_is_redacted(caplog):
    caplog.set_level(logging.INFO, logger="litemaas.litellm_admin")
    admin_client.log.warning("created %s with %s", "sk-leaked-0123456789", {"api_key": "upstream-value"})
    assert "sk-leaked-0123456789" not in caplog.text and "upstream-value" not in caplog.text
    assert "sk-***" in caplog.text
