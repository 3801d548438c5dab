"""litellm:Team provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import, the team-delete cascade and faults. State is inspected with real admin reads and SQL."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.team import TeamHoldsKeysError, TeamProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support.providers import TEST_STACK, checked, connection, created, next_program_inputs

pytestmark = pytest.mark.usefixtures("fast_retries")

# check and diff never call LiteLLM: no server behind this URL.
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")


@pytest.fixture
def provider():
    return TeamProvider()


@pytest.fixture
def uid():
    """A suffix for fixed team ids: the proxy's in-memory team cache outlives the per-test database reset."""
    return uuid.uuid4().hex[:8]


def news_for(api, **fields):
    return connection(api, **{
        "team_alias": "ml-research", "models": ["granite-8b-instruct"], "max_budget": 500.0,
        "budget_duration": "1mo", "rpm_limit": 600, "metadata": {"cost_center": "42", "owner": "ml"}, **fields})


def program(inputs, **changes):
    return next_program_inputs(inputs, "team_id", **changes)


def create(provider, api, **fields):
    return created(provider, news_for(api, **fields))


def team_info(backend, team_id):
    return backend.admin_json("GET", "/team/info", params={"team_id": team_id})["team_info"]


def team_ids(backend):
    return sorted(row[0] for row in backend.db.rows('SELECT team_id FROM "LiteLLM_TeamTable"'))


def admin_calls(api):
    return [(c.method, c.path) for c in api.calls if not c.path.startswith("/health")]


# --- check and diff ------------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, reason", [
    ("team_alias", "", "team_alias must not be empty"),
    ("max_budget", -5, "max_budget must be 0 or more"),
    ("budget_duration", "monthly", "is not a LiteLLM duration"),
    ("rpm_limit", 2.5, "rpm_limit must be a whole number"),
    ("models", "granite", "models must be a list of non-empty strings"),
])
def test_check_rejects_bad_inputs(provider, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), \
        [(f.property, f.reason) for f in failures]


def test_ids_generated_once_fixed_ids_kept(provider):
    first = checked(provider, {}, news_for(OFFLINE))
    again = checked(provider, first, program(first, rpm_limit=1))
    assert again["team_id"] == first["team_id"] and first["team_id_fixed"] is False
    fixed = checked(provider, first, program(first, team_id="ml"))
    assert fixed["team_id"] == "ml" and fixed["team_id_fixed"] is True
    diff = provider.diff(first["team_id"], first, fixed)
    assert diff.replaces == ["team_id"] and diff.delete_before_replace is False


def test_diff_updates_in_place(provider):
    olds = checked(provider, {}, news_for(OFFLINE))
    assert provider.diff("t", olds, checked(provider, olds, program(olds))).changes is False
    for change in ({"team_alias": "ml"}, {"models": []}, {"max_budget": None}, {"metadata": {}},
                   {"master_key": "sk-another-master-key"}):
        result = provider.diff(olds["team_id"], olds, checked(provider, olds, program(olds, **change)))
        assert (result.changes, result.replaces) == (True, []), change


# --- lifecycle -----------------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_full_lifecycle_and_call_counts(provider, litellm_api):
    backend = litellm_api.backend
    inputs, team_id, outs = create(provider, litellm_api)
    info = team_info(backend, team_id)
    assert (info["team_alias"], info["max_budget"], info["budget_duration"], info["rpm_limit"]) == \
        ("ml-research", 500.0, "1mo", 600)
    assert info["models"] == ["granite-8b-instruct"] and info["metadata"] == {"cost_center": "42", "owner": "ml",
                                                                 "litemaas_stack": TEST_STACK}
    # One read first: a team with this alias owned by another stack is refused, never shared.
    assert admin_calls(litellm_api) == [("GET", "/v2/team/list"), ("POST", "/team/new")]

    litellm_api.reset_calls()
    read = provider.read(team_id, outs)
    assert read.id == team_id and read.outs == outs
    assert litellm_api.read_count == 1 and litellm_api.write_count == 0

    litellm_api.reset_calls()
    news = checked(provider, inputs, program(inputs, max_budget=750.0, metadata={"owner": "ml", "tier": "gold"}))
    provider.update(team_id, outs, news)
    calls = [c for c in litellm_api.calls if not c.path.startswith("/health")]
    assert [(c.method, c.path, c.status) for c in calls] == [("PATCH", f"/team/{team_id}", 200)]
    assert calls[0].body == {"max_budget": 750.0, "metadata": {"cost_center": None, "tier": "gold"}}
    info = team_info(backend, team_id)  # LiteLLM applied the RFC 7386 merge: cost_center removed
    assert info["metadata"] == {"owner": "ml", "tier": "gold", "litemaas_stack": TEST_STACK}  # the stamp stays
    assert info["max_budget"] == 750.0

    provider.delete(team_id, outs)
    provider.delete(team_id, outs)  # already gone = success
    assert team_ids(backend) == []
    assert [c.status for c in litellm_api.calls_to("POST", "/team/delete")] == [200, 404]
    assert backend.admin("GET", "/team/info", params={"team_id": team_id}).status_code == 404
    assert provider.read(team_id, outs).id == ""


def test_a_blocked_teams_keys_are_refused_until_it_is_unblocked_in_place(provider, litellm_api, uid):
    backend = litellm_api.backend
    inputs, team_id, outs = create(provider, litellm_api, blocked=True)
    assert team_info(backend, team_id)["blocked"] is True
    key = backend.admin_json("POST", "/key/generate", json={"key_alias": f"blocked-{uid}", "team_id": team_id})["key"]
    refused = backend.admin("GET", "/v1/models", key=key)
    assert refused.status_code == 401 and "is blocked" in refused.text
    assert provider.read(team_id, outs).outs == outs

    news = checked(provider, inputs, program(inputs, blocked=False))  # what the program sends once unset
    assert (provider.diff(team_id, outs, news).changes, provider.diff(team_id, outs, news).replaces) == (True, [])
    litellm_api.reset_calls()
    outs = provider.update(team_id, outs, news).outs
    assert [c.body for c in litellm_api.calls_to("PATCH", f"/team/{team_id}")] == [{"blocked": False}]
    assert team_info(backend, team_id)["blocked"] is False and team_ids(backend) == [team_id]
    assert backend.admin("GET", "/v1/models", key=key).status_code == 200

    backend.admin_json("POST", "/team/block", json={"team_id": team_id})  # blocked by hand: drift
    read = provider.read(team_id, outs)
    assert read.outs["blocked"] is True
    unset = checked(provider, inputs, program(inputs, blocked=None))
    litellm_api.reset_calls()
    provider.update(team_id, read.outs, unset)
    # LiteLLM answers `blocked: null` with a 500: an unset field is sent as false.
    assert [c.body for c in litellm_api.calls_to("PATCH", f"/team/{team_id}")] == [{"blocked": False}]
    assert backend.admin("GET", "/v1/models", key=key).status_code == 200


def test_connection_only_change_sends_nothing(provider, litellm_api):
    inputs, team_id, outs = create(provider, litellm_api)
    litellm_api.reset_calls()
    result = provider.update(team_id, outs, checked(provider, inputs, program(inputs, readiness_timeout=30.0)))
    assert litellm_api.calls == [] and result.outs["readiness_timeout"] == 30.0


# --- drift and import ----------------------------------------------------------------------------


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits_and_deletion(provider, litellm_api):
    backend = litellm_api.backend
    inputs, team_id, outs = create(provider, litellm_api)
    # What an admin does in the UI; a member budget makes LiteLLM add `team_member_budget_id` to the metadata.
    backend.admin_json("POST", "/team/update", json={
        "team_id": team_id, "max_budget": 1.0, "team_alias": "renamed",
        "metadata": {"owner": "ml", "cost_center": "7"}, "team_member_budget": 5.0})
    assert "team_member_budget_id" in team_info(backend, team_id)["metadata"]
    read = provider.read(team_id, outs)
    assert (read.outs["max_budget"], read.outs["team_alias"]) == (1.0, "renamed")
    assert read.outs["metadata"] == {"owner": "ml", "cost_center": "7"}
    assert provider.diff(team_id, read.outs, inputs).changes is True
    backend.admin_json("POST", "/team/delete", json={"team_ids": [team_id]})
    assert provider.read(team_id, outs).id == ""


def test_server_filled_values_are_not_drift(provider, litellm_api):
    backend = litellm_api.backend
    inputs, team_id, outs = create(provider, litellm_api, rpm_limit=None, max_budget=None)
    backend.admin_json("POST", "/team/update", json={"team_id": team_id, "rpm_limit": 100})
    backend.db.psql(f"""UPDATE "LiteLLM_TeamTable" SET spend = 12 WHERE team_id = '{team_id}'""")
    assert team_info(backend, team_id)["spend"] == 12.0
    assert provider.diff(team_id, provider.read(team_id, outs).outs, inputs).changes is False


@pytest.mark.every_litellm_version
def test_import_from_the_id_alone(provider, litellm_api, uid):
    legacy = f"legacy-{uid}"
    litellm_api.backend.admin_json("POST", "/team/new", json={
        "team_id": legacy, "team_alias": "legacy-team", "models": ["m"], "max_budget": 3.0, "metadata": {"a": 1}})
    read = provider.read(legacy, connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert source["team_alias"] == "legacy-team" and source["models"] == ["m"] and source["max_budget"] == 3.0
        assert source["metadata"] == {"a": 1} and source["team_id"] == legacy and source["team_id_fixed"] is True
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(legacy, read.outs, again).changes is False


# --- faults --------------------------------------------------------------------------------------


def assert_one_team(backend, team_id):
    assert team_ids(backend) == [team_id] and team_info(backend, team_id)["team_alias"] == "ml-research"


@pytest.mark.parametrize("fault", ["drop", "timeout", "non_json"])
def test_create_after_the_answer_is_lost_past_commit(provider, litellm_api, fault):
    # The real proxy has committed the team; only the answer is lost (fault proxy, when="after").
    litellm_api.lose_answer("POST", "/team/new", fault)
    _, team_id, _ = create(provider, litellm_api, request_timeout=1.0)
    assert_one_team(litellm_api.backend, team_id)
    assert len(litellm_api.calls_to("POST", "/team/new")) == 1
    assert len(litellm_api.calls_to("GET", "/team/info")) == 1
    assert litellm_api.calls_to("PATCH", "/team/*") == []  # the found team already matches: nothing to send


def test_create_survives_a_503_burst_before_commit(provider, litellm_api):
    litellm_api.fail("POST", "/team/new", status=503, times=2)
    _, team_id, _ = create(provider, litellm_api)
    assert_one_team(litellm_api.backend, team_id)
    assert [c.status for c in litellm_api.calls_to("POST", "/team/new")] == [503, 503, 200]


def test_fixed_id_adopts_a_matching_team_and_rejects_a_foreign_one(provider, litellm_api, uid):
    backend = litellm_api.backend
    ml, ops = f"ml-{uid}", f"ops-{uid}"
    backend.admin_json("POST", "/team/new", json={"team_id": ml, "team_alias": "ml-research", "max_budget": 1.0})
    _, team_id, _ = create(provider, litellm_api, team_id=ml)
    assert team_id == ml and team_info(backend, ml)["max_budget"] == 500.0  # made to match the inputs
    assert [c.status for c in litellm_api.calls_to("POST", "/team/new")] == [400]  # LiteLLM: "already exists"

    backend.admin_json("POST", "/team/new", json={"team_id": ops, "team_alias": "operations"})
    with pytest.raises(LiteLLMAdminError, match=f"team id {ops} already exists with alias 'operations'"):
        create(provider, litellm_api, team_id=ops)
    assert team_info(backend, ops)["team_alias"] == "operations" and team_ids(backend) == sorted([ml, ops])


def test_update_and_delete_faults(provider, litellm_api):
    inputs, team_id, outs = create(provider, litellm_api)
    litellm_api.fail("PATCH", "/team/*", status=502, times=2)
    provider.update(team_id, outs, checked(provider, inputs, program(inputs, tpm_limit=9)))
    assert team_info(litellm_api.backend, team_id)["tpm_limit"] == 9
    assert [c.status for c in litellm_api.calls_to("PATCH", "/team/*")] == [502, 502, 200]
    litellm_api.drop("POST", "/team/delete", when="after")
    provider.delete(team_id, outs)
    assert team_ids(litellm_api.backend) == []
    assert [c.status for c in litellm_api.calls_to("POST", "/team/delete")] == [None, 404]
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi"):
        provider.update(team_id, outs, checked(provider, inputs, program(inputs, tpm_limit=10)))


# --- the team-delete cascade ---------------------------------------------------------------------


def test_a_new_team_id_moves_the_keys_before_the_old_team_goes(provider, litellm_api, uid):
    """The engine's create-before-delete replacement, step by step: new team, keys updated, old team deleted."""
    backend = litellm_api.backend
    keys = VirtualKeyProvider()
    old_fixed, new_fixed = f"ml-2024-{uid}", f"ml-2025-{uid}"
    team_inputs, old_id, team_outs = create(provider, litellm_api, team_id=old_fixed)
    key_inputs, token, key_outs = created(keys, connection(litellm_api, key_alias=f"alice-{uid}",
                                                           models=["granite-8b-instruct"], team_id=old_id))
    moved = checked(provider, team_inputs, program(team_inputs, team_id=new_fixed))
    diff = provider.diff(old_id, team_outs, moved)
    assert diff.replaces == ["team_id"] and diff.delete_before_replace is False
    new_id = provider.create(moved).id
    assert team_ids(backend) == sorted([old_fixed, new_fixed])  # LiteLLM allows two teams with one alias

    key_news = checked(keys, key_inputs, {**key_inputs, "team_id": new_id})
    key_diff = keys.diff(token, key_outs, key_news)
    assert key_diff.changes is True and key_diff.replaces == []
    litellm_api.reset_calls()
    keys.update(token, key_outs, key_news)
    provider.delete(old_id, team_outs)
    writes = [(c.method, c.path, c.body, c.status) for c in litellm_api.calls if c.method != "GET"]
    assert writes == [("POST", "/key/update", {"key": token, "team_id": new_fixed}, 200),
                      ("POST", "/team/delete", {"team_ids": [old_fixed]}, 200)]
    assert team_ids(backend) == [new_fixed]
    info = backend.admin_json("GET", "/key/info", params={"key": token})["info"]
    assert info["team_id"] == new_fixed and info.get("status") != "deleted"
    assert backend.db.rows('SELECT count(*) FROM "LiteLLM_DeletedVerificationToken"') == [["0"]]


def test_delete_refuses_while_the_team_still_holds_keys(provider, litellm_api, uid):
    """LiteLLM deletes a team's keys with it; the provider never lets that happen."""
    backend = litellm_api.backend
    _, team_id, outs = create(provider, litellm_api)
    made = backend.admin_json("POST", "/key/generate", json={"key_alias": f"made-in-the-ui-{uid}", "team_id": team_id})
    raw, token = made["key"], made["token"]
    with pytest.raises(TeamHoldsKeysError, match=rf"still holds 1 key \('made-in-the-ui-{uid}'\)") as caught:
        provider.delete(team_id, outs)
    message = str(caught.value)
    assert "Move them" in message and raw not in message
    assert team_ids(backend) == [team_id] and litellm_api.calls_to("POST", "/team/delete") == []
    assert backend.db.rows(f"""SELECT count(*) FROM "LiteLLM_VerificationToken" WHERE token = '{token}'""") == [["1"]]

    backend.admin_json("POST", "/key/delete", json={"keys": [token]})  # archived keys do not count
    provider.delete(team_id, outs)
    assert team_ids(backend) == []


def test_an_expired_key_still_blocks_the_team_delete(provider, litellm_api, uid):
    """LiteLLM's team delete takes expired keys too, and `/key/list` lists them: the refusal counts them."""
    backend = litellm_api.backend
    _, team_id, outs = create(provider, litellm_api)
    made = backend.admin_json("POST", "/key/generate", json={"key_alias": f"old-{uid}", "team_id": team_id,
                                                             "duration": "1h"})
    backend.db.psql(f"""UPDATE "LiteLLM_VerificationToken" SET expires = now() - interval '1 day'
                        WHERE token = '{made["token"]}'""")
    with pytest.raises(TeamHoldsKeysError, match=rf"still holds 1 key \('old-{uid}'\)"):
        provider.delete(team_id, outs)
    assert team_ids(backend) == [team_id]


# --- tags and guardrails (Enterprise-only on teams in 1.108.7) -----------------------------------


@pytest.mark.parametrize("field", ["tags", "guardrails", "prompts"])
def test_enterprise_only_fields_are_refused_by_the_unlicensed_proxy(provider, litellm_api, field):
    # The stack config refuses them at preview unless litellmEnterprise; this is what happens past that guard.
    with pytest.raises(LiteLLMAdminError) as caught:
        create(provider, litellm_api, **{field: ["t-1"]})
    assert caught.value.status == 403 and caught.value.enterprise_only and "Enterprise licence" in str(caught.value)
    assert team_ids(litellm_api.backend) == []


def test_declared_tags_and_guardrails_are_read_from_the_team_metadata(provider, litellm_api):
    inputs, team_id, outs = create(provider, litellm_api)
    # What a licensed proxy stores for `tags`/`guardrails`; written here through metadata (free) to see the read side.
    litellm_api.backend.admin_json("POST", "/team/update", json={
        "team_id": team_id, "metadata": {"cost_center": "42", "owner": "ml", "tags": ["b", "a"],
                                         "guardrails": ["g-2"], "prompts": ["p-2"]}})
    read = provider.read(team_id, {**outs, "tags": ["a", "b"], "guardrails": ["g-1"], "prompts": ["p-1"]})
    assert read.outs["tags"] == ["a", "b"] and read.outs["guardrails"] == ["g-2"] and read.outs["prompts"] == ["p-2"]
    assert read.outs["metadata"] == {"cost_center": "42", "owner": "ml"}


# --- MCP server grants (object_permission.mcp_servers) -------------------------------------------


def test_mcp_server_grants_update_in_place_and_drift_is_seen(provider, litellm_api, uid):
    backend = litellm_api.backend
    for server_id in (f"a_{uid}", f"b_{uid}"):
        backend.admin_json("POST", "/v1/mcp/server", json={"server_id": server_id, "server_name": f"tools_{server_id}",
                                                           "url": "http://127.0.0.1:9/mcp"})
    granted = lambda team_id: team_info(backend, team_id)["object_permission"]["mcp_servers"]  # noqa: E731
    inputs, team_id, outs = create(provider, litellm_api, mcp_servers=[f"a_{uid}", f"b_{uid}"])
    assert sorted(granted(team_id)) == [f"a_{uid}", f"b_{uid}"]
    assert provider.diff(team_id, provider.read(team_id, outs).outs,
                         checked(provider, inputs, program(inputs, mcp_servers=[f"b_{uid}", f"a_{uid}"]))).changes \
        is False  # a set: order means nothing

    news = checked(provider, inputs, program(inputs, mcp_servers=[f"b_{uid}"]))
    assert provider.diff(team_id, outs, news).replaces == []
    litellm_api.reset_calls()
    outs = provider.update(team_id, outs, news).outs
    (patch,) = litellm_api.calls_to("PATCH", "/team/*")
    assert patch.body == {"object_permission": {"mcp_servers": [f"b_{uid}"]}} and granted(team_id) == [f"b_{uid}"]

    backend.admin_json("PATCH", f"/team/{team_id}", json={"object_permission": {"mcp_servers": [f"a_{uid}"]}})
    assert provider.read(team_id, outs).outs["mcp_servers"] == [f"a_{uid}"]
    removed = checked(provider, news, program(news, mcp_servers=None))
    provider.update(team_id, outs, removed)
    assert granted(team_id) == []
