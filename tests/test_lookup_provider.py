"""litellm:Lookup's provider against a recorded fake admin API: exact matches of LiteLLM's partial filters, the
errors (missing, ambiguous, refused), one call per reference in a process, and no call in create/read/delete."""

from __future__ import annotations

import pytest
from pulumi.runtime import rpc

from dynamic_providers.admin_client import LiteLLMAdminError
from dynamic_providers.lookup import LookupProvider, forget_lookups

CONNECTION = {"admin_url": "https://gateway.test", "master_key": "sk-master-0123456789"}
TEAMS = [{"team_id": "t-1", "team_alias": "ml-platform"}, {"team_id": "t-2", "team_alias": "ml-platform-old"}]


class FakeApi:
    """Answers like LiteLLM 1.108.7: partial filters on alias and email, 404 for missing ids, [] for budgets."""

    def __init__(self, teams=TEAMS, refuse: bool = False):
        self.teams, self.refuse, self.calls = teams, refuse, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def _check(self, path):
        self.calls.append(path)
        if self.refuse:
            raise LiteLLMAdminError("GET", path, 401, "Authentication Error, invalid user key")

    def _pages(self, path, params, items, **_):
        self._check(path)
        if path == "/v2/team/list":
            return [t for t in self.teams if params["team_alias"] in t["team_alias"]]
        return [{"user_id": "dave", "user_email": "Dave@Example.com"}, {"user_id": "d2", "user_email": "dave@example.co"}]

    def get(self, path, params=None):
        self._check(path)
        if path == "/team/info" and params["team_id"] != "t-1":
            raise LiteLLMAdminError("GET", path, 404, "Team not found, passed team id")
        if path == "/user/info":
            raise LiteLLMAdminError("GET", path, 404, "User carol not found")
        if path == "/v2/model/info":
            return {"data": [{"model_name": "gpt-4o"}] if params["model"] == "gpt-4o" else []}
        return {"team_id": params.get("team_id")}

    def budget_info(self, name):
        self._check("/budget/info")
        return {"budget_id": name} if name == "gold" else None


@pytest.fixture
def api(monkeypatch):
    forget_lookups()
    fake = FakeApi()
    monkeypatch.setattr(LookupProvider, "client", lambda self, props, *secrets: fake)
    yield fake
    forget_lookups()


def check(kind, by, value, **extra):
    inputs = {**CONNECTION, "kind": kind, "by": by, "value": value, "config_key": f"existing.{kind}s[0].{by}",
              **extra}
    return LookupProvider().check({}, inputs)


@pytest.mark.parametrize("kind, by, value, found", [
    ("team", "alias", "ml-platform", "t-1"), ("team", "id", "t-1", "t-1"), ("user", "email", "dave@example.com", "dave"),
    ("budget", "name", "gold", "gold"), ("model", "name", "gpt-4o", "gpt-4o")])
def test_a_reference_resolves_to_the_exact_object(api, kind, by, value, found):
    result = check(kind, by, value)
    assert result.failures == [] and result.inputs["object_id"] == found


@pytest.mark.parametrize("kind, by, value, endpoint", [
    ("team", "alias", "ml-plat", "/v2/team/list"), ("team", "id", "t-9", "/team/info"),
    ("user", "id", "carol", "/user/info"), ("budget", "name", "silver", "/budget/info"),
    ("model", "name", "gpt-5", "/v2/model/info")])
def test_a_missing_object_fails_the_check_naming_the_config_key(api, kind, by, value, endpoint):
    (failure,) = check(kind, by, value).failures
    assert failure.reason.startswith(f"{kind} {value!r} (`existing.{kind}s[0].{by}`) does not exist on the gateway "
                                     f"(looked up by {by} with {endpoint})"), failure.reason


def test_an_alias_several_teams_share_lists_their_ids(api):
    api.teams = [*TEAMS, {"team_id": "t-3", "team_alias": "ml-platform"}]
    (failure,) = check("team", "alias", "ml-platform").failures
    assert "names 2 teams (ids t-1, t-3)" in failure.reason and "by its id" in failure.reason


def test_a_refused_lookup_is_an_admin_api_error_not_missing(api):
    api.refuse = True
    (failure,) = check("team", "alias", "ml-platform").failures
    assert "could not look up team 'ml-platform'" in failure.reason and "HTTP 401" in failure.reason
    assert "does not exist" not in failure.reason
    api.refuse = False
    assert check("team", "alias", "ml-platform").failures == []  # a refusal is not cached


def test_one_call_per_reference_in_a_process(api):
    for _ in range(3):
        check("team", "alias", "ml-platform")
        check("budget", "name", "gold")
    assert api.calls == ["/v2/team/list", "/budget/info"]


def test_an_unknown_gateway_leaves_the_id_unknown_without_a_call(api):
    result = check("team", "alias", "ml-platform", admin_url=rpc.UNKNOWN)
    assert result.failures == [] and result.inputs["object_id"] == rpc.UNKNOWN and api.calls == []


def test_create_read_update_and_delete_make_no_call(api):
    provider = LookupProvider()
    props = {**CONNECTION, "kind": "team", "by": "alias", "value": "ml-platform", "object_id": "t-1"}
    created = provider.create(props)
    assert created.id == "team/alias/ml-platform" and created.outs["object_id"] == "t-1"
    assert provider.read(created.id, props).outs["object_id"] == "t-1"
    assert provider.update(created.id, props, {**props, "object_id": "t-2"}).outs["object_id"] == "t-2"
    provider.delete(created.id, props)
    assert api.calls == []


def test_a_changed_id_is_a_change_and_a_moved_config_key_is_not(api):
    provider = LookupProvider()
    olds = {**CONNECTION, "kind": "team", "by": "alias", "value": "ml-platform", "object_id": "t-1",
            "config_key": "existing.teams[0].alias"}
    assert not provider.diff("x", olds, {**olds, "config_key": "existing.teams[3].alias"}).changes
    assert provider.diff("x", olds, {**olds, "object_id": "t-3"}).changes
