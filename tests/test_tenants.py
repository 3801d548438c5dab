"""Tenant stacks for real: a platform stack (`deployGateway: false` on the real LiteLLM proxy) and two tenant stacks
(`platformStack`, one from a keysFrom CSV) in one file backend, driven by the real Pulumi CLI.

The steps run in order on the same stacks; each test is one step.
"""

from __future__ import annotations

import json
import subprocess
import time

import openai
import pytest

from tests.support.pulumi_cli import REPO_ROOT, PulumiError, PulumiProject, deployed_platform, ensure_toolchain

pytestmark = pytest.mark.e2e

PLATFORM = "organization/litemaas/platform"
ANSWER = "Hello from the platform"
GRANITE = {"name": "granite-mock", "model": "openai/granite-mock", "extraParams": {"mock_response": ANSWER},
           "inputCostPerToken": 0.001, "outputCostPerToken": 0.002}
MISTRAL = {"name": "mistral-mock", "model": "openai/mistral-mock", "extraParams": {"mock_response": ANSWER}}
ADMIN_API = {"readinessTimeout": "60s", "requestTimeout": "30s"}
TEAM_A = [{"alias": "course-a", "models": ["granite-mock"]}]
KEYS_A = [{"alias": "a1", "team": "course-a", "models": ["granite-mock"]}]
CSV_B = "alias,models,duration,maxBudget\nb1,granite-mock,7d,2\nb2,granite-mock,7d,2\n"
HELLO = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module")
def estate(tmp_path_factory, real_litellm_server):
    real_litellm_server.reset()
    platform = deployed_platform(tmp_path_factory.mktemp("tenants"), real_litellm_server,
                                 {"adminApi": ADMIN_API, "models": [GRANITE]})
    tenant_a = platform.another_stack("tenant-a")
    tenant_a.set_plain({"platformStack": PLATFORM, "adminApi": ADMIN_API, "teams": TEAM_A, "keys": KEYS_A})
    tenant_a.up()
    tenant_b = platform.another_stack("tenant-b")
    (tenant_b.dir / "workshop-b.csv").write_text(CSV_B)
    tenant_b.set_plain({"platformStack": PLATFORM, "adminApi": ADMIN_API, "keysFrom": "workshop-b.csv"})
    tenant_b.up()
    yield {"platform": platform, "a": tenant_a, "b": tenant_b, "litellm": real_litellm_server}
    for project in (tenant_a, tenant_b, platform):
        project.run("destroy", "--yes", check=False)


def client(project: PulumiProject, alias: str) -> openai.OpenAI:
    outputs = project.outputs(show_secrets=True)
    return openai.OpenAI(base_url=f"{outputs['gatewayUrl']}/v1", api_key=outputs["keys"][alias]["key"],
                         max_retries=0, timeout=60)


def aliases(litellm) -> dict[str, str]:
    """Every live key alias on the gateway -> the stack stamped on it."""
    listing = litellm.admin_json("GET", "/key/list", params={"return_full_object": "true", "size": 100})
    return {k["key_alias"]: (k.get("metadata") or {}).get("litemaas_stack") for k in listing["keys"]}


def test_1_a_key_of_each_tenant_answers_through_the_openai_sdk(estate):
    for project, alias in ((estate["a"], "a1"), (estate["b"], "b1")):
        answer = client(project, alias).chat.completions.create(model="granite-mock", messages=HELLO)
        assert answer.choices[0].message.content == ANSWER
    assert estate["b"].outputs(show_secrets=True)["keys"]["b1"]["expires"]  # the CSV's duration
    assert estate["a"].outputs()["platformStack"] == PLATFORM


def test_2_each_object_is_stamped_with_the_stack_that_made_it(estate):
    assert aliases(estate["litellm"]) == {"a1": "organization/litemaas/tenant-a",
                                          "b1": "organization/litemaas/tenant-b",
                                          "b2": "organization/litemaas/tenant-b"}
    teams = estate["litellm"].admin_json("GET", "/v2/team/list", params={"team_alias": "course-a"})["teams"]
    assert [t["metadata"]["litemaas_stack"] for t in teams] == ["organization/litemaas/tenant-a"]


def test_3_a_tenant_naming_a_model_the_platform_lacks_is_refused_at_preview(estate):
    tenant_a = estate["a"]
    tenant_a.set_plain({"keys": [*KEYS_A, {"alias": "a2", "models": ["llama-mock"]}]})
    try:
        refused = tenant_a.run("preview", check=False)
    finally:
        tenant_a.set_plain({"keys": KEYS_A})
    assert refused.returncode != 0
    assert "litemaas:keys[1].models: names model(s) the stack does not declare: llama-mock; declared models: " \
           "granite-mock" in refused.output
    assert "Traceback" not in refused.output


def test_4_a_platform_setting_in_a_tenant_is_refused_at_preview(estate):
    tenant_a = estate["a"]
    tenant_a.set_plain({"models": [MISTRAL]})
    try:
        refused = tenant_a.run("preview", check=False)
    finally:
        tenant_a.edit_config(lambda config: config.pop("litemaas:models"))
    assert refused.returncode != 0
    assert f"litemaas:models: is a platform setting; a tenant stack (platformStack '{PLATFORM}')" in refused.output


def test_5_a_key_alias_or_team_of_another_tenant_is_refused_naming_its_stack(estate):
    tenant_b = estate["b"]
    tenant_b.set_plain({"keys": [{"alias": "a1", "models": ["granite-mock"]}]})
    try:
        with pytest.raises(PulumiError) as refused:
            tenant_b.up()
    finally:
        tenant_b.edit_config(lambda config: config.pop("litemaas:keys"))
    assert "key alias 'a1' is owned by stack organization/litemaas/tenant-a" in str(refused.value)
    tenant_b.set_plain({"teams": TEAM_A})
    try:
        with pytest.raises(PulumiError) as refused:
            tenant_b.up()
    finally:
        tenant_b.edit_config(lambda config: config.pop("litemaas:teams"))
    assert "team alias 'course-a' is owned by stack organization/litemaas/tenant-a" in str(refused.value)
    assert aliases(estate["litellm"])["a1"] == "organization/litemaas/tenant-a"
    tenant_b.up()  # nothing half-made is left behind


def test_6_a_model_the_platform_adds_is_usable_by_a_tenant_key_after_the_tenants_up(estate):
    estate["platform"].set_plain({"models": [GRANITE, MISTRAL]})
    estate["platform"].up()
    tenant_a = estate["a"]
    tenant_a.set_plain({"teams": [{**TEAM_A[0], "models": ["granite-mock", "mistral-mock"]}],
                        "keys": [{**KEYS_A[0], "models": ["granite-mock", "mistral-mock"]}]})
    tenant_a.up()
    answer = client(tenant_a, "a1").chat.completions.create(model="mistral-mock", messages=HELLO)
    assert answer.choices[0].message.content == ANSWER


def test_7_the_platform_keeps_what_a_tenant_is_granted_until_the_tenant_drops_it(estate):
    platform, tenant_a, litellm = estate["platform"], estate["a"], estate["litellm"]
    group = {"name": "mistral-group", "models": ["mistral-mock"]}
    store = {"id": "vs_tenants", "provider": "openai"}
    platform.set_plain({"unifiedAccessGroups": [group], "vectorStores": [store]})
    platform.up()
    group_id = platform.outputs()["unifiedAccessGroups"]["mistral-group"]  # LiteLLM's uuid, known after the up
    granted_key = {**KEYS_A[0], "unifiedAccessGroups": ["mistral-group"]}  # the key's own models: granite only
    granted_team = {**TEAM_A[0], "models": ["granite-mock", "mistral-mock"], "vectorStores": ["vs_tenants"]}
    tenant_a.set_plain({"keys": [{**granted_key, "unifiedAccessGroups": ["vision-group"]}]})
    refused = tenant_a.run("preview", check=False)
    assert refused.returncode != 0
    assert "litemaas:keys[0].unifiedAccessGroups: names unified access group(s) the stack does not declare: " \
           "vision-group; declared unified access groups: mistral-group" in refused.output
    tenant_a.set_plain({"keys": [granted_key], "teams": [granted_team]})
    tenant_a.up()
    key = tenant_a.outputs(show_secrets=True)["keys"]["a1"]["key"]
    assert litellm.admin_json("GET", "/key/info", params={"key": key})["info"]["access_group_ids"] == [group_id]
    answer = client(tenant_a, "a1").chat.completions.create(model="mistral-mock", messages=HELLO)  # by the group
    assert answer.choices[0].message.content == ANSWER

    # The platform does not delete what a tenant's key or team still holds: one kind at a time, each refused
    # naming the tenant and its holder, and nothing is taken from the tenant.
    platform.set_plain({"unifiedAccessGroups": [], "vectorStores": [store]})
    with pytest.raises(PulumiError) as refused_group:
        platform.up()
    assert "unified access group 'mistral-group' was not deleted: tenant stacks still use it: " \
           "organization/litemaas/tenant-a (key a1)" in str(refused_group.value)
    assert "remove it from those stacks (or `pulumi destroy` them) first" in str(refused_group.value)
    platform.set_plain({"unifiedAccessGroups": [group], "vectorStores": []})
    with pytest.raises(PulumiError) as refused_store:
        platform.up()
    assert "vector store 'vs_tenants' was not deleted: tenant stacks still use it: organization/litemaas/tenant-a " \
           "(team course-a)" in str(refused_store.value)
    assert litellm.admin_json("GET", "/key/info", params={"key": key})["info"]["access_group_ids"] == [group_id]
    assert "vs_tenants" in {s["vector_store_id"] for s in litellm.admin_json("GET", "/vector_store/list")["data"]}

    # Once the tenant drops them, the platform removes both.
    tenant_a.set_plain({"keys": [{**KEYS_A[0], "models": ["granite-mock", "mistral-mock"]}],
                        "teams": [{**granted_team, "vectorStores": []}]})
    tenant_a.up()
    platform.set_plain({"unifiedAccessGroups": [], "vectorStores": []})
    platform.up()
    assert "vs_tenants" not in {s["vector_store_id"] for s in litellm.admin_json("GET", "/vector_store/list")["data"]}
    assert not litellm.admin_json("GET", "/v1/access_group")
    preview = tenant_a.run("preview", check=False)
    assert preview.returncode == 0, preview.output


def litemaas(project: PulumiProject, *args: str) -> subprocess.CompletedProcess:
    # This checkout's CLI (the shared venv's `litemaas` script may be another checkout's).
    return subprocess.run([str(REPO_ROOT / ".venv" / "bin" / "python"), "-m", "litemaas_cli", "-q", "--cwd",
                           str(project.dir), *args], env={**project.env, "PYTHONPATH": str(REPO_ROOT)},
                          capture_output=True, text=True, timeout=300)


def test_8_spend_all_sums_the_platform_and_its_tenants_and_stack_reports_one_tenant(estate):
    litellm = estate["litellm"]
    deadline = time.monotonic() + 60
    while len(litellm.db.rows('SELECT 1 FROM "LiteLLM_SpendLogs"')) < 4 and time.monotonic() < deadline:
        time.sleep(0.5)  # LiteLLM writes spend logs in batches
    done = litemaas(estate["platform"], "--stack", "platform", "spend", "--all", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    rows = {r["name"]: r for r in document["rows"]}
    assert document["by"] == "stack"
    assert rows["organization/litemaas/tenant-a"]["requests"] == 3  # granite, mistral, mistral by the platform's group
    assert rows["organization/litemaas/tenant-b"]["requests"] == 1
    assert rows["organization/litemaas/tenant-b"]["spend"] > 0
    assert "platform" in rows  # no key, no spend: still one row of the estate
    assert document["totals"]["spend"] == pytest.approx(sum(r["spend"] for r in rows.values()))
    assert document["totals"]["requests"] == 4

    done = litemaas(estate["platform"], "--stack", "tenant-b", "spend", "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert sorted(r["name"] for r in document["rows"]) == ["b1", "b2"]
    assert document["totals"]["requests"] == 1

    done = litemaas(estate["platform"], "--stack", "platform", "status", "--all", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    tenants = json.loads(done.stdout)["tenants"]
    assert tenants == {"tenant-a": {"declared": {"keys": 1, "teams": 1}, "live": {"keys": 1, "teams": 1},
                                    "missing": []},
                       "tenant-b": {"declared": {"keys": 2, "teams": 0}, "live": {"keys": 2, "teams": 0},
                                    "missing": []}}


def test_9_destroying_a_tenant_removes_exactly_its_objects(estate):
    estate["b"].destroy()
    assert aliases(estate["litellm"]) == {"a1": "organization/litemaas/tenant-a"}
    assert estate["litellm"].admin_json("GET", "/v2/team/list", params={"team_alias": "course-a"})["teams"]


def test_10_the_platforms_destroy_refuses_while_a_tenant_still_uses_its_models(estate):
    platform, tenant_a = estate["platform"], estate["a"]
    with pytest.raises(PulumiError) as refused:
        platform.destroy()
    assert "model 'granite-mock' was not deleted: tenant stacks still use it: organization/litemaas/tenant-a " \
           "(key a1, team course-a)" in str(refused.value)
    assert client(tenant_a, "a1").chat.completions.create(model="granite-mock", messages=HELLO)
    tenant_a.destroy()
    platform.destroy()
    assert aliases(estate["litellm"]) == {}
    assert estate["litellm"].admin_json("GET", "/model/info")["data"] == []


def test_a_platform_stack_that_does_not_exist_is_one_error_naming_the_key(tmp_path):
    tenant = PulumiProject(tmp_path, ensure_toolchain(), stack="orphan")
    tenant.set_plain({"platformStack": "organization/litemaas/nowhere", "keys": KEYS_A[:0]})
    refused = tenant.run("preview", check=False)
    assert refused.returncode != 0
    # The engine stops the program when the read fails: its one line names the key and the stack.
    assert 'pulumi:pulumi:StackReference (platformStack):\n    error: Preview failed: unknown stack ' \
           '"organization/litemaas/nowhere"' in refused.output

    tenant.another_stack("never-deployed")  # exists, exports nothing yet
    tenant.set_plain({"platformStack": "organization/litemaas/never-deployed"})
    refused = tenant.run("preview", check=False)
    assert refused.returncode != 0
    assert "litemaas:platformStack: stack 'organization/litemaas/never-deployed' exports no gatewayUrl or " \
           "masterKey; run `pulumi up` on the platform stack first" in refused.output
