"""References to objects the stack does not own (`existing`), through the real CLI against the real LiteLLM proxy:
a team made through the admin API, named by alias by a key of the stack; one lookup call per reference per run;
a missing team is one preview error naming its config key, with nothing created; `destroy` leaves the team."""

from __future__ import annotations

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.pulumi_cli import PulumiError, PulumiProject, ensure_toolchain
from tests.test_catalog_e2e import litellm_resources

# On each tested LiteLLM version: the lookups rely on its list filters and "not found" answers.
pytestmark = [pytest.mark.e2e, pytest.mark.every_litellm_version]

UI_TEAM = "ui-made-team"
MODEL = {"name": "ref-chat", "model": "openai/ref-chat", "extraParams": {"mock_response": "ok"}}
CATALOG = {"models": [MODEL], "existing": {"teams": [{"alias": UI_TEAM}]},
           "keys": [{"alias": "ref-key", "team": UI_TEAM, "models": ["ref-chat"]}]}


def lookups(api: FaultProxy) -> list[str]:
    return [c.path for c in api.calls if c.path == "/v2/team/list"]


@pytest.fixture()
def stack(tmp_path, real_litellm):
    with FaultProxy(real_litellm.url) as api:
        project = PulumiProject(tmp_path, ensure_toolchain(), stack="refs")
        project.set_plain({"deployGateway": False, "gatewayUrl": api.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"}, **CATALOG})
        project.set_secret("masterKey", real_litellm.master_key)
        yield project, api, real_litellm
        project.destroy()


def test_a_key_joins_a_team_made_outside_the_stack_which_outlives_the_stack(stack):
    project, api, litellm = stack
    # Made in the UI (the admin API), with a team of a similar alias that LiteLLM's partial filter also returns.
    team_id = litellm.admin_json("POST", "/team/new", json={"team_alias": UI_TEAM})["team_id"]
    litellm.admin_json("POST", "/team/new", json={"team_alias": f"{UI_TEAM}-old"})

    api.reset_calls()
    project.preview()
    assert lookups(api) == ["/v2/team/list"]  # one call for the one reference
    api.reset_calls()
    project.up()
    assert lookups(api) == ["/v2/team/list"]
    assert not [c for c in api.calls if c.is_write and c.path.startswith("/team/")]  # the team is only read

    (key,) = [k for k in litellm.keys() if k.get("key_alias") == "ref-key"]
    assert key["team_id"] == team_id
    raw = project.outputs(show_secrets=True)["keys"]["ref-key"]["key"]
    answer = litellm.admin("POST", "/chat/completions", key=raw,
                           json={"model": "ref-chat", "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 200, answer.text

    project.destroy()
    assert "Lookup" not in litellm_resources(project).values()
    info = litellm.admin_json("GET", "/team/info", params={"team_id": team_id})
    assert info["team_info"]["team_alias"] == UI_TEAM  # destroy leaves what the stack did not own


def test_a_missing_team_is_one_error_naming_its_config_key_and_nothing_is_created(stack):
    project, api, litellm = stack
    project.edit_config(lambda config: config["litemaas:existing"]["teams"][0].update(alias="no-such-team") or
                        config["litemaas:keys"][0].update(team="no-such-team"))
    for command in (("preview",), ("up", "--yes", "--skip-preview")):
        with pytest.raises(PulumiError) as failed:
            project.run(*command)
        text = str(failed.value)
        assert "team 'no-such-team' (`existing.teams[0].alias`) does not exist on the gateway" in text, text[-3000:]
        assert "Traceback" not in text
    assert not [k for k in litellm.keys() if k.get("key_alias") == "ref-key"]
    assert not api.calls_to("POST", "/key/generate")  # the key waits for its lookup
