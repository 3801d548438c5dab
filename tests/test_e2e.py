"""End to end with the real engine: `pulumi preview/up/refresh/destroy` of `__main__.py` against a local
Kubernetes API server (kube-controller-manager + kwok make workloads ready) and the real LiteLLM proxy
(with its PostgreSQL) as `gatewayUrl`, behind a call-recording proxy.

The steps run in order on one stack, as an admin would run them; each test is one step.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pulumi_cli import PulumiProject, ensure_toolchain

pytestmark = pytest.mark.e2e

NAMESPACE = "e2e-litemaas"
SECRETS = {  # and masterKey: the real proxy's
    # The explicit-credential path: the stack brings its own credentials through the documented config keys, as
    # the Ansible migration does. Generated ones (a newcomer's stack) are tests/test_default_stack_e2e.py.
    "litellm.saltKey": "salt-" + "s" * 59,
    "litellm.uiPassword": "ui-password-e2e-123",
    "postgres.password": "pg-password-e2e-456",
    "models[2].apiKey": "sk-provider-e2e-secret-789",
}
MODELS = [
    {"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
     "apiBase": "https://granite.apps.e2e.example.com/v1", "rpm": 600},
    {"name": "mistral-7b", "model": "openai/mistral-7b", "apiBase": "https://mistral.apps.e2e.example.com/v1"},
    {"name": "deepseek-chat", "model": "deepseek/deepseek-chat", "inputCostPerToken": 2.7e-7},
]
TEAMS = [
    {"alias": "data-science", "models": ["granite-8b-instruct", "deepseek-chat"], "maxBudget": 500,
     "budgetDuration": "30d"},
    {"alias": "platform", "models": ["granite-8b-instruct"], "maxBudget": 50},
]
KEYS = [
    {"alias": "alice", "team": "data-science", "models": ["granite-8b-instruct"], "maxBudget": 25,
     "budgetDuration": "30d", "duration": "90d"},
    {"alias": "bob", "team": "data-science", "models": ["deepseek-chat"], "maxBudget": 10},
    {"alias": "ci-bot", "team": "platform", "models": ["granite-8b-instruct"], "rpmLimit": 60},
]
WORKLOADS = {  # (apiVersion, kind, name) that must exist after `up`
    ("v1", "Secret", "postgres-credentials"), ("v1", "Secret", "litellm-credentials"),
    ("v1", "Service", "postgres"), ("v1", "Service", "postgres-headless"), ("v1", "Service", "litellm"),
    ("apps/v1", "StatefulSet", "postgres"), ("apps/v1", "Deployment", "litellm"),
    ("networking.k8s.io/v1", "NetworkPolicy", "postgres"), ("networking.k8s.io/v1", "NetworkPolicy", "litellm"),
    ("policy/v1", "PodDisruptionBudget", "litellm"), ("route.openshift.io/v1", "Route", "litellm"),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory, real_litellm_server):
    """The cluster, the real LiteLLM proxy (calls recorded by a proxy in front) and a stack configured for both,
    shared by the ordered steps below."""
    bin_dir = ensure_toolchain()
    ensure_binaries()
    real_litellm_server.reset()
    with LocalCluster() as cluster, FaultProxy(real_litellm_server.url) as litellm:
        litellm.backend = real_litellm_server
        project = PulumiProject(tmp_path_factory.mktemp("e2e"), bin_dir, extra_env=cluster.env())
        project.set_plain({
            "namespace": NAMESPACE, "platform": "openshift", "hostname": "litellm.apps.e2e.example.com",
            "gatewayUrl": litellm.url,
            "litellm": {"replicas": 2, "allowReplicasWithoutRedis": True},
            "postgres": {"storageSize": "1Gi"},
            "adminApi": {"readinessTimeout": "60s", "requestTimeout": "10s"},
            "models": MODELS, "teams": TEAMS, "keys": KEYS,
        })
        for path, value in {**SECRETS, "masterKey": real_litellm_server.master_key}.items():
            project.set_secret(path, value)
        yield project, cluster, litellm


def live_objects(cluster, kinds=WORKLOADS):
    found = set()
    for api_version, kind, name in kinds:
        if cluster.api.get_or_none(cluster.api.resource_path(api_version, kind, NAMESPACE, name)):
            found.add((api_version, kind, name))
    return found


def live_catalog(litellm):
    real = litellm.backend
    return (sorted(m["model_name"] for m in real.models()), sorted(t["team_alias"] for t in real.teams()),
            sorted(k["key_alias"] for k in real.keys()))


def live_key(litellm, alias):
    return next(k for k in litellm.backend.keys() if k["key_alias"] == alias)


def step_ops(preview: dict) -> dict[str, set[str]]:
    """op -> names of the LiteLLM/Kubernetes resources a `preview --json` plans to touch."""
    ops: dict[str, set[str]] = {}
    for step in preview.get("steps", []):
        if step["op"] != "same" and not step["urn"].endswith("pulumi:pulumi:Stack::litemaas-e2e"):
            ops.setdefault(step["op"], set()).add(step["urn"].rsplit("::", 1)[1])
    return ops


def test_1_preview_plans_everything_and_creates_nothing(world):
    project, cluster, litellm = world
    plan = step_ops(project.preview())
    created = plan.pop("create")
    assert plan == {}, plan
    for expected in ("postgres-statefulset", "litellm-deployment", "litellm-migration", "litellm-route",
                     "catalog-model-granite-8b-instruct", "catalog-team-data-science", "catalog-key-alice"):
        assert expected in created
    assert cluster.api.get_or_none(f"/api/v1/namespaces/{NAMESPACE}") is None
    assert litellm.calls == []  # check and diff compare inputs only: a preview never calls LiteLLM


def test_2_up_deploys_everything_and_encrypts_secrets(world):
    project, cluster, litellm = world
    project.up()
    assert live_objects(cluster) == WORKLOADS
    deployment = cluster.api.get(cluster.api.resource_path("apps/v1", "Deployment", NAMESPACE, "litellm"))
    assert deployment["status"].get("readyReplicas") == 2
    jobs = cluster.api.get(cluster.api.resource_path("batch/v1", "Job", NAMESPACE))["items"]
    assert [j["status"].get("succeeded") for j in jobs] == [1]
    assert live_catalog(litellm) == (sorted(m["name"] for m in MODELS), sorted(t["alias"] for t in TEAMS),
                                     sorted(k["alias"] for k in KEYS))

    outputs = project.outputs(show_secrets=True)
    assert outputs["gatewayUrl"] == litellm.url and outputs["namespace"] == NAMESPACE
    virtual_keys = [detail["key"] for detail in outputs["keys"].values()]
    assert len(virtual_keys) == 3 and all(k.startswith("sk-") for k in virtual_keys)
    assert_secrets_only_encrypted(project)


def assert_secrets_only_encrypted(project) -> None:
    """Every configured credential and virtual key is ciphertext in the state and absent from plain outputs."""
    outputs = project.outputs(show_secrets=True)
    virtual_keys = [detail["key"] for detail in outputs["keys"].values()]
    secrets = [*SECRETS.values(), outputs["masterKey"], *virtual_keys]
    state = json.dumps(project.export())
    assert "ciphertext" in state
    for secret in secrets:
        assert secret not in state, "a secret is stored in plain text in the state"
    plain_outputs = json.dumps(project.outputs())
    assert not any(secret in plain_outputs for secret in secrets)


def test_3_second_up_changes_nothing(world):
    project, _, litellm = world
    litellm.reset_calls()
    project.up("--expect-no-changes")
    assert litellm.write_count == 0


def test_4_config_change_does_exactly_what_changed(world):
    project, _, litellm = world

    def change(config):
        models = config["litemaas:models"]
        config["litemaas:models"] = [m for m in models if m.get("name") != "mistral-7b"]
        config["litemaas:keys"][0]["maxBudget"] = 40
        config["litemaas:keys"].append({"alias": "carol", "team": "platform", "models": ["granite-8b-instruct"],
                                        "maxBudget": 5})

    project.edit_config(change)  # deepseek-chat keeps its encrypted apiKey as it moves up the list
    plan = step_ops(project.preview())
    assert plan == {"update": {"catalog-key-alice"}, "delete": {"catalog-model-mistral-7b"},
                    "create": {"catalog-key-carol"}}, plan

    litellm.reset_calls()
    project.up()
    writes = sorted((c.method, c.path) for c in litellm.calls if c.method != "GET")
    assert writes == [("POST", "/key/generate"), ("POST", "/key/update"), ("POST", "/model/delete")]
    assert live_key(litellm, "alice")["max_budget"] == 40
    assert "mistral-7b" not in live_catalog(litellm)[0] and "carol" in live_catalog(litellm)[2]


def test_5_refresh_shows_a_change_made_by_hand(world):
    project, _, litellm = world
    bob = live_key(litellm, "bob")["token"]
    litellm.backend.admin_json("POST", "/key/update", json={"key": bob, "max_budget": 999})
    refreshed = project.refresh()
    assert "catalog-key-bob" in refreshed.output and "1 updated" in refreshed.output
    (state,) = [r for r in project.resources() if r["urn"].endswith("::catalog-key-bob")]
    assert state["outputs"]["max_budget"] == 999
    assert_secrets_only_encrypted(project)  # refresh writes what it read back: still no plaintext
    plan = step_ops(project.preview())
    assert plan == {"update": {"catalog-key-bob"}}, plan  # the next `up` puts the declared budget back


def test_6_volume_changes_are_settled_at_preview(world):
    """A larger size patches the claim (never replaces the StatefulSet); shrinking or a new class is refused."""
    project, _, _ = world

    def set_postgres(**values):
        project.edit_config(lambda config: config["litemaas:postgres"].update(values))

    set_postgres(storageSize="2Gi")
    plan = step_ops(project.preview())
    # (bob's budget, edited by hand in step 5, is still to be put back)
    assert plan == {"update": {"postgres-volume-guard", "postgres-volume", "catalog-key-bob"}}, plan
    for change, key in (({"storageSize": "512Mi"}, "storageSize"), ({"storageClass": "fast-ssd"}, "storageClass")):
        set_postgres(**{"storageSize": "1Gi", **change})
        refused = project.run("preview", check=False)
        assert refused.returncode != 0
        assert f"litemaas:postgres.{key}:" in refused.output and "pg_dump" in refused.output, refused.output[-3000:]
    project.edit_config(lambda config: config["litemaas:postgres"].pop("storageClass"))
    set_postgres(storageSize="1Gi")
    assert step_ops(project.preview()) == {"update": {"catalog-key-bob"}}


def test_7_destroy_keeps_only_the_database_volume(world):
    project, cluster, litellm = world
    project.destroy()
    assert live_objects(cluster) == set()
    assert live_catalog(litellm) == ([], [], [])
    claims = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims")["items"]
    assert [c["metadata"]["name"] for c in claims] == ["data-postgres-0"]
    assert cluster.api.get_or_none(f"/api/v1/namespaces/{NAMESPACE}") is not None
    assert project.resources() == []


def test_8_up_reattaches_the_kept_database(world):
    """The documented reattach: `up` again with the saved salt key and database password (this stack has them in
    config already) adopts the kept namespace and volume, and the catalog is served and readable again."""
    project, cluster, litellm = world
    kept_namespace = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}")["metadata"]["uid"]
    kept_claim = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/data-postgres-0")
    project.up()
    assert live_objects(cluster) == WORKLOADS
    assert cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}")["metadata"]["uid"] == kept_namespace
    claim = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims/data-postgres-0")
    assert claim["metadata"]["uid"] == kept_claim["metadata"]["uid"]  # the same volume, not a new one
    models, teams, keys = live_catalog(litellm)
    assert models == ["deepseek-chat", "granite-8b-instruct"] and teams == ["data-science", "platform"]
    assert keys == ["alice", "bob", "carol", "ci-bot"]
    handed_out = project.outputs(show_secrets=True)["keys"]
    assert {hashlib.sha256(detail["key"].encode()).hexdigest() for detail in handed_out.values()} == \
        {k["token"] for k in litellm.backend.keys()}
    refreshed = project.refresh("--expect-no-changes")  # every model, team and key read back as declared
    assert refreshed.returncode == 0
    assert_secrets_only_encrypted(project)


# --- a team moved to a new id, on a stack that only manages an existing LiteLLM (no cluster needed) ----------

MOVE_TEAMS = [
    {"alias": "research", "id": "research-2024", "models": ["granite-8b-instruct"], "maxBudget": 100},
    {"alias": "support", "models": ["granite-8b-instruct"]},  # generated id
]
MOVE_KEYS = [
    {"alias": "alice", "team": "research", "models": ["granite-8b-instruct"], "maxBudget": 10},
    {"alias": "bob", "team": "research", "models": ["granite-8b-instruct"]},
    {"alias": "carol", "team": "support", "models": ["granite-8b-instruct"]},
]


@pytest.fixture(scope="module")
def catalog_only(tmp_path_factory, real_litellm_server):
    """A `deployGateway: false` stack with two teams and their keys on the real proxy, after its first `up`."""
    bin_dir = ensure_toolchain()
    real_litellm_server.reset()
    with FaultProxy(real_litellm_server.url) as litellm:
        litellm.backend = real_litellm_server
        project = PulumiProject(tmp_path_factory.mktemp("team-move"), bin_dir)
        project.set_plain({"deployGateway": False, "gatewayUrl": litellm.url,
                           "adminApi": {"readinessTimeout": "60s", "requestTimeout": "10s"},
                           "models": [MODELS[0]], "teams": MOVE_TEAMS, "keys": MOVE_KEYS})
        project.set_secret("masterKey", real_litellm_server.master_key)
        project.up()
        yield project, litellm


def test_changing_or_adding_a_team_id_moves_its_keys_and_revokes_none(catalog_only):
    project, litellm = catalog_only
    keys_before = {alias: detail["key"] for alias, detail in project.outputs(show_secrets=True)["keys"].items()}
    real = litellm.backend
    tokens = {k["key_alias"]: k["token"] for k in real.keys()}
    old_ids = {t["team_alias"]: t["team_id"] for t in real.teams()}
    assert old_ids["research"] == "research-2024"

    def move(config):
        config["litemaas:teams"][0]["id"] = "research-2025"  # a changed fixed id
        config["litemaas:teams"][1]["id"] = "support-1"  # a fixed id added to a generated one

    project.edit_config(move)
    plan = step_ops(project.preview())
    assert plan.get("update") == {"catalog-key-alice", "catalog-key-bob", "catalog-key-carol"}, plan
    assert {"catalog-team-research", "catalog-team-support"} <= plan.get("replace", set()), plan
    assert "delete" not in plan, plan

    litellm.reset_calls()
    project.up()
    assert {t["team_alias"]: t["team_id"] for t in real.teams()} == {
        "research": "research-2025", "support": "support-1"}
    assert real.deleted_key_tokens() == set(), "a key was revoked"
    assert {k["key_alias"]: (k["token"], k["team_id"]) for k in real.keys()} == {
        "alice": (tokens["alice"], "research-2025"), "bob": (tokens["bob"], "research-2025"),
        "carol": (tokens["carol"], "support-1")}
    assert {alias: d["key"] for alias, d in project.outputs(show_secrets=True)["keys"].items()} == keys_before

    # Order of the writes: each new team, then its keys moved to it, and only then the old team deleted.
    writes = [c for c in litellm.calls if c.method != "GET"]
    position = {(c.path, json.dumps(c.body, sort_keys=True)): i for i, c in enumerate(writes)}

    def at(path, **body):
        return next(i for (p, b), i in position.items() if p == path and all(json.loads(b).get(k) == v
                                                                            for k, v in body.items()))

    for alias, new_id in (("research", "research-2025"), ("support", "support-1")):
        moved = [at("/key/update", key=tokens[k["alias"]]) for k in MOVE_KEYS if k["team"] == alias]
        assert at("/team/new", team_id=new_id) < min(moved)
        assert max(moved) < at("/team/delete", team_ids=[old_ids[alias]])
    assert sorted(c.path for c in writes) == sorted(["/team/new"] * 2 + ["/key/update"] * 3 + ["/team/delete"] * 2)
    project.up("--expect-no-changes")
