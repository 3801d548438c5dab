"""End to end with the real engine and the real LiteLLM proxy: renaming a key's and a team's alias with
`previousAlias` updates them in place; the user's key value keeps working. Each test is one step, in order.
"""

from __future__ import annotations

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

pytestmark = pytest.mark.e2e

MODELS = [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
           "apiBase": "https://granite.apps.e2e.example.com/v1"}]
TEAM = {"alias": "data-sceince", "models": ["granite-8b-instruct"], "maxBudget": 50}
KEY = {"alias": "alic", "team": "data-sceince", "models": ["granite-8b-instruct"], "maxBudget": 5}


@pytest.fixture(scope="module")
def world(tmp_path_factory, real_litellm_server):
    bin_dir = ensure_toolchain()
    real_litellm_server.reset()
    with FaultProxy(real_litellm_server.url) as litellm:
        litellm.backend = real_litellm_server
        project = PulumiProject(tmp_path_factory.mktemp("rename"), bin_dir)
        project.set_plain({"deployGateway": False, "gatewayUrl": litellm.url, "models": MODELS, "teams": [TEAM],
                           "keys": [KEY], "adminApi": {"readinessTimeout": "60s", "requestTimeout": "10s"}})
        project.set_secret("masterKey", real_litellm_server.master_key)
        yield project, litellm, {}


def live_key(litellm, alias):
    return next(k for k in litellm.backend.keys() if k["key_alias"] == alias)


def test_1_up_issues_the_key(world):
    project, litellm, seen = world
    project.up()
    seen["value"] = project.outputs(show_secrets=True)["keys"]["alic"]["key"]
    seen["token"] = live_key(litellm, "alic")["token"]
    seen["team"] = live_key(litellm, "alic")["team_id"]
    assert litellm.backend.admin("GET", "/v1/models", key=seen["value"]).status_code == 200


def test_2_the_rename_is_planned_as_updates_only(world):
    project, _, _ = world

    def rename(config):
        config["litemaas:teams"] = [{**TEAM, "alias": "data-science", "previousAlias": "data-sceince"}]
        config["litemaas:keys"] = [{**KEY, "alias": "alice", "previousAlias": "alic", "team": "data-science"}]

    project.edit_config(rename)
    plan: dict[str, set[str]] = {}
    for step in project.preview().get("steps", []):
        if step["op"] != "same":
            plan.setdefault(step["op"], set()).add(step["urn"].rsplit("::", 1)[1])
    assert plan == {"update": {"catalog-key-alice", "catalog-team-data-science"}}, plan


def test_3_up_renames_in_place_and_the_value_keeps_working(world):
    project, litellm, seen = world
    litellm.reset_calls()
    project.up()
    writes = sorted((c.method, c.path) for c in litellm.calls if c.method != "GET")
    assert writes == [("PATCH", f"/team/{seen['team']}"), ("POST", "/key/update")], writes
    key = live_key(litellm, "alice")
    assert (key["token"], key["team_id"]) == (seen["token"], seen["team"])
    assert project.outputs(show_secrets=True)["keys"]["alice"]["key"] == seen["value"]
    assert litellm.backend.admin("GET", "/v1/models", key=seen["value"]).status_code == 200
    project.up("--expect-no-changes")  # previousAlias left in place is harmless


def test_4_destroy(world):
    project, litellm, _ = world
    project.destroy()
    assert [k["key_alias"] for k in litellm.backend.keys()] == []
