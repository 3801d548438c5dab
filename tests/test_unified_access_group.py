"""litellm:UnifiedAccessGroup provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD,
drift, import, a lost create answer, and membership owned by the holders: a team and a key carry the group's id
(`access_group_ids`), the group never compares the assigned ids LiteLLM mirrors onto it, a key reaches a model only
its group grants, and a deleted group leaves no id behind on its holders."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.team import TeamProvider
from dynamic_providers.unified_access_group import UnifiedAccessGroupProvider
from dynamic_providers.virtual_key import VirtualKeyProvider
from tests.support import keys as key_support
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")
OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM


@pytest.fixture
def provider():
    return UnifiedAccessGroupProvider()


@pytest.fixture
def name():
    return f"uag-{uuid.uuid4().hex[:8]}"


def news_for(api, name, **fields):
    return connection(api, **{"access_group_name": name, "description": "research models",
                              "access_model_names": ["granite", "mistral"], **fields})


def group(backend, group_id):
    answer = backend.admin("GET", f"/v1/access_group/{group_id}")
    return answer.json() if answer.ok else None


def group_rows(backend, name):
    return backend.db.rows(f"""SELECT access_group_id FROM "LiteLLM_AccessGroupTable"
                               WHERE access_group_name = '{name}'""")


def mock_model(backend, model):
    backend.admin_json("POST", "/model/new", json={"model_name": model, "litellm_params": {
        "model": "openai/x", "api_key": "sk-unused", "mock_response": "hi"}})


@pytest.mark.parametrize("field, value, reason", [
    ("access_group_name", "", "access_group_name must not be empty"),
    ("access_model_names", "granite", "access_model_names must be a list of non-empty strings"),
    ("access_mcp_server_ids", ["a", "a"], "access_mcp_server_ids lists a value twice"),
])
def test_check_rejects_bad_inputs(provider, name, field, value, reason):
    failures = provider.check({}, news_for(OFFLINE, name, **{field: value})).failures
    assert any(f.property == field and reason in f.reason for f in failures), [(f.property, f.reason) for f in failures]


def test_every_field_updates_in_place_and_a_forced_replacement_deletes_first(provider, name):
    olds = {**checked(provider, {}, news_for(OFFLINE, name)), "access_group_id": "g-1"}
    assert provider.diff("g-1", olds, checked(provider, olds, news_for(OFFLINE, name))).changes is False
    reordered = news_for(OFFLINE, name, access_model_names=["mistral", "granite"])
    assert provider.diff("g-1", olds, checked(provider, olds, reordered)).changes is False  # a set
    for change in ({"access_group_name": "other"}, {"description": None}, {"access_model_names": ["granite"]},
                   {"access_mcp_server_ids": ["srv-1"]}):
        result = provider.diff("g-1", olds, checked(provider, olds, news_for(OFFLINE, name, **change)))
        assert (result.changes, result.replaces) == (True, []), change
    # `pulumi up --replace`: the name is unique on the server, so the old group goes first.
    assert provider.delete_before_replace(olds, dict(olds)) is True
    assert provider.delete_before_replace(olds, {**olds, "access_group_name": "other"}) is False


@pytest.mark.every_litellm_version
def test_lifecycle(provider, litellm_api, name):
    backend = litellm_api.backend
    inputs, gid, outs = created(provider, news_for(litellm_api, name))
    assert outs["access_group_id"] == gid and group_rows(backend, name) == [[gid]]
    found = group(backend, gid)
    assert (found["access_group_name"], found["description"], sorted(found["access_model_names"])) == \
        (name, "research models", ["granite", "mistral"])  # names LiteLLM does not check: no such models here
    read = provider.read(gid, outs)
    assert read.id == gid and provider.diff(gid, read.outs, inputs).changes is False

    litellm_api.reset_calls()
    news = checked(provider, inputs, news_for(litellm_api, f"{name}-2", description=None,
                                              access_model_names=["granite"]))
    outs = provider.update(gid, outs, news).outs
    (put,) = litellm_api.calls_to("PUT", f"/v1/access_group/{gid}")
    assert put.body == {"access_group_name": f"{name}-2", "description": None, "access_model_names": ["granite"]}
    found = group(backend, gid)
    assert (found["access_group_name"], found["description"], found["access_model_names"]) == \
        (f"{name}-2", None, ["granite"])
    assert provider.diff(gid, provider.read(gid, outs).outs, news).changes is False

    news = checked(provider, news, news_for(litellm_api, f"{name}-2", description=None, access_model_names=None))
    outs = provider.update(gid, outs, news).outs
    assert group(backend, gid)["access_model_names"] == []  # a removed list is sent as null: stored empty
    assert provider.diff(gid, provider.read(gid, outs).outs, news).changes is False

    provider.delete(gid, outs)
    provider.delete(gid, outs)  # already gone (404) = success
    assert group(backend, gid) is None and provider.read(gid, outs).id == ""


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits(provider, litellm_api, name):
    inputs, gid, outs = created(provider, news_for(litellm_api, name))
    litellm_api.backend.admin_json("PUT", f"/v1/access_group/{gid}", json={"description": "edited",
                                                                          "access_model_names": ["other"]})
    read = provider.read(gid, outs)
    assert (read.outs["description"], read.outs["access_model_names"]) == ("edited", ["other"])
    assert provider.diff(gid, read.outs, inputs).changes is True


@pytest.mark.every_litellm_version
def test_import_by_id(provider, litellm_api, name):
    row = litellm_api.backend.admin_json("POST", "/v1/access_group", json={
        "access_group_name": name, "description": "made by hand", "access_model_names": ["granite"]})
    read = provider.read(row["access_group_id"], connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert (source["access_group_name"], source["description"], source["access_model_names"]) == \
            (name, "made by hand", ["granite"])
    assert read.outs["access_group_id"] == row["access_group_id"]
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(row["access_group_id"], read.outs, again).changes is False


def test_a_name_taken_before_is_refused(provider, litellm_api, name):
    litellm_api.backend.admin_json("POST", "/v1/access_group", json={"access_group_name": name})
    with pytest.raises(LiteLLMAdminError) as caught:
        created(provider, news_for(litellm_api, name))
    assert caught.value.status == 409 and "exists already" in str(caught.value)


@pytest.mark.parametrize("fault", ["drop", "timeout"])
def test_lost_create_answer_ends_with_one_group(provider, litellm_api, name, fault):
    litellm_api.lose_answer("POST", "/v1/access_group", fault)
    _, gid, _ = created(provider, news_for(litellm_api, name, request_timeout=1.0))
    assert group_rows(litellm_api.backend, name) == [[gid]]
    assert len(litellm_api.calls_to("POST", "/v1/access_group")) == 1
    assert litellm_api.calls_to("PUT", f"/v1/access_group/{gid}") == []  # the found group already matches


@pytest.mark.every_litellm_version
def test_holders_own_the_membership_and_a_deleted_group_leaves_them_clean(provider, litellm_api, name):
    backend = litellm_api.backend
    granted, listed = f"granted-{name}", f"listed-{name}"
    for model in (granted, listed):
        mock_model(backend, model)
    inputs, gid, outs = created(provider, news_for(litellm_api, name, access_model_names=[granted]))
    teams, keys = TeamProvider(), VirtualKeyProvider()
    team_inputs, team_id, team_outs = created(teams, connection(litellm_api, team_alias=f"team-{name}",
                                                                access_group_ids=[gid]))
    key_inputs, token, key_outs = created(keys, key_support.news_for(litellm_api, key_alias=f"key-{name}",
                                                                      models=[listed], access_group_ids=[gid]))
    # LiteLLM mirrors both holders onto the group; the group's state never holds them, so no drift either way.
    found = group(backend, gid)
    assert (found["assigned_team_ids"], found["assigned_key_ids"]) == ([team_id], [token])
    assert provider.diff(gid, provider.read(gid, outs).outs, inputs).changes is False
    for holder, holder_id, holder_inputs, holder_outs in ((teams, team_id, team_inputs, team_outs),
                                                          (keys, token, key_inputs, key_outs)):
        read = holder.read(holder_id, holder_outs)
        assert read.outs["access_group_ids"] == [gid]
        assert holder.diff(holder_id, read.outs, holder_inputs).changes is False

    # The key lists one model; its group grants another, which it may call too.
    ask = {"messages": [{"role": "user", "content": "hi"}]}
    for model in (listed, granted):
        answer = backend.admin("POST", "/chat/completions", json={**ask, "model": model}, key=key_outs["key"])
        assert answer.status_code == 200, (model, answer.text[:300])

    # Holders that drop the group: LiteLLM drops them from the group's side too.
    team_news = checked(teams, team_inputs, {k: v for k, v in team_inputs.items() if k != "access_group_ids"})
    teams.update(team_id, team_outs, team_news)
    assert not backend.admin_json("GET", "/team/info", params={"team_id": team_id})["team_info"].get("access_group_ids")
    assert group(backend, gid)["assigned_team_ids"] == []
    other_inputs, other_token, other_outs = created(keys, key_support.news_for(
        litellm_api, key_alias=f"other-{name}", models=[listed], access_group_ids=[gid]))
    assert sorted(group(backend, gid)["assigned_key_ids"]) == sorted([token, other_token])
    keys.update(other_token, other_outs, checked(keys, other_inputs, {
        k: v for k, v in other_inputs.items() if k != "access_group_ids"}))
    assert not key_support.key_info(backend, other_token).get("access_group_ids")
    assert group(backend, gid)["assigned_key_ids"] == [token]

    # Deleting the group removes its id from every holder still carrying it.
    provider.delete(gid, outs)
    assert not key_support.key_info(backend, token).get("access_group_ids")
    refused = backend.admin("POST", "/chat/completions", json={**ask, "model": granted}, key=key_outs["key"])
    assert refused.status_code in (401, 403), refused.text[:300]
