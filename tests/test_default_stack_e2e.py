"""A newcomer's stack with the real engine: no credential in config, so pulumi-random generates the master key,
the salt key, the UI password and the database password. The gateway is the real LiteLLM proxy started from the
Deployment's own spec (tests/support/pods.py), so it runs with the generated credentials the cluster holds.

The steps run in order on one stack, as an admin would run them; each test is one step.
"""

from __future__ import annotations

import base64
import json
import subprocess

import pytest

from tests.support.fault_proxy import FaultProxy
from tests.support.kube_cluster import LocalCluster, ensure_binaries
from tests.support.pods import SimulatedWorkloads
from tests.support.pulumi_cli import REPO_ROOT, PulumiProject, ensure_toolchain

pytestmark = [pytest.mark.e2e, pytest.mark.real_litellm]

NAMESPACE = "newcomer"
README = REPO_ROOT / "README.md"
PROVIDER_KEY = "sk-provider-newcomer-123"
MODELS = [{"name": "granite-8b-instruct", "model": "openai/granite-8b-instruct",
           "apiBase": "https://granite.apps.example.com/v1"}]
KEYS = [{"alias": "alice", "models": ["granite-8b-instruct"], "maxBudget": 25}]
# What pulumi-random generated, by the resource's name (RandomPassword `result`).
GENERATED = ("litellm-master-key", "litellm-salt-key", "litellm-ui-password", "postgres-password")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    bin_dir = ensure_toolchain()
    ensure_binaries()
    with LocalCluster() as cluster, FaultProxy("http://127.0.0.1:9") as gateway, \
            SimulatedWorkloads(cluster.api, NAMESPACE, gateway) as pods:
        project = PulumiProject(tmp_path_factory.mktemp("newcomer"), bin_dir, stack="newcomer",
                                extra_env=cluster.env())
        project.set_plain({
            "namespace": NAMESPACE, "platform": "openshift", "hostname": "litellm.apps.example.com",
            "gatewayUrl": gateway.url, "postgres": {"storageSize": "1Gi"},
            # The first start of the proxy takes 30-60 s on a busy machine.
            "adminApi": {"readinessTimeout": "300s", "requestTimeout": "30s"},
            "models": MODELS, "keys": KEYS,
        })
        project.set_secret("models[0].apiKey", PROVIDER_KEY)
        yield project, cluster, pods


@pytest.fixture(scope="module")
def saved():
    """What the admin saved before the destroy (step 4), for the reattach (step 5)."""
    return {}


def cluster_secret(cluster, name: str) -> dict[str, str]:
    found = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/secrets/{name}")
    return {k: base64.b64decode(v).decode() for k, v in found["data"].items()}


def cluster_credentials(cluster) -> dict[str, str]:
    """The four generated credentials as the cluster holds them."""
    litellm = cluster_secret(cluster, "litellm-credentials")
    return {"litellm-master-key": litellm["LITELLM_MASTER_KEY"], "litellm-salt-key": litellm["LITELLM_SALT_KEY"],
            "litellm-ui-password": litellm["UI_PASSWORD"],
            "postgres-password": cluster_secret(cluster, "postgres-credentials")["POSTGRES_PASSWORD"]}


def generated_in_state(project) -> dict[str, str]:
    """RandomPassword name -> its result, from `pulumi stack export --show-secrets` (secret envelopes opened)."""
    state = json.loads(project.run("stack", "export", "--show-secrets").stdout)
    results = {r["urn"].rsplit("::", 1)[1]: r["outputs"]["result"] for r in state["deployment"]["resources"]
               if r["type"] == "random:index/randomPassword:RandomPassword"}
    return {name: json.loads(value["plaintext"]) if isinstance(value, dict) else value
            for name, value in results.items()}


def assert_only_ciphertext(project, credentials: dict[str, str]) -> None:
    state = json.dumps(project.export())
    plain_outputs = json.dumps(project.outputs())
    for name, value in credentials.items():
        for form in (value, base64.b64encode(value.encode()).decode()):
            assert form not in state, f"{name} is in the state in plain text"
            assert form not in plain_outputs, f"{name} is in a plain output"


def readme_teardown_commands() -> list[str]:
    """The shell lines of the README's "Tearing down" block, as an admin copies them."""
    section = README.read_text().split("## Tearing down", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("   #")[0].strip() for line in block.splitlines() if line.strip()]


def run_as_admin(project, command: str) -> str:
    done = subprocess.run(["bash", "-c", command], cwd=project.dir, env=project.env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout.strip()


def model_id(pod, name: str) -> str:
    return next(m["model_info"]["id"] for m in pod.models() if m["model_name"] == name)


def test_1_up_generates_every_credential_and_the_gateway_runs_with_them(world):
    project, cluster, pods = world
    project.up()
    credentials = cluster_credentials(cluster)
    assert set(generated_in_state(project)) == set(GENERATED)
    assert generated_in_state(project)["litellm-master-key"] == credentials["litellm-master-key"][len("sk-"):]
    assert {k: v for k, v in generated_in_state(project).items() if k != "litellm-master-key"} == \
        {k: v for k, v in credentials.items() if k != "litellm-master-key"}
    assert len(credentials["litellm-salt-key"]) == 64 and credentials["litellm-master-key"].startswith("sk-")
    assert_only_ciphertext(project, credentials)
    outputs = project.outputs(show_secrets=True)
    assert outputs["masterKey"] == credentials["litellm-master-key"]
    assert outputs["adminPassword"] == credentials["litellm-ui-password"]

    # The proxy the Deployment describes, with the Secret's values: it enforces the generated master key, reached
    # PostgreSQL as `litellm` with the generated password, and stored the model's key under the generated salt key.
    pod = pods.front.backend
    assert pods.errors == [] and pods.started == 1
    assert pod.credential_errors(credentials["litellm-master-key"], credentials["litellm-salt-key"],
                                 (model_id(pod, "granite-8b-instruct"), PROVIDER_KEY)) == []
    assert [k["key_alias"] for k in pod.keys()] == ["alice"]


def test_2_second_up_changes_nothing_and_regenerates_nothing(world):
    project, cluster, pods = world
    before = cluster_credentials(cluster)
    project.up("--expect-no-changes")
    assert cluster_credentials(cluster) == before and pods.started == 1  # the pod was not rolled


def test_3_refresh_keeps_the_credentials(world):
    project, cluster, pods = world
    before, in_state = cluster_credentials(cluster), generated_in_state(project)
    project.refresh("--expect-no-changes")
    assert generated_in_state(project) == in_state and cluster_credentials(cluster) == before
    assert_only_ciphertext(project, before)
    project.up("--expect-no-changes")


def test_4_destroy_stops_at_the_protected_salt_key_then_keeps_the_data(world, saved):
    """The README's teardown: save the salt key and database password, unprotect, destroy."""
    project, cluster, pods = world
    pod = pods.front.backend
    # A model added by hand in the admin UI: its credential stays in the kept database, under the salt key.
    by_hand = pod.admin_json("POST", "/model/new", json={
        "model_name": "by-hand", "litellm_params": {"model": "openai/by-hand", "api_key": "sk-by-hand-456"}})
    refused = project.run("destroy", "--yes", check=False)
    assert refused.returncode != 0 and "litellm-salt-key" in refused.output and "protected" in refused.output
    teardown = readme_teardown_commands()
    assert [c.split(" |")[0] for c in teardown] == ["pulumi stack export --show-secrets"] * 2 + [
        "pulumi state unprotect --all --yes", "pulumi destroy"]
    salt_key, db_password = (run_as_admin(project, command) for command in teardown[:2])
    assert {"litellm-salt-key": salt_key, "postgres-password": db_password} == {
        k: v for k, v in generated_in_state(project).items() if k in ("litellm-salt-key", "postgres-password")}
    saved.update(salt_key=salt_key, db_password=db_password, master_key=generated_in_state(project)[
        "litellm-master-key"], by_hand=(by_hand["model_id"], "sk-by-hand-456"))
    for command in teardown[2:]:
        run_as_admin(project, command.replace("pulumi destroy", "pulumi destroy --yes --non-interactive"))
    claims = cluster.api.get(f"/api/v1/namespaces/{NAMESPACE}/persistentvolumeclaims")["items"]
    assert [c["metadata"]["name"] for c in claims] == ["data-postgres-0"]
    assert cluster.api.get_or_none(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/litellm") is None
    cluster.api.wait_for(lambda: pods.pod is None, timeout=30, description="the pod to stop")


def test_5_reattach_with_the_saved_values_keeps_the_stored_credentials_readable(world, saved):
    project, cluster, pods = world
    project.set_secret("litellm.saltKey", saved["salt_key"])
    project.set_secret("postgres.password", saved["db_password"])
    project.up()
    credentials = cluster_credentials(cluster)
    assert credentials["litellm-salt-key"] == saved["salt_key"]
    assert credentials["postgres-password"] == saved["db_password"]
    generated = generated_in_state(project)
    # The salt key is always generated (SaltKeyGuard lets a stack adopt that value); the configured one is in use.
    assert set(generated) == {"litellm-master-key", "litellm-ui-password", "litellm-salt-key"}
    assert generated["litellm-salt-key"] != saved["salt_key"]
    assert credentials["litellm-master-key"] != "sk-" + saved["master_key"]  # generated again
    pod = pods.front.backend
    assert pods.errors == [] and pods.started == 2
    # The kept database's role still has the old password, so the new pod connecting proves it was reused; the
    # model stored before the destroy decrypts with the salt key the cluster holds now.
    assert pod.credential_errors(credentials["litellm-master-key"], credentials["litellm-salt-key"],
                                 saved["by_hand"]) == []
    assert pod.credential_errors(credentials["litellm-master-key"], credentials["litellm-salt-key"],
                                 (model_id(pod, "granite-8b-instruct"), PROVIDER_KEY)) == []
    assert_only_ciphertext(project, credentials)
    project.up("--expect-no-changes")


def rename_env(old: str, new: str):
    def change(container):
        (variable,) = [v for v in container["env"] if v["name"] == old]
        variable["name"] = new
    return change


def drop_env(name: str):
    def change(container):
        container["env"] = [v for v in container["env"] if v["name"] != name]
    return change


@pytest.mark.parametrize("change, failure", [
    (drop_env("DATABASE_URL"), "database is not connected"),
    (rename_env("LITELLM_MASTER_KEY", "LITELLM_MASTERKEY"), "no master key is set"),
    (rename_env("LITELLM_SALT_KEY", "LITELLM_SALT"), "does not decrypt with the stack's salt key"),
], ids=["no DATABASE_URL", "master key env name", "salt key env name"])
def test_6_a_wrong_gateway_spec_fails_its_pod(world, saved, change, failure):
    """The proxy runs what the Deployment says, so a spec LiteLLM cannot work with is caught, not assumed."""
    _, cluster, pods = world
    credentials, serving = cluster_credentials(cluster), pods.front.backend
    path = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/litellm"
    declared = cluster.api.get(path)
    broken = json.loads(json.dumps(declared))
    change(broken["spec"]["template"]["spec"]["containers"][0])
    started, errors = pods.started, len(pods.errors)
    cluster.api.request("PUT", path, broken)
    cluster.api.wait_for(lambda: pods.started > started or len(pods.errors) > errors, timeout=300,
                         description="the rolled pod")
    reported = pods.errors[errors:]
    if reported:
        assert pods.front.backend is serving  # the old pod keeps serving, as in a rolling update
    else:
        reported = pods.front.backend.credential_errors(credentials["litellm-master-key"],
                                                        credentials["litellm-salt-key"], saved["by_hand"])
    assert any(failure in report for report in reported), reported

    current = cluster.api.get(path)
    current["spec"]["template"] = declared["spec"]["template"]
    cluster.api.request("PUT", path, current)
    pods.wait_until_current()
    assert pods.front.backend.credential_errors(credentials["litellm-master-key"], credentials["litellm-salt-key"],
                                                saved["by_hand"]) == []
