"""The endpoint table (dynamic_providers/admin/endpoints.py): what each call sends, how answers are unwrapped, and
LiteLLM's quirks as adapters. The requests are recorded at `AdminClient.request` (the transport is tested in
test_admin_client_transport.py, and each kind's calls against the real proxy in its own tests)."""

from __future__ import annotations

import inspect

import pytest

from dynamic_providers.admin.endpoints import ENDPOINTS
from dynamic_providers.admin_client import AdminClient, Connection, LiteLLMAdminError


class Recorded(AdminClient):
    """An AdminClient whose requests are recorded and answered from `answers` ((method, path) -> body or error)."""

    def __init__(self, answers=None):
        super().__init__(Connection(admin_url="http://127.0.0.1:4000", master_key="sk-master-0123456789"))
        self.answers = answers or {}
        self.sent = []

    def request(self, method, path, *, params=None, json=None, idempotent=True, ok=(200, 201)):
        self.sent.append((method, path, params, json, idempotent))
        answer = self.answers.get((method, path))
        if isinstance(answer, Exception):
            raise answer
        return answer


def refused(method: str, path: str, status: int, message: str) -> LiteLLMAdminError:
    return LiteLLMAdminError(method, path, status, message)


@pytest.mark.parametrize("name, args, sent", [
    ("team_new", ({"team_alias": "a"},), ("POST", "/team/new", None, {"team_alias": "a"}, False)),
    ("team_info", ("t1",), ("GET", "/team/info", {"team_id": "t1"}, None, True)),
    ("team_update", ("a/b c", {"max_budget": 1}), ("PATCH", "/team/a%2Fb%20c", None, {"max_budget": 1}, True)),
    ("team_delete", ("t1",), ("POST", "/team/delete", None, {"team_ids": ["t1"]}, True)),
    ("user_new", ({"user_id": "u"},), ("POST", "/user/new", None, {"user_id": "u", "auto_create_key": False}, False)),
    ("key_delete", ("hash",), ("POST", "/key/delete", None, {"keys": ["hash"]}, True)),
    ("model_update", ("m/1", {"x": 1}), ("PATCH", "/model/m%2F1/update", None, {"x": 1}, True)),
    ("model_delete", ("m1",), ("POST", "/model/delete", None, {"id": "m1"}, True)),
    ("credential_info", ("c 1",), ("GET", "/credentials/by_name/c%201", None, None, True)),
    ("budget_info", ("b1",), ("POST", "/budget/info", None, {"budgets": ["b1"]}, True)),
    ("tag_info", ("t",), ("POST", "/tag/info", None, {"names": ["t"]}, True)),
    ("tag_delete", ("t",), ("POST", "/tag/delete", None, {"name": "t"}, True)),
    ("guardrail_put", ("g1", {"guardrail_name": "n"}),
     ("PUT", "/guardrails/g1", None, {"guardrail": {"guardrail_name": "n"}}, True)),
    ("search_tool_new", ({"search_tool_name": "n"},),
     ("POST", "/search_tools", None, {"search_tool": {"search_tool_name": "n"}}, False)),
    ("search_tool_delete", ("t/1",), ("DELETE", "/search_tools/t%2F1", None, None, True)),
    # The id in the body wins over a stale one among the fields.
    ("mcp_server_update", ("s1", {"alias": "x", "server_id": "old"}),
     ("PUT", "/v1/mcp/server", None, {"alias": "x", "server_id": "s1"}, True)),
])
def test_each_call_sends_the_id_where_litellm_expects_it(name, args, sent):
    api = Recorded()
    getattr(api, name)(*args)
    assert api.sent == [sent]


def test_every_table_entry_is_a_client_method_taking_what_its_shape_needs():
    for name, call in ENDPOINTS.items():
        parameters = list(inspect.signature(getattr(AdminClient, name)).parameters)[1:]
        assert parameters == [p for p, wanted in (("object_id", call.send_id), ("body", call.body)) if wanted], name


def test_lookups_answer_none_and_deletes_false_for_a_gone_object():
    gone = refused("GET", "/team/info", 404, "Team t1 not found")
    api = Recorded({("GET", "/team/info"): gone, ("POST", "/team/delete"): gone,
                    ("POST", "/key/delete"): {"deleted_keys": ["hash"]}})
    assert api.team_info("t1") is None and api.team_delete("t1") is False and api.key_delete("hash") is True
    api.answers[("GET", "/team/info")] = {"team_info": {"team_id": "t1"}}
    assert api.team_info("t1") == {"team_id": "t1"}
    assert api.budget_info("b1") is None  # LiteLLM's "not found" here is 200 []


def test_tag_errors_inside_a_500_carry_their_real_status():
    api = Recorded({("POST", "/tag/info"): refused("POST", "/tag/info", 500, "404: Tag t not found"),
                    ("POST", "/tag/new"): refused("POST", "/tag/new", 500, "400: Tag t already exists")})
    assert api.tag_info("t") is None
    with pytest.raises(LiteLLMAdminError) as raised:
        api.tag_new({"name": "t"})
    assert raised.value.status == 400 and raised.value.already_exists


def test_updating_an_unknown_user_never_creates_it():
    api = Recorded({("GET", "/v2/user/info"): refused("GET", "/v2/user/info", 404, "User u not found")})
    with pytest.raises(LiteLLMAdminError) as raised:
        api.user_update("u", {"max_budget": 1})
    assert raised.value.not_found
    assert [(method, path) for method, path, *_ in api.sent] == [("GET", "/v2/user/info")]  # no /user/update


def test_guardrail_reads_never_carry_the_masked_api_key():
    row = {"guardrail_id": "g1", "guardrail_name": "n", "litellm_params": {"guardrail": "aporia", "api_key": "gr****56"}}
    api = Recorded({("GET", "/guardrails/g1"): row, ("GET", "/v2/guardrails/list"): {"guardrails": [row]}})
    for found in (api.guardrail_get("g1"), api.guardrail_named("n")):
        assert found["litellm_params"] == {"guardrail": "aporia"}


@pytest.mark.parametrize("call, path, answer, said", [
    (lambda api: api.guardrail_new({"guardrail_name": "n"}), ("POST", "/guardrails"),
     refused("POST", "/guardrails", 500, "Unique constraint failed on the fields: (`guardrail_name`)"),
     "guardrail name already exists"),
    (lambda api: api.search_tool_put("t1", {"search_tool_name": "n"}), ("PUT", "/search_tools/t1"),
     refused("PUT", "/search_tools/t1", 500, "Unique constraint failed on the fields: (`search_tool_name`)"),
     "search tool name already exists"),
    (lambda api: api.team_member_add({"team_id": "t"}), ("POST", "/team/member_add"),
     refused("POST", "/team/member_add", 400, "User u already in team"), "team member already exists"),
])
def test_taken_names_said_litellms_way_are_already_exists(call, path, answer, said):
    with pytest.raises(LiteLLMAdminError) as raised:
        call(Recorded({path: answer}))
    assert raised.value.already_exists and said in raised.value.message


def test_a_budget_update_answered_null_is_not_found():
    with pytest.raises(LiteLLMAdminError) as raised:
        Recorded().budget_update("b1", {"max_budget": 1})
    assert raised.value.not_found and "b1" in raised.value.message


def test_an_mcp_server_delete_without_a_body_is_done():
    assert Recorded().mcp_server_delete("s1") is True
    gone = refused("DELETE", "/v1/mcp/server/s1", 404, "not found")
    assert Recorded({("DELETE", "/v1/mcp/server/s1"): gone}).mcp_server_delete("s1") is False


def test_typed_list_reads_follow_every_page(monkeypatch):
    """`list_keys` / `list_users` / `spend_logs` (the litemaas command) read until `total_pages`, reporting progress."""
    asked = []

    def get(self, path, params=None, **kw):
        asked.append((path, dict(params)))
        return {"keys": [{"token": f"t{params['page']}"}], "total_pages": 3}

    monkeypatch.setattr(AdminClient, "get", get)
    api = AdminClient(Connection(admin_url="http://127.0.0.1:1", master_key="sk-test-master"))
    seen = []
    assert [k["token"] for k in api._pages("/key/list", {"x": 1}, "keys", size_param="size", size=100,
                                           progress=seen.append)] == ["t1", "t2", "t3"]
    assert [p["page"] for _, p in asked] == [1, 2, 3] and all(p["size"] == 100 and p["x"] == 1 for _, p in asked)
    assert seen == ["/key/list: page 1 of 3", "/key/list: page 2 of 3", "/key/list: page 3 of 3"]
    asked.clear()
    api.list_keys(alias="alice")
    assert asked[0][1] == {"return_full_object": "true", "key_alias": "alice", "page": 1, "size": 100}
