"""The seed's admin → user workflow, for real: `pulumi up` (real CLI, `deployGateway: false`) declares a model that
answers offline (`mock_response`) with pricing, a team and keys with small budgets against the real LiteLLM
proxy; then a data scientist uses the key with the OpenAI SDK, spends the budget and is stopped; the admin
blocks a key and revokes another by editing the stack config.

The steps run in order on one stack; each test is one step.
"""

from __future__ import annotations

import subprocess
import time

import openai
import pytest

from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, ensure_toolchain

# Part of the compatibility suite: the whole workflow runs on each tested LiteLLM version.
pytestmark = [pytest.mark.e2e, pytest.mark.every_litellm_version]

MOCK_ANSWER = "Hello from LiteMaaS"
MODELS = [
    {"name": "granite-mock", "model": "openai/granite-mock", "extraParams": {"mock_response": MOCK_ANSWER},
     "inputCostPerToken": 0.001, "outputCostPerToken": 0.002},
    {"name": "mistral-mock", "model": "openai/mistral-mock", "extraParams": {"mock_response": MOCK_ANSWER}},
]
TEAMS = [{"alias": "data-science", "models": ["granite-mock", "mistral-mock"], "maxBudget": 10}]
KEYS = [
    # One call costs 0.048 (the mock answer's tokens at the prices above): the second call is over budget.
    {"alias": "alice", "team": "data-science", "models": ["granite-mock"], "maxBudget": 0.04},
    {"alias": "bob", "team": "data-science", "models": ["granite-mock", "mistral-mock"], "maxBudget": 5},
    {"alias": "carol", "team": "data-science", "models": ["mistral-mock"], "maxBudget": 5},
    {"alias": "dave", "team": "data-science", "models": ["mistral-mock"], "rotation": 1, "rotationGracePeriod": "4s"},
]
HELLO = [{"role": "user", "content": "Hello"}]


def handoff(project: PulumiProject, alias: str) -> str:
    """What `litemaas handoff ALIAS` prints for the admin to send, from this stack."""
    done = subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "litemaas"), "-q", "handoff", alias], cwd=project.dir,
                          env=project.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def world(tmp_path_factory, litellm_server):
    litellm_server.reset()
    project = PulumiProject(tmp_path_factory.mktemp("workflow"), ensure_toolchain())
    project.set_plain({
        "deployGateway": False, "gatewayUrl": litellm_server.url,
        "adminApi": {"readinessTimeout": "60s", "requestTimeout": "30s"},
        "models": MODELS, "teams": TEAMS, "keys": KEYS,
    })
    project.set_secret("masterKey", litellm_server.master_key)
    project.up()
    outputs = project.outputs(show_secrets=True)
    yield project, litellm_server, outputs
    project.destroy()


def user_client(world, alias: str) -> openai.OpenAI:
    """What the user gets from the admin: the base URL and their key."""
    _, litellm, outputs = world
    return openai.OpenAI(base_url=f"{outputs['gatewayUrl']}/v1", api_key=outputs["keys"][alias]["key"],
                         max_retries=0, timeout=60)


def key_info(litellm, key: str) -> dict:
    return litellm.admin_json("GET", "/key/info", params={"key": key})["info"]


def test_1_a_user_key_answers_a_chat_completion(world):
    answer = user_client(world, "bob").chat.completions.create(model="granite-mock", messages=HELLO)
    assert answer.choices[0].message.content == MOCK_ANSWER


def test_2_a_model_outside_the_keys_list_is_refused(world):
    with pytest.raises(openai.APIStatusError) as refused:
        user_client(world, "carol").chat.completions.create(model="granite-mock", messages=HELLO)
    assert refused.value.status_code in (401, 403)
    assert "granite-mock" in str(refused.value)


def test_3_spend_is_tracked_and_the_budget_stops_the_user(world):
    _, litellm, outputs = world
    alice = user_client(world, "alice")
    alice.chat.completions.create(model="granite-mock", messages=HELLO)
    deadline = time.monotonic() + 60
    while (spend := key_info(litellm, outputs["keys"]["alice"]["key"])["spend"]) == 0 and time.monotonic() < deadline:
        time.sleep(1)  # LiteLLM writes spend in batches (proxy_batch_write_at)
    assert spend > 0, spend
    with pytest.raises(openai.APIStatusError) as stopped:
        alice.chat.completions.create(model="granite-mock", messages=HELLO)
    assert "budget_exceeded" in str(stopped.value.body), stopped.value.body


def test_4_a_key_blocked_in_config_is_refused_after_up(world):
    project, _, _ = world
    bob = user_client(world, "bob")
    bob.chat.completions.create(model="mistral-mock", messages=HELLO)

    def block(config):
        next(k for k in config["litemaas:keys"] if k["alias"] == "bob")["blocked"] = True

    project.edit_config(block)
    project.up()
    with pytest.raises(openai.APIStatusError) as refused:
        bob.chat.completions.create(model="mistral-mock", messages=HELLO)
    assert refused.value.status_code in (401, 403)


def test_5_a_key_removed_from_config_is_revoked(world):
    project, litellm, outputs = world
    carol = user_client(world, "carol")
    carol.chat.completions.create(model="mistral-mock", messages=HELLO)
    project.edit_config(lambda config: config.update(
        {"litemaas:keys": [k for k in config["litemaas:keys"] if k["alias"] != "carol"]}))
    project.up()
    with pytest.raises(openai.APIStatusError) as revoked:
        carol.chat.completions.create(model="mistral-mock", messages=HELLO)
    assert revoked.value.status_code in (401, 403)
    assert key_info(litellm, outputs["keys"]["carol"]["key"]).get("status") == "deleted"


def test_6_a_second_up_changes_nothing(world):
    project, _, _ = world
    project.up("--expect-no-changes")


def test_7_litemaas_handoff_prints_the_message_to_paste(world):
    project, _, outputs = world
    note = handoff(project, "dave")
    assert f"Base URL:  {outputs['gatewayUrl']}/v1" in note and f"API key:   {outputs['keys']['dave']['key']}" in note
    assert "Models:    mistral-mock" in note and f"{outputs['gatewayUrl']}/key/info" in note
    assert project.outputs()["keys"] == "[secret]" and "handoff" not in project.outputs()


def test_8_a_bumped_rotation_says_why_at_preview_and_keeps_the_old_value_for_the_grace(world):
    project, litellm, outputs = world
    old = outputs["keys"]["dave"]["key"]

    def bump(config):
        next(k for k in config["litemaas:keys"] if k["alias"] == "dave")["rotation"] = 2

    project.edit_config(bump)
    steps = [s for s in project.preview()["steps"] if s.get("op") == "update"]
    assert [s["urn"].rsplit("::", 1)[-1] for s in steps] == ["catalog-key-dave"]
    assert steps[0]["newState"]["inputs"]["rotation_due"] == "rotation changed from '1' to '2'"
    project.up()
    new = project.outputs(show_secrets=True)["keys"]["dave"]["key"]
    assert new != old
    for key in (old, new):  # both work during the grace period
        openai.OpenAI(base_url=f"{outputs['gatewayUrl']}/v1", api_key=key, max_retries=0).models.list()
    time.sleep(4.5)
    with pytest.raises(openai.APIStatusError):
        openai.OpenAI(base_url=f"{outputs['gatewayUrl']}/v1", api_key=old, max_retries=0).models.list()
    openai.OpenAI(base_url=f"{outputs['gatewayUrl']}/v1", api_key=new, max_retries=0).models.list()
    assert f"API key:   {new}" in handoff(project, "dave")
    project.up("--expect-no-changes")


def test_9_a_key_made_before_the_stack_is_adopted(world):
    project, litellm, _ = world
    made = litellm.admin_json("POST", "/key/generate", json={"key_alias": "erin", "models": ["granite-mock"]})
    project.edit_config(lambda config: config["litemaas:keys"].append(
        {"alias": "erin", "adopt": True, "team": "data-science", "models": ["granite-mock"], "maxBudget": 3}))
    project.up()
    outputs = project.outputs(show_secrets=True)
    assert outputs["keys"]["erin"]["key"] is None and outputs["keys"]["erin"]["heldByUser"] is True
    assert "API key:   unchanged, held by the user" in handoff(project, "erin")
    info = key_info(litellm, made["key"])
    assert info["max_budget"] == 3 and info["team_id"] is not None
    assert [k["token"] for k in litellm.keys() if k.get("key_alias") == "erin"] == [made["token"]]
    project.refresh()
    project.up("--expect-no-changes")
