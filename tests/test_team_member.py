"""litellm:TeamMember provider against the real LiteLLM proxy (through the fault proxy): check, diff, CRUD, drift,
import, the orphan-row trap of /team/member_update and a lost member_add answer."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.team_member import TeamMemberProvider
from tests.support.providers import checked, connection, created

pytestmark = pytest.mark.usefixtures("fast_retries")

OFFLINE = SimpleNamespace(url="http://127.0.0.1:9")  # check and diff never call LiteLLM


@pytest.fixture
def provider():
    return TeamMemberProvider()


@pytest.fixture
def team(litellm_api):
    """A team made outside the provider; a unique id, as the proxy's team cache outlives the database reset."""
    team_id = f"t-{uuid.uuid4().hex[:8]}"
    litellm_api.backend.admin_json("POST", "/team/new", json={"team_id": team_id, "team_alias": "ml"})
    return team_id


def news_for(api, team_id, **fields):
    return connection(api, **{"team_id": team_id, "user_id": f"alice-{team_id}", "role": "user",
                              "max_budget_in_team": 5.0, **fields})


def members(backend, team_id):
    info = backend.admin_json("GET", "/team/info", params={"team_id": team_id})
    budgets = {m["user_id"]: (m.get("litellm_budget_table") or {}).get("max_budget")
               for m in info.get("team_memberships") or []}
    return {m["user_id"]: (m["role"], budgets.get(m["user_id"])) for m in info["team_info"]["members_with_roles"]
            if m["user_id"] != "default_user_id"}


def test_check_derives_the_id_and_rejects_bad_inputs(provider):
    inputs = checked(provider, {}, news_for(OFFLINE, "t-1"))
    assert inputs["member_id"] == "t-1/alice-t-1"
    failures = provider.check({}, news_for(OFFLINE, "t-1", role="owner")).failures
    assert [f.property for f in failures] == ["role"] and "is not one of user, admin" in failures[0].reason
    failures = provider.check({}, news_for(OFFLINE, "t-1", max_budget_in_team=-1)).failures
    assert [f.property for f in failures] == ["max_budget_in_team"]
    assert provider.check({}, news_for(OFFLINE, "a/b")).failures[0].property == "team_id"


def test_diff_role_and_budget_in_place_team_and_user_replace(provider):
    olds = checked(provider, {}, news_for(OFFLINE, "t-1"))
    assert provider.diff("t-1/alice-t-1", olds, {**olds, "max_budget_in_team": 9.0}).replaces == []
    moved = checked(provider, olds, {**olds, "user_id": "bob"})
    assert set(provider.diff("t-1/alice-t-1", olds, moved).replaces) == {"user_id", "member_id"}


@pytest.mark.every_litellm_version
def test_lifecycle_update_in_place_and_delete(provider, litellm_api, team):
    backend = litellm_api.backend
    inputs, member_id, outs = created(provider, news_for(litellm_api, team))
    user = f"alice-{team}"
    assert member_id == f"{team}/{user}" and members(backend, team) == {user: ("user", 5.0)}
    news = checked(provider, inputs, {**inputs, "max_budget_in_team": None})
    provider.update(member_id, outs, news)
    assert members(backend, team) == {user: ("user", None)}  # null clears the member budget
    news = checked(provider, news, {**news, "max_budget_in_team": 7.5})
    provider.update(member_id, outs, news)
    assert members(backend, team) == {user: ("user", 7.5)}
    provider.delete(member_id, news)
    assert members(backend, team) == {}
    provider.delete(member_id, news)  # already gone: no error


def test_a_member_without_a_role_is_added_as_a_user(provider, litellm_api, team):
    # `teams[].members[].role` is optional in the stack config; LiteLLM's /team/member_add requires one (422).
    inputs, member_id, outs = created(provider, news_for(litellm_api, team, role=None))
    assert members(litellm_api.backend, team) == {f"alice-{team}": ("user", 5.0)}
    assert provider.diff(member_id, provider.read(member_id, outs).outs, inputs).changes is False


@pytest.mark.every_litellm_version
def test_refresh_sees_hand_edits_and_removal(provider, litellm_api, team):
    backend = litellm_api.backend
    inputs, member_id, outs = created(provider, news_for(litellm_api, team))
    assert provider.read(member_id, outs).outs == outs
    backend.admin_json("POST", "/team/member_update", json={"team_id": team, "user_id": inputs["user_id"],
                                                             "max_budget_in_team": 50.0})
    read = provider.read(member_id, outs)
    assert read.outs["max_budget_in_team"] == 50.0 and provider.diff(member_id, read.outs, inputs).changes
    backend.admin_json("POST", "/team/member_delete", json={"team_id": team, "user_id": inputs["user_id"]})
    assert provider.read(member_id, outs).id == ""


def test_update_of_a_member_removed_by_hand_writes_no_orphan_row(provider, litellm_api, team):
    backend = litellm_api.backend
    inputs, member_id, outs = created(provider, news_for(litellm_api, team))
    backend.admin_json("POST", "/team/member_delete", json={"team_id": team, "user_id": inputs["user_id"]})
    with pytest.raises(LiteLLMAdminError, match="deleted outside Pulumi; run `pulumi refresh`"):
        provider.update(member_id, outs, checked(provider, inputs, {**inputs, "max_budget_in_team": 1.0}))
    assert litellm_api.calls_to("POST", "/team/member_update") == []
    assert backend.db.rows(f"""SELECT count(*) FROM "LiteLLM_TeamMembership" WHERE team_id = '{team}'
                               AND user_id = '{inputs["user_id"]}'""") == [["0"]]


@pytest.mark.every_litellm_version
def test_import_by_team_and_user(provider, litellm_api, team):
    litellm_api.backend.admin_json("POST", "/team/member_add", json={
        "team_id": team, "member": {"user_id": "carol", "role": "user"}, "max_budget_in_team": 2.0})
    read = provider.read(f"{team}/carol", connection(litellm_api))
    for source in (read.outs, read.inputs):
        assert (source["team_id"], source["user_id"], source["role"], source["max_budget_in_team"]) == \
            (team, "carol", "user", 2.0)
    again = checked(provider, read.inputs, dict(read.inputs))
    assert provider.diff(f"{team}/carol", read.outs, again).changes is False
    assert provider.read(f"{team}/nobody", connection(litellm_api)).id == ""


def test_a_lost_add_answer_ends_with_one_member(provider, litellm_api, team):
    litellm_api.drop("POST", "/team/member_add", when="after")
    inputs, member_id, _ = created(provider, news_for(litellm_api, team))
    assert members(litellm_api.backend, team) == {inputs["user_id"]: ("user", 5.0)}
    assert len(litellm_api.calls_to("POST", "/team/member_add")) == 1


def test_a_member_added_by_hand_is_adopted(provider, litellm_api, team):
    litellm_api.backend.admin_json("POST", "/team/member_add", json={
        "team_id": team, "member": {"user_id": f"alice-{team}", "role": "user"}})
    inputs, member_id, _ = created(provider, news_for(litellm_api, team))
    assert members(litellm_api.backend, team) == {inputs["user_id"]: ("user", 5.0)}  # the budget set on the found one


def test_a_new_team_at_preview_leaves_the_id_unknown(provider):
    from pulumi.runtime import rpc

    inputs = checked(provider, {}, news_for(OFFLINE, rpc.UNKNOWN))
    assert inputs["member_id"] == rpc.UNKNOWN
    olds = checked(provider, {}, news_for(OFFLINE, "t-1"))
    assert provider.diff("t-1/alice-t-1", olds, {**olds, "role": "admin"}).delete_before_replace is False
    replaced = provider.diff("t-1/alice-t-1", olds, checked(provider, olds, {**olds, "team_id": "t-2"}))
    assert "team_id" in replaced.replaces and replaced.delete_before_replace is True


def test_delete_removes_the_members_budget_row(provider, litellm_api, team):
    """maxBudgetInTeam lives in a budget row LiteLLM keeps after /team/member_delete: the membership's delete
    removes it, so `destroy` leaves nothing behind."""
    backend = litellm_api.backend
    rows = lambda: sorted(r[0] for r in backend.db.rows('SELECT budget_id FROM "LiteLLM_BudgetTable"'))  # noqa: E731
    before = rows()
    _, member, outs = created(provider, news_for(litellm_api, team))
    assert len(rows()) == len(before) + 1
    provider.delete(member, outs)
    assert members(backend, team) == {} and rows() == before
    provider.delete(member, outs)
